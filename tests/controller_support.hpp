// Test doubles for the controller: a fake clock, in-process plugins whose
// behaviour a test scripts, a queue whose jobs a test adds, finishes and removes,
// and a capture of the library's log.
#pragma once

#include <fluxburst/controller.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/log.hpp>
#include <fluxburst/plugin.hpp>
#include <fluxburst/queue.hpp>

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace test {

using TimePoint = std::chrono::steady_clock::time_point;

/// A clock that moves only when told.
struct FakeClock {
    TimePoint now = TimePoint{} + std::chrono::hours(1000);
    void advance(double seconds) {
        now += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(seconds));
    }
    std::function<TimePoint()> fn() {
        return [this] { return now; };
    }
};

/// A plugin whose answers a test sets.
class ScriptedPlugin : public fluxburst::BurstPlugin {
public:
    /// With `schema`, params are merged as a loaded plugin's are (defaults first).
    explicit ScriptedPlugin(const std::string& name,
                            nlohmann::json params = nlohmann::json::object(),
                            fluxburst::ParamSchema schema = {});
    bool schedule(const fluxburst::Job& job) override;
    fluxburst::BurstResult run(const fluxburst::BurstRequest& request) override;
    fluxburst::BurstResult unburst() override;
    std::optional<std::int64_t> free_nodes() const override { return free; }
    fluxburst::BurstProgress progress() override;

    struct Run {
        std::vector<fluxburst::JobId> jobs;
        std::int64_t nodes = 0, tasks = 0;
        nlohmann::json job_params;  ///< BurstRequest::job_params
        nlohmann::json params;      ///< BurstRequest::params
    };
    std::int64_t capacity = 1000;  ///< schedule() accepts jobs up to this size
    int fail_runs = 0;             ///< the next N run() calls throw
    bool throw_in_schedule = false;
    bool fail_unburst = false;
    std::optional<std::int64_t> free;
    std::function<void(const fluxburst::Job& job)> on_schedule;  ///< called first
    std::vector<Run> runs;  ///< every run() call, failed ones too
    int unbursts = 0;
    /// What progress() answers; throws a PluginError when progress_throws.
    fluxburst::BurstProgress state = fluxburst::BurstProgress::Up;
    bool progress_throws = false;
    int progress_calls = 0;
};

/// A queue held in memory that a test changes between steps; jobs can be
/// removed (unlike MockQueue), so its size stays bounded in long tests.
class ScriptedQueue : public fluxburst::JobQueue {
public:
    /// Add a burstable pending job.
    void add(fluxburst::JobId id, std::int64_t nodes = 1, nlohmann::json burstable = 1);
    void finish(fluxburst::JobId id);  ///< state INACTIVE
    void remove(fluxburst::JobId id);
    bool marked(fluxburst::JobId id) const;
    std::string marked_to(fluxburst::JobId id) const;

    std::string describe() const override { return "scripted queue"; }
    void for_each_job(const std::function<void(fluxburst::JobPtr job)>& visit,
                      const std::function<void(fluxburst::QueueProblem problem)>& problem) override;
    void mark_scheduled(const std::vector<fluxburst::JobMark>& marks) override;
    using JobQueue::mark_scheduled;
    void unmark_scheduled(const std::vector<fluxburst::JobPtr>& jobs) override;
    std::optional<std::string> state(fluxburst::JobId id) override;

    std::map<fluxburst::JobId, nlohmann::json> jobs;
    int listings = 0;
    int fail_marking = 0;  ///< the next N mark_scheduled calls throw
};

/// Captures the library's log lines while alive (at info level and above).
class LogCapture {
public:
    LogCapture();
    ~LogCapture();
    std::string text() const { return out_.str(); }
    std::size_t count(const std::string& needle) const;

private:
    std::ostringstream out_;
    fluxburst::LogLevel saved_;
};

}  // namespace test
