#include "launch_state.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include <fluxburst/error.hpp>
#include <fluxburst/job.hpp>

#include "templates.hpp"

namespace fluxburst::local {

Clocks Clocks::now() {
    Clocks c;
    c.wall =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    timespec ts{};
    if (::clock_gettime(CLOCK_BOOTTIME, &ts) == 0)
        c.since_boot = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
    static const std::string boot_id = [] {
        std::string id;
        if (std::FILE* f = std::fopen("/proc/sys/kernel/random/boot_id", "re")) {
            char buf[64] = {};
            if (std::fgets(buf, sizeof buf, f)) id = buf;
            std::fclose(f);
        }
        while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
        return id;
    }();
    c.boot_id = boot_id;
    return c;
}

double Launch::age(const Clocks& now) const {
    if (!started.boot_id.empty() && started.boot_id == now.boot_id &&
        now.since_boot >= started.since_boot)
        return now.since_boot - started.since_boot;
    // Launched before this machine's boot (or elsewhere): it is at least that old.
    return std::max(now.wall - started.wall, now.since_boot);
}

nlohmann::json to_json(const Launch& l) {
    return {{"hosts", l.hosts},
            {"ranks", l.ranks},
            {"output", l.output},
            {"default_launcher", l.default_launcher},
            {"time", l.started.wall},
            {"boot_time", l.started.since_boot},
            {"boot_id", l.started.boot_id}};
}

Launch launch_from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw Error("a launch is not an object");
    Launch l;
    try {
        l.hosts = j.at("hosts").get<std::vector<std::string>>();
        l.ranks = j.at("ranks").get<std::vector<std::int64_t>>();
        l.output = j.value("output", "");
        l.default_launcher = j.value("default_launcher", false);
        l.started.wall = j.value("time", 0.0);
        l.started.since_boot = j.value("boot_time", 0.0);
        l.started.boot_id = j.value("boot_id", "");
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("a launch has a missing or mistyped field: ") + e.what());
    }
    if (l.hosts.size() != l.ranks.size()) throw Error("hosts and ranks differ in length");
    for (const auto& h : l.hosts)
        if (!is_host_name(h)) throw Error("'" + h + "' is not a host name");
    for (auto r : l.ranks)
        if (r < 0) throw Error("rank " + std::to_string(r) + " is negative");
    if (!is_safe_output(l.output))
        throw Error("launch output '" + excerpt(l.output) +
                    "' is not one token of letters, digits and ._:@/+=,%-");
    if (l.default_launcher && !l.output.empty() && !parse_job_id(l.output))
        throw Error("launch output '" + excerpt(l.output) +
                    "' of the default launcher is not a job id");
    return l;
}

std::vector<Launch> launches_from_state(const nlohmann::json& state) {
    std::vector<Launch> out;
    if (state.empty()) return out;
    if (!state.is_object() || !state.contains("launches") || !state["launches"].is_array())
        throw Error("no list of launches");
    for (const auto& l : state["launches"]) out.push_back(launch_from_json(l));
    return out;
}

nlohmann::json state_json(const std::vector<Launch>& launches) {
    nlohmann::json j = {{"plugin", "local"}, {"launches", nlohmann::json::array()}};
    for (const auto& l : launches) j["launches"].push_back(to_json(l));
    return j;
}

LaunchState::LaunchState(const std::string& path, double command_timeout) {
    if (path.empty()) return;
    file_ = std::make_unique<StateFile>(path);
    // A run holds the lock while its launch commands run.
    file_->set_lock_timeout(std::chrono::milliseconds(
        static_cast<std::int64_t>(std::min(command_timeout * 2 + 60, 86400.0) * 1000)));
}

std::vector<Launch> LaunchState::read() const {
    if (!file_) return launches_from_state(memory_);
    nlohmann::json state = file_->read();
    try {
        return launches_from_state(state);
    } catch (const Error& e) {
        throw Error(not_a_state_file(e.what()));
    }
}

std::vector<Launch> LaunchState::change(const std::function<void(std::vector<Launch>&)>& change) {
    std::vector<Launch> after;
    auto apply = [&](nlohmann::json& state) {
        std::vector<Launch> launches;
        try {
            launches = launches_from_state(state);
        } catch (const Error& e) {
            throw Error("local: " + (file_ ? not_a_state_file(e.what()) : e.what()));
        }
        change(launches);
        after = launches;
        state = state_json(launches);
    };
    if (file_)
        file_->update(apply);
    else
        apply(memory_);
    return after;
}

std::string LaunchState::not_a_state_file(const std::string& why) const {
    return "state_file '" + file_->path() + "' is not a local plugin state file (" + why +
           "); move it away or point state_file elsewhere";
}

}  // namespace fluxburst::local
