#include "watch_loop.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fluxburst/error.hpp>
#include <fluxburst/log.hpp>
#include <fluxburst/plugin.hpp>

#include "duration.hpp"
#include "signals.hpp"
#include "table.hpp"

namespace fluxburst::cli {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::int64_t state_inactive = 64;

// Which plugins have resources serving jobs, and since when all those jobs are done.
class UnburstTracker {
public:
    explicit UnburstTracker(double idle_seconds)
        : idle_(std::chrono::duration_cast<Clock::duration>(
              std::chrono::duration<double>(idle_seconds))) {}

    void served(const std::string& plugin, JobId id) {
        Entry& e = plugins_[plugin];
        e.jobs.insert(id);
        e.idle_since.reset();
    }

    // Jobs already marked for one of `names` and not finished.
    void adopt(JobQueue& queue, const std::vector<std::string>& names) {
        queue.for_each_job(
            [&](JobPtr job) {
                if (check_job_shape(*job)) return;
                auto plugin = job_burst_plugin(*job);
                if (!plugin || std::find(names.begin(), names.end(), *plugin) == names.end())
                    return;
                if (!finished_state(*job)) served(*plugin, job_id(*job));
            },
            [](QueueProblem) {});
        for (const auto& [name, e] : plugins_)
            logger()->info("watch: plugin '{}' serves {} unfinished job(s) from earlier runs", name,
                           e.jobs.size());
    }

    // Plugins due for unburst now: every job they served is finished, and has been
    // for the idle time. One pass over the queue.
    std::vector<std::string> due(JobQueue& queue, Clock::time_point now) {
        std::set<JobId> wanted;
        for (const auto& [name, e] : plugins_) wanted.insert(e.jobs.begin(), e.jobs.end());
        if (wanted.empty()) return {};
        std::set<JobId> present, active;
        queue.for_each_job(
            [&](JobPtr job) {
                if (check_job_shape(*job)) return;
                JobId id = job_id(*job);
                if (!wanted.count(id)) return;
                present.insert(id);
                if (!finished_state(*job)) active.insert(id);
            },
            [](QueueProblem) {});
        // A queue may list only some jobs (a Flux queue lists the pending ones): ask
        // for the state of each served job it did not list; a running job is active.
        for (JobId id : wanted) {
            if (present.count(id)) continue;
            std::optional<std::string> state;
            try {
                state = queue.state(id);
            } catch (const Error& e) {
                logger()->warn("watch: state of job {}: {}; taken as active", id, e.what());
                state = "UNKNOWN";
            }
            if (state && *state != "INACTIVE") active.insert(id);
        }
        std::vector<std::string> out;
        for (auto& [name, e] : plugins_) {
            if (e.jobs.empty()) continue;
            bool done = std::none_of(e.jobs.begin(), e.jobs.end(),
                                     [&](JobId id) { return active.count(id) > 0; });
            if (!done) {
                e.idle_since.reset();
                continue;
            }
            if (!e.idle_since) {
                e.idle_since = now;
                logger()->info("watch: every job plugin '{}' served is finished; unburst in {}",
                               name, format_duration(std::chrono::duration<double>(idle_).count()));
            }
            if (now - *e.idle_since >= idle_) out.push_back(name);
        }
        return out;
    }

    void unbursted(const std::string& plugin, bool ok, Clock::time_point now) {
        Entry& e = plugins_[plugin];
        if (ok) {
            e.jobs.clear();
            e.idle_since.reset();
        } else {
            e.idle_since = now;  // try again after another idle period
        }
    }

private:
    // A job is finished once INACTIVE; one without a known state is taken as active.
    static bool finished_state(const nlohmann::json& job) {
        auto it = job.find("state");
        return it != job.end() && it->is_number_integer() &&
               it->get<std::int64_t>() == state_inactive;
    }

    struct Entry {
        std::set<JobId> jobs;
        std::optional<Clock::time_point> idle_since;
    };
    Clock::duration idle_;
    std::map<std::string, Entry> plugins_;
};

void emit(std::ostream& out, const BurstReport& report, bool json, std::size_t cycle,
          bool is_cycle) {
    if (json) {
        nlohmann::json j = report.to_json();
        j["cycle"] = cycle;
        out << j.dump() << "\n";
    } else {
        out << fmt::format("--- cycle {}{} ---\n", cycle, is_cycle ? "" : ": unburst");
        print_report(out, report, is_cycle);
        out << "\n";
    }
    out.flush();
}

}  // namespace

int watch(Client& client, const WatchSettings& settings, std::ostream& out) {
    signals::install_stop_handlers();
    auto log = logger();
    std::vector<std::string> names;
    for (auto* p : client.plugins()) names.push_back(p->name());
    UnburstTracker tracker(settings.unburst_after);
    tracker.adopt(client.queue(), names);  // an unreadable queue: QueueError, exit 1
    log->info("watch: a cycle every {}, unburst after {} idle; stop with SIGINT or SIGTERM",
              format_duration(settings.interval), format_duration(settings.unburst_after));

    for (std::size_t cycle = 1; !signals::stop_requested(); ++cycle) {
        try {
            BurstReport report = client.run_burst();
            for (const auto& a : report.assignments) tracker.served(a.plugin, a.id);
            if (cycle == 1 || !report.assignments.empty() || !report.plugins.empty())
                emit(out, report, settings.json, cycle, true);
            else
                log->info("watch: cycle {}: {} entries read, nothing to burst", cycle,
                          report.jobs_seen);
        } catch (const QueueError& e) {
            if (cycle == 1) throw;
            log->error("watch: cycle {}: {}; trying again in {}", cycle, e.what(),
                       format_duration(settings.interval));
        }
        if (signals::stop_requested()) break;

        try {
            for (const auto& name : tracker.due(client.queue(), Clock::now())) {
                BurstReport report = client.run_unburst(name);
                tracker.unbursted(name, report.ok(), Clock::now());
                emit(out, report, settings.json, cycle, false);
                if (signals::stop_requested()) break;
            }
        } catch (const QueueError& e) {
            log->error("watch: cycle {}: cannot read job states for unburst: {}", cycle, e.what());
        }
        if (signals::stop_requested()) break;
        signals::sleep_unless_stopped(settings.interval);
    }
    log->info("watch: stopped by signal {}", signals::stop_signal());
    return 0;
}

}  // namespace fluxburst::cli
