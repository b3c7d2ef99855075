// The local plugin's logic that needs no live Flux: command templates, the
// choice of nodes to start, the burst instance's configuration files, and
// running a shell command with a time limit. (Tested without Flux.)
#pragma once

#include <cstdint>
#include <fluxburst/flux.hpp>
#include <map>
#include <nlohmann/json.hpp>
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
/// fluxburst::Error on an unclosed brace, a name not in `allowed` (naming it and
/// listing the allowed ones) or a placeholder inside quotes (values are quoted by
/// expand already); `what` names the template in the message.
std::set<std::string> placeholders_in(const std::string& tmpl, const std::set<std::string>& allowed,
                                      const std::string& what);

/// True when the command runs once per host (it uses {host} or {rank}).
bool runs_per_host(const std::string& tmpl);

/// `tmpl` with each {name} replaced by values.at(name) as one shell word
/// (shell_quote): no value can add a command, a redirection or a word.
std::string expand(const std::string& tmpl, const std::map<std::string, std::string>& values);

/// `value` as one shell word: itself when made only of characters the shell never
/// interprets, else in single quotes (a ' written as '\'').
std::string shell_quote(const std::string& value);

/// A host name a command may be given: letters, digits, '.', '-', '_', not
/// starting with '-', at most 253 characters ("rank 3", for a rank without a host
/// name in the instance's R, is not).
bool is_host_name(const std::string& name);

/// A launch command's output that a stop command may be given: one token of
/// letters, digits, "._:@/+=,%-" and the "ƒ" of a Flux job id, starting with a
/// letter, digit or "ƒ", at most 256 bytes ("" is fine: nothing was printed).
bool is_safe_output(const std::string& output);

/// The default launcher: one job in the parent instance running a broker on each node.
extern const char* const default_launch_command;

// ---- launches and the state file ------------------------------------------------

/// Clock readings a launch's age is measured with.
struct Clocks {
    double wall = 0;        ///< seconds since the epoch (may step)
    double since_boot = 0;  ///< CLOCK_BOOTTIME seconds (never steps, restarts at boot)
    std::string boot_id;    ///< /proc/sys/kernel/random/boot_id ("" when unknown)
    static Clocks now();
};

/// One launch: the hosts one command started, and what it printed.
struct Launch {
    std::vector<std::string> hosts;
    std::vector<std::int64_t> ranks;
    std::string output;  ///< the command's standard output, trimmed (is_safe_output)
    bool default_launcher = false;
    Clocks started;  ///< when it was launched
    /// Seconds since the launch: on the boot clock when the launch was made in
    /// this boot (a step of the wall clock changes nothing), else the wall clock's
    /// difference but at least the time since boot.
    double age(const Clocks& now) const;
};

nlohmann::json to_json(const Launch& launch);
/// A launch read from a state file, checked: hosts and ranks of one length, host
/// names (is_host_name), output (is_safe_output). Throws fluxburst::Error saying
/// what is wrong.
Launch launch_from_json(const nlohmann::json& j);
/// The launches a state file holds ({} holds none); throws fluxburst::Error.
std::vector<Launch> launches_from_state(const nlohmann::json& state);
/// The state file's content for `launches`.
nlohmann::json state_json(const std::vector<Launch>& launches);

/// The command line (no shell) that cancels the default launcher's job
/// `job` in the parent instance: flux proxy <parent> flux cancel <job>. Throws
/// fluxburst::Error when `job` is not a Flux job id.
std::vector<std::string> cancel_argv(const std::string& flux, const std::string& parent_uri,
                                     const std::string& job);

// ---- which nodes to start -----------------------------------------------------

/// Ranks a burst may start: down (and offline, when known) ranks whose hosts are
/// in `allowed` (all when empty), minus `starting` (launched, not up yet) and
/// minus ranks without a usable host name (is_host_name).
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
// (written by the plugin's setup() with <fluxburst/topology.hpp>)

std::string config_path(const std::string& config_dir);  ///< <config_dir>/conf.d

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

/// The same, running the program argv[0] (a path) with `argv`, no shell.
CommandResult run_argv(const std::vector<std::string>& argv, double timeout,
                       const std::map<std::string, std::optional<std::string>>& env = {});

/// "a 'b c'": argv as a shell would read it back (for messages).
std::string describe_argv(const std::vector<std::string>& argv);

/// `name` if it contains a slash, else its path on $PATH; nullopt when not found
/// or not executable.
std::optional<std::string> find_program(const std::string& name);

}  // namespace fluxburst::local
