// A multi-broker Flux "system" instance on this machine, for the integration
// tests: fake hosts fake0..fakeN-1, each broker started separately (so that most
// nodes can stay down), Unix sockets in a private directory (no ports), and every
// broker stopped when the object goes away, also when a test fails.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../../plugins/local/command_runner.hpp"

namespace test {

/// The flux command the tests run: $FLUXBURST_FLUX_COMMAND, the build's
/// FLUXBURST_FLUX_COMMAND, or flux on PATH; nullopt when there is none.
std::optional<std::string> flux_command();

/// flux_command(), or throws.
std::string flux();

/// The install prefix of flux_command() (its bin/..).
std::string flux_root();

/// Run a shell command (stdout/stderr captured), with FLUX_URI set to `uri`
/// when given; throws with its output when it fails and `check` is true.
fluxburst::local::CommandResult sh(const std::string& command, const std::string& uri = "",
                                   bool check = true, double timeout = 60);

/// Write a system instance's configuration into `dir`/conf.d for `hosts` fake
/// hosts (fake0...): certificate, R (one core each), bootstrap over ipc:// sockets.
void write_instance_config(const std::string& dir, int hosts);

class SystemInstance {
public:
    /// An instance configured in `conf_path`, keeping its run and state
    /// directories under `workdir`. Nothing is started yet.
    SystemInstance(std::string conf_path, std::string workdir);
    ~SystemInstance();
    SystemInstance(const SystemInstance&) = delete;
    SystemInstance& operator=(const SystemInstance&) = delete;

    /// Start the broker of rank `rank` (host fake<rank>). Rank 0: also wait until
    /// the instance runs (its services answer).
    void start_rank(int rank, double timeout = 60);
    /// local://.../local-0
    std::string uri() const;
    /// `flux <args>` against this instance, run from a neutral directory.
    fluxburst::local::CommandResult flux(const std::string& args, bool check = true);
    /// Submit a job (flux submit <args>) and return its id.
    std::uint64_t submit(const std::string& args);
    /// Wait until job-list shows `count` pending jobs.
    void wait_pending(std::size_t count, double timeout = 30);
    /// Wait until `rank` is (up=true) or is not (up=false) online.
    void wait_online(int rank, bool up, double timeout = 60);
    /// Shut the instance down and make sure no broker it started is left (the
    /// state directories stay: start_rank(0) again restarts it with its jobs).
    void stop();

    const std::string& workdir() const { return workdir_; }

private:
    std::string conf_path_;
    std::string workdir_;
    std::vector<int> pids_;
    bool running_ = false;
};

/// Kill every process whose pid is written in a `*.pid` file under `dir`.
void kill_pid_files(const std::string& dir);

}  // namespace test
