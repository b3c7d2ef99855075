// What the local plugin launched, recorded for unburst: each launch's hosts, ranks,
// output and start time, kept in a state file (0600, owner checked, updated under
// its lock) or, without one, in memory. (Tested without Flux.)
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <fluxburst/state_file.hpp>

namespace fluxburst::local {

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

/// The launches recorded: in the state file at `path`, or in memory when `path`
/// is "" (then they last as long as the plugin).
class LaunchState {
public:
    /// `command_timeout` bounds the wait for the file's lock (a run holds it
    /// while its launch commands run).
    LaunchState(const std::string& path, double command_timeout);

    /// The launches recorded. Throws fluxburst::Error naming the file when it is not
    /// a local plugin state file (or StateFile's error: owner, mode, JSON).
    std::vector<Launch> read() const;

    /// Apply `change` to the launches recorded, under the file's lock, and return
    /// them as changed. Throws fluxburst::Error ("local: ...") as read() does, or
    /// what `change` throws (then nothing is written).
    std::vector<Launch> change(const std::function<void(std::vector<Launch>&)>& change);

private:
    std::string not_a_state_file(const std::string& why) const;

    std::unique_ptr<StateFile> file_;  // null: the launches live in memory_
    nlohmann::json memory_ = nlohmann::json::object();
};

}  // namespace fluxburst::local
