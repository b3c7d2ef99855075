// The local plugin's logic that needs no live Flux: command templates, the
// choice of nodes to start, the burst instance's configuration files, and
// running a shell command with a time limit. (Tested without Flux.)
#pragma once

#include <cstdint>
#include <fluxburst/flux.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace fluxburst::local {

// ---- command templates ----------------------------------------------------------

/// Placeholders a launch command may use.
const std::set<std::string>& launch_placeholders();
/// Placeholders a stop command may use (the launch ones plus {launch_output}).
const std::set<std::string>& stop_placeholders();

/// The {name}s in `tmpl` ("{{" and "}}" are literal braces). Throws
/// fluxburst::Error on an unclosed brace or a name not in `allowed`, naming it
/// and listing the allowed ones; `what` names the template in the message.
std::set<std::string> placeholders_in(const std::string& tmpl, const std::set<std::string>& allowed,
                                      const std::string& what);

/// True when the command runs once per host (it uses {host} or {rank}).
bool runs_per_host(const std::string& tmpl);

/// `tmpl` with each {name} replaced by values.at(name), verbatim.
std::string expand(const std::string& tmpl, const std::map<std::string, std::string>& values);

/// The default launcher: one job in the parent instance running a broker on each node.
extern const char* const default_launch_command;

// ---- which nodes to start -----------------------------------------------------

/// Ranks a burst may start: down (and offline, when known) ranks whose hosts are
/// in `allowed` (all when empty), minus `starting` (launched, not up yet).
std::vector<std::int64_t> startable_ranks(const ResourceStatus& status,
                                          const std::set<std::string>& allowed,
                                          const std::set<std::int64_t>& starting);

/// What run() decides for a burst of `wanted` nodes.
struct Plan {
    std::int64_t wanted = 0;          ///< nodes the largest job (or the request) needs
    std::int64_t free = 0;            ///< nodes free now
    std::int64_t starting = 0;        ///< nodes launched earlier that are not up yet
    std::int64_t needed = 0;          ///< wanted - free - starting (0 when enough)
    std::vector<std::int64_t> ranks;  ///< ranks to start now (at most `needed`)
    std::int64_t short_by = 0;        ///< needed nodes nothing can provide
};
Plan plan(const ResourceStatus& status, std::int64_t wanted, const std::set<std::string>& allowed,
          const std::set<std::int64_t>& starting);

// ---- the burst instance's configuration ---------------------------------------

struct Setup {
    std::string config_dir;
    std::vector<std::string> hosts;  ///< every host of the instance, rank order
    std::int64_t port = 8050;
    std::string network_device = "eth0";
    std::string bind_uri;     ///< "" -> tcp://<network_device>:%p
    std::string connect_uri;  ///< "" -> tcp://%h:%p
    std::string curve_cert;   ///< "" -> <config_dir>/curve.cert, generated
    std::string cores;        ///< "" -> this machine's cores (flux R encode --local)
};

std::string config_path(const std::string& config_dir);  ///< <config_dir>/conf.d
std::string cert_path(const Setup& s);
std::string bootstrap_toml(const Setup& s);
std::string resource_toml(const Setup& s);
/// A TOML basic string ("..." with escapes).
std::string toml_string(const std::string& s);

// ---- commands -------------------------------------------------------------------

struct CommandResult {
    int exit_status = -1;  ///< exit status, or 128+signal
    bool timed_out = false;
    std::string out;
    std::string err;
    bool ok() const { return exit_status == 0 && !timed_out; }
    /// "exit status 3: <last stderr line>" and the like.
    std::string describe() const;
};

/// Run `command` with /bin/sh -c in its own session, `env` added to the
/// environment ("NAME" -> value; a value of nullopt removes NAME). Reading stops
/// when the shell exits (background children may keep the pipes open). After
/// `timeout` seconds the command's process group is killed.
CommandResult run_command(const std::string& command, double timeout,
                          const std::map<std::string, std::optional<std::string>>& env = {});

/// `name` if it contains a slash, else its path on $PATH; nullopt when not found
/// or not executable.
std::optional<std::string> find_program(const std::string& name);

}  // namespace fluxburst::local
