// The controller's record of its live bursts and the jobs they serve, kept in a
// state file so that a restarted controller unbursts what its predecessor left.
//
//   {"version": 1, "holder": "...", "queue": "...",
//    "plugins": {"mock": {"bursts": [{"nodes": 4, "up": true}], "active": [123, ...],
//                         "failures": 0}}}
#include <fluxburst/error.hpp>
#include "logger.hpp"
#include <fluxburst/state_file.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "controller_impl.hpp"

namespace fluxburst {

namespace {

nlohmann::json track_to_json(const PluginTrack& t) {
    nlohmann::json bursts = nlohmann::json::array();
    for (const auto& b : t.bursts) bursts.push_back({{"nodes", b.nodes}, {"up", b.up}});
    nlohmann::json active = nlohmann::json::array();
    for (JobId id : t.active) active.push_back(id);
    return {{"bursts", std::move(bursts)}, {"active", std::move(active)}, {"failures", t.failures}};
}

// Restore a plugin's record; a malformed one is an error naming the file.
void track_from_json(PluginTrack& t, const nlohmann::json& j, TimePoint now,
                     const std::string& where) {
    try {
        for (const auto& b : j.at("bursts")) {
            LiveBurst burst;
            burst.nodes = b.at("nodes").get<std::int64_t>();
            burst.up = b.value("up", true);
            burst.started = now;  // the up timeout starts again
            t.bursts.push_back(std::move(burst));
        }
        for (const auto& id : j.at("active")) t.active.insert(id.get<JobId>());
        t.failures = j.value("failures", 0);
    } catch (const nlohmann::json::exception& e) {
        throw Error(
            fmt::format("controller state file '{}': the record of plugin '{}' is "
                        "malformed ({}); move the file away to start afresh (the bursts "
                        "it records then have to be unbursted by hand)",
                        where, t.plugin->name(), e.what()));
    }
}

}  // namespace

void Controller::Impl::load_state(TimePoint now) {
    if (options.state_path.empty()) return;
    StateFile file(options.state_path);
    nlohmann::json state = file.read();
    const nlohmann::json* recorded = nullptr;
    if (auto it = state.find("plugins"); it != state.end() && it->is_object()) recorded = &*it;
    if (!recorded) return;
    for (const auto& [name, j] : recorded->items()) {
        PluginTrack* t = track(name);
        if (!t) {
            foreign_state[name] = j;
            logger()->warn(
                "controller state file '{}' records bursts of plugin '{}', which is not loaded: "
                "they are kept in the file but cannot be unbursted until it is loaded",
                options.state_path, name);
            continue;
        }
        track_from_json(*t, j, now, options.state_path);
        if (!t->active.empty()) {
            std::vector<JobId> ids(t->active.begin(), t->active.end());
            follows_jobs = queue->follow(ids, true);
        }
        logger()->info(
            "controller: plugin '{}' has {} live burst(s) serving {} unfinished job(s) "
            "from an earlier run",
            name, t->bursts.size(), t->active.size());
    }
}

void Controller::Impl::save_state() {
    if (!state_dirty) return;
    state_dirty = false;
    if (options.state_path.empty()) return;
    nlohmann::json recorded = foreign_state;
    for (const auto& t : plugins) {
        if (t.bursts.empty() && t.active.empty() && t.failures == 0) continue;
        recorded[t.plugin->name()] = track_to_json(t);
    }
    try {
        StateFile(options.state_path).update([&](nlohmann::json& state) {
            state["version"] = 1;
            state["holder"] = options.identity;
            state["queue"] = queue->describe();
            state["plugins"] = recorded;
        });
    } catch (const Error& e) {
        state_dirty = true;  // try again at the next step
        logger()->error("controller: cannot record its bursts: {}", e.what());
    }
}

}  // namespace fluxburst
