#include "flux_instance.hpp"

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fluxburst/flux_queue.hpp>
#include <stdexcept>
#include <thread>

#include "../test_support.hpp"

namespace test {

namespace local = fluxburst::local;
using Clock = std::chrono::steady_clock;

std::optional<std::string> flux_command() {
    if (const char* env = std::getenv("FLUXBURST_FLUX_COMMAND"); env && *env)
        return local::find_program(env);
    std::string configured = FLUXBURST_FLUX_COMMAND;
    if (!configured.empty()) return local::find_program(configured);
    return local::find_program("flux");
}

std::string flux() {
    auto f = flux_command();
    if (!f) throw std::runtime_error("no flux command");
    return *f;
}

std::string flux_root() {
    std::filesystem::path p = std::filesystem::canonical(flux());
    return p.parent_path().parent_path().string();
}

local::CommandResult sh(const std::string& command, const std::string& uri, bool check,
                        double timeout) {
    std::map<std::string, std::optional<std::string>> env;
    env["FLUX_URI"] = uri.empty() ? std::nullopt : std::optional<std::string>(uri);
    local::CommandResult r = local::run_command("cd / && " + command, timeout, env);
    if (check && !r.ok())
        throw std::runtime_error("command failed (" + r.describe() + "): " + command +
                                 "\nstdout: " + r.out);
    return r;
}

void write_instance_config(const std::string& dir, int hosts) {
    std::filesystem::create_directories(dir + "/conf.d");
    std::filesystem::create_directories(dir + "/sock");
    std::string f = flux();
    sh(f + " keygen --name=fluxburst-test " + dir + "/cert");
    std::string last = std::to_string(hosts - 1);
    sh(f + " R encode --hosts='fake[0-" + last + "]' --ranks=0-" + last + " > " + dir + "/R");
    write_text(dir + "/conf.d/bootstrap.toml",
               "[bootstrap]\n"
               "curve_cert = \"" +
                   dir +
                   "/cert\"\n"
                   "default_bind = \"ipc://" +
                   dir +
                   "/sock/tbon-%h\"\n"
                   "default_connect = \"ipc://" +
                   dir +
                   "/sock/tbon-%h\"\n"
                   "hosts = [ { host = \"fake[0-" +
                   last + "]\" } ]\n");
    write_text(dir + "/conf.d/resource.toml",
               "[resource]\npath = \"" + dir + "/R\"\nnoverify = true\n");
}

SystemInstance::SystemInstance(std::string conf_path, std::string workdir)
    : conf_path_(std::move(conf_path)), workdir_(std::move(workdir)) {}

SystemInstance::~SystemInstance() {
    try {
        stop();
    } catch (...) {
    }
}

std::string SystemInstance::uri() const {
    return "local://" + workdir_ + "/run/rank0/local-0";
}

void SystemInstance::start_rank(int rank, double timeout) {
    std::string r = std::to_string(rank);
    std::string run = workdir_ + "/run/rank" + r, state = workdir_ + "/state/rank" + r;
    std::filesystem::create_directories(run);
    std::filesystem::create_directories(state);
    std::string command =
        "env -u FLUX_URI setsid nohup " + test::flux() + " broker --config-path=" + conf_path_ +
        " -Shostname=fake" + r + " -Srundir=" + run + " -Sstatedir=" + state +
        " -Sbroker.rc2_none -Sbroker.quorum=1 -Slog-filename=" + workdir_ + "/rank" + r + ".log >" +
        workdir_ + "/rank" + r + ".out 2>&1 </dev/null & echo $!";
    local::CommandResult out = sh(command);
    pids_.push_back(std::stoi(out.out));
    running_ = true;
    if (rank != 0) return;
    auto deadline = Clock::now() + std::chrono::duration<double>(timeout);
    for (;;) {
        // The instance runs when its scheduler answers.
        auto r0 = sh(test::flux() + " resource list -no '{nnodes}'", uri(), false, 10);
        if (r0.ok()) {
            wait_online(0, true, timeout);  // rank 0's own node comes online a little later
            return;
        }
        bool dead = ::kill(pids_.back(), 0) != 0;
        if (dead || Clock::now() > deadline)
            throw std::runtime_error(
                "the instance at " + uri() +
                (dead ? " exited at start"
                      : " did not start within " + std::to_string(timeout) + " s") +
                ": " + r0.err + "\nlog: " + read_text(workdir_ + "/rank0.log") +
                read_text(workdir_ + "/rank0.out"));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

local::CommandResult SystemInstance::flux(const std::string& args, bool check) {
    return sh(test::flux() + " " + args, uri(), check);
}

std::uint64_t SystemInstance::submit(const std::string& args) {
    local::CommandResult r = flux("submit " + args);
    std::string first = r.out.substr(0, r.out.find('\n'));
    auto id = fluxburst::parse_job_id(first);
    if (!id) throw std::runtime_error("flux submit printed no job id: " + r.out);
    return *id;
}

void SystemInstance::wait_pending(std::size_t count, double timeout) {
    fluxburst::FluxQueue queue(uri());
    auto deadline = Clock::now() + std::chrono::duration<double>(timeout);
    for (;;) {
        std::size_t n = 0;
        queue.for_each_job([&](fluxburst::JobPtr) { ++n; }, [](fluxburst::QueueProblem) {});
        if (n >= count) return;
        if (Clock::now() > deadline)
            throw std::runtime_error("only " + std::to_string(n) + " of " + std::to_string(count) +
                                     " jobs pending after " + std::to_string(timeout) + " s");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

void SystemInstance::wait_online(int rank, bool up, double timeout) {
    fluxburst::FluxQueue queue(uri());
    auto deadline = Clock::now() + std::chrono::duration<double>(timeout);
    for (;;) {
        fluxburst::ResourceStatus s = queue.resources();
        bool offline = std::find(s.offline.begin(), s.offline.end(), rank) != s.offline.end();
        bool down = std::find(s.down.begin(), s.down.end(), rank) != s.down.end();
        if (up ? (!offline && !down) : offline) return;
        if (Clock::now() > deadline)
            throw std::runtime_error("rank " + std::to_string(rank) + " is still " +
                                     (up ? "down" : "up") + " after " + std::to_string(timeout) +
                                     " s");
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

void SystemInstance::stop() {
    if (running_) {
        sh(test::flux() + " shutdown --quiet", uri(), false, 60);
        running_ = false;
    }
    // Whatever did not go with the shutdown goes now.
    auto deadline = Clock::now() + std::chrono::seconds(20);
    for (int pid : pids_) {
        while (::kill(pid, 0) == 0 && Clock::now() < deadline) {
            // not our child (setsid + nohup from a shell): poll until it exits
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (::kill(pid, 0) == 0) ::kill(pid, SIGKILL);
    }
    pids_.clear();
}

void kill_pid_files(const std::string& dir) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
        if (entry.path().extension() != ".pid") continue;
        std::string text = read_text(entry.path().string());
        try {
            int pid = std::stoi(text);
            if (pid > 1 && ::kill(pid, 0) == 0) {
                ::kill(pid, SIGTERM);
                for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i)
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                if (::kill(pid, 0) == 0) ::kill(pid, SIGKILL);
            }
        } catch (...) {
        }
    }
}

}  // namespace test
