// The controller's state, shared by its source files (private to the library).
#pragma once

#include <fluxburst/controller.hpp>
#include <fluxburst/plugin.hpp>
#include <fluxburst/queue.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace fluxburst {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

/// Seconds as a steady-clock duration.
SteadyClock::duration seconds(double s);

/// One run() not yet given back by unburst().
struct LiveBurst {
    std::int64_t nodes = 0;
    TimePoint started{};
    bool up = false;
    /// The jobs it serves as they were listed, kept only until it is up (to give
    /// them back to the queue if it never comes up).
    std::vector<JobPtr> pending;
};

/// What the controller knows of one loaded plugin.
struct PluginTrack {
    BurstPlugin* plugin = nullptr;
    std::vector<LiveBurst> bursts;
    std::unordered_set<JobId> active;  ///< served jobs not known to be finished
    std::optional<TimePoint> idle_since;
    int failures = 0;  ///< in a row
    TimePoint backoff_until{};
    std::int64_t nodes() const;
    bool backed_off(TimePoint now) const { return backoff_until > now; }
};

struct Controller::Impl {
    ControllerOptions options;
    std::shared_ptr<JobQueue> queue;
    Selector selector;  ///< empty: the default (burstable), with the queue's fast path
    Ordering ordering;
    std::vector<PluginTrack> plugins;  ///< load order
    std::unique_ptr<QueueClaim> claim;
    nlohmann::json foreign_state = nlohmann::json::object();  ///< state of plugins not loaded

    std::deque<TimePoint> recent_bursts;  ///< run() calls within the burst window
    bool first_step = true;
    TimePoint next_cycle{};
    TimePoint next_finish_check{};
    bool follows_jobs = false;  ///< the queue reports served jobs' end through events
    bool state_dirty = false;

    int wake_pipe[2] = {-1, -1};
    std::atomic<bool> stop_flag{false};

    TimePoint now() const { return options.clock(); }
    PluginTrack* track(const std::string& name);

    // controller_cycle.cpp
    BurstReport cycle(TimePoint now);
    /// A burst that failed (run() threw, or it never came up): back the plugin
    /// off and give the jobs back to the queue.
    void burst_failed(PluginTrack& t, TimePoint now, const std::string& why,
                      const std::vector<JobPtr>& jobs);

    // controller_unburst.cpp
    void check_finished(TimePoint now, const std::vector<JobId>& finished_by_events);
    void check_starting(TimePoint now, std::vector<BurstReport>& reports);
    std::vector<BurstReport> unburst_idle(TimePoint now);

    // controller_state.cpp
    void load_state(TimePoint now);
    void save_state();
};

}  // namespace fluxburst
