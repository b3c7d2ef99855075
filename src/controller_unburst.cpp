// The controller's follow-up of live bursts: served jobs that finished, bursts
// that do not come up in time, and unburst once a plugin has been idle long enough.
#include <fluxburst/error.hpp>
#include "logger.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "controller_impl.hpp"
#include "plugin_call.hpp"

namespace fluxburst {

void Controller::Impl::check_finished(TimePoint now, const std::vector<JobId>& finished_by_events) {
    auto forget = [&](const std::vector<JobId>& ids) {
        for (JobId id : ids)
            for (auto& t : plugins)
                if (t.active.erase(id)) state_dirty = true;
        if (!ids.empty()) queue->follow(ids, false);
    };
    forget(finished_by_events);

    bool any_active = false;
    for (const auto& t : plugins) any_active = any_active || !t.active.empty();
    // Ask the queue when it does not report served jobs' end itself (and once
    // after a start, for the jobs that finished while no controller was running).
    if (any_active && now >= next_finish_check) {
        next_finish_check = now + seconds(options.policy.interval);
        std::vector<JobId> ids;
        for (const auto& t : plugins) ids.insert(ids.end(), t.active.begin(), t.active.end());
        try {
            forget(queue->finished_jobs(ids));
        } catch (const Error& e) {
            logger()->warn("{}: cannot read the state of {} served job(s): {}; taken as active",
                           queue->describe(), ids.size(), e.what());
        }
        // A queue that reports ends is still asked now and then (an event can be
        // lost, e.g. while its journal restarts).
        if (follows_jobs) next_finish_check = now + seconds(options.policy.interval * 12);
    }

    for (auto& t : plugins) {
        if (t.bursts.empty() || !t.active.empty()) {
            t.idle_since.reset();
            continue;
        }
        if (t.idle_since) continue;
        t.idle_since = now;
        logger()->info("controller: every job plugin '{}' served is finished; unburst in {} s",
                       t.plugin->name(), options.policy.unburst_after);
    }
}

void Controller::Impl::check_starting(TimePoint now, std::vector<BurstReport>& reports) {
    for (auto& t : plugins) {
        bool changed = false;
        for (auto it = t.bursts.begin(); it != t.bursts.end();) {
            if (it->up) {
                ++it;
                continue;
            }
            std::optional<std::string> failed;
            BurstProgress progress = BurstProgress::Starting;
            try {
                progress = t.plugin->progress();
            } catch (const std::exception& e) {
                // Unknown for now: still starting, the up timeout bounds it.
                logger()->warn("plugin '{}': progress() threw: {}", t.plugin->name(), e.what());
            } catch (...) {
                logger()->warn("plugin '{}': progress() threw an unknown exception",
                               t.plugin->name());
            }
            if (progress == BurstProgress::Up) {
                it->up = true;
                it->pending.clear();
                it->pending.shrink_to_fit();
                t.failures = 0;
                changed = true;
                logger()->info("plugin '{}': its burst of {} node(s) is up", t.plugin->name(),
                               it->nodes);
            } else if (progress == BurstProgress::Failed) {
                failed = "the plugin reports that its burst failed";
            } else if (now - it->started >= seconds(options.policy.up_timeout)) {
                failed = fmt::format("its burst of {} node(s) was not up after {} s (up_timeout)",
                                     it->nodes, options.policy.up_timeout);
            }
            if (!failed) {
                ++it;
                continue;
            }
            std::vector<JobPtr> jobs = std::move(it->pending);
            for (const auto& job : jobs) t.active.erase(job->id());
            it = t.bursts.erase(it);
            changed = true;
            bool others_up = false;
            for (const auto& b : t.bursts) others_up = others_up || b.up;
            if (!others_up) {
                // Give back what the failed burst may have started.
                BurstReport report;
                report.queue = queue->describe();
                report.plugins.push_back(call_plugin(*t.plugin, "unburst", jobs.size(), 0,
                                                     [&] { return t.plugin->unburst(); }));
                if (report.plugins.back().ok) t.bursts.clear();
                reports.push_back(std::move(report));
            }
            burst_failed(t, now, *failed, jobs);
        }
        if (changed) state_dirty = true;
    }
}

std::vector<BurstReport> Controller::Impl::unburst_idle(TimePoint now) {
    std::vector<BurstReport> reports;
    for (auto& t : plugins) {
        if (t.bursts.empty() || !t.idle_since) continue;
        if (now - *t.idle_since < seconds(options.policy.unburst_after)) continue;
        BurstReport report;
        report.queue = queue->describe();
        auto start = SteadyClock::now();
        report.plugins.push_back(
            call_plugin(*t.plugin, "unburst", 0, t.nodes(), [&] { return t.plugin->unburst(); }));
        report.timings.run = report.timings.total =
            std::chrono::duration<double>(SteadyClock::now() - start).count();
        if (report.plugins.back().ok) {
            t.bursts.clear();
            t.bursts.shrink_to_fit();
            t.idle_since.reset();
        } else {
            t.idle_since = now;  // try again after another idle time
        }
        state_dirty = true;
        reports.push_back(std::move(report));
    }
    return reports;
}

}  // namespace fluxburst
