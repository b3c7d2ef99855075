// The controller's burst cycle: select, place within the policy's caps, mark,
// run, and handle a failed run().
#include <fluxburst/error.hpp>
#include "logger.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "controller_impl.hpp"
#include "job_params.hpp"
#include "job_ref.hpp"
#include "plugin_call.hpp"
#include "text.hpp"

namespace fluxburst {

namespace {

// The largest burst a plugin can take: what it says it has free, else its
// integer parameter "max_nodes", else no limit.
std::int64_t plugin_limit(const BurstPlugin& p) {
    if (auto free = p.free_nodes()) return std::max<std::int64_t>(*free, 0);
    try {
        if (p.params().has("max_nodes")) return p.params().get_int("max_nodes");
    } catch (const Error&) {
    }
    return std::numeric_limits<std::int64_t>::max();
}

// The jobs a plugin took in this cycle with the same per-job parameter values,
// and the burst they make.
struct Taken {
    nlohmann::json job_params;  // null: none (job_params_for)
    std::vector<JobPtr> jobs;
    std::int64_t sum_nodes = 0, sum_tasks = 0;
    std::int64_t nodes = 0, tasks = 0;  // the burst's size under the policy
};

struct Sized {
    std::int64_t nodes = 0, tasks = 0;
};

Sized size_with(BurstSizing sizing, const BurstPlugin& p, const Taken& t, std::int64_t nodes,
                std::int64_t tasks) {
    if (sizing == BurstSizing::LargestJob)
        return {std::max(t.nodes, nodes), std::max(t.tasks, tasks)};
    return {std::min(t.sum_nodes + nodes, plugin_limit(p)), t.sum_tasks + tasks};
}

// schedule() failures of one plugin in one cycle, logged once.
struct ScheduleFailures {
    std::size_t count = 0;
    std::string first;
};

}  // namespace

BurstReport Controller::Impl::cycle(TimePoint now) {
    auto log = logger();
    const ControllerPolicy& policy = options.policy;
    BurstReport report;
    report.queue = queue->describe();
    auto t_start = SteadyClock::now();

    // Plugins offered jobs in this cycle: those not backed off.
    std::vector<BurstPlugin*> available;
    std::unordered_map<BurstPlugin*, PluginTrack*> tracks;
    std::int64_t total_nodes = 0;
    for (auto& t : plugins) {
        tracks[t.plugin] = &t;
        total_nodes += t.nodes();
        if (t.backed_off(now)) {
            double left = std::chrono::duration<double>(t.backoff_until - now).count();
            report.held.push_back(PluginHeld{
                t.plugin->name(),
                fmt::format("backed off after {} failure(s) in a row", t.failures), left});
        } else {
            available.push_back(t.plugin);
        }
    }
    while (!recent_bursts.empty() && now - recent_bursts.front() >= seconds(policy.burst_window))
        recent_bursts.pop_front();
    std::int64_t bursts_left = std::numeric_limits<std::int64_t>::max();
    if (policy.max_bursts_per_window > 0)
        bursts_left =
            policy.max_bursts_per_window - static_cast<std::int64_t>(recent_bursts.size());

    // By plugin, then by per-job parameter values (as JSON text): each is one burst.
    std::map<std::pair<BurstPlugin*, std::string>, Taken> taken;
    std::unordered_set<JobId> seen;
    std::map<BurstPlugin*, ScheduleFailures> schedule_failures;
    double schedule_seconds = 0;

    auto served_by = [&](JobId id) -> const PluginTrack* {
        for (const auto& t : plugins)
            if (t.active.count(id)) return &t;
        return nullptr;
    };

    auto place = [&](const JobPtr& job) {
        auto t0 = SteadyClock::now();
        JobId id = job->id();
        std::int64_t nodes = job->nodes(), tasks = job->tasks();
        std::vector<std::string> reasons;
        std::vector<BurstPlugin*> order;
        try {
            order = ordering(available, *job);
        } catch (const std::exception& e) {
            reasons.push_back(std::string("ordering threw: ") + e.what());
        }
        // A job that asks for a plugin (burst option "plugin") goes to that one only.
        if (const std::string& wanted = job->preferred_plugin(); !wanted.empty()) {
            order.erase(std::remove_if(order.begin(), order.end(),
                                       [&](BurstPlugin* p) { return p->name() != wanted; }),
                        order.end());
            if (std::none_of(plugins.begin(), plugins.end(),
                             [&](const PluginTrack& t) { return t.plugin->name() == wanted; }))
                reasons.push_back(fmt::format(
                    "the job asks for plugin '{}' (burst option \"plugin\"), which is not loaded",
                    wanted));
        }
        BurstPlugin* taker = nullptr;
        std::set<BurstPlugin*> offered;
        std::size_t option_errors = 0;
        for (BurstPlugin* p : order) {
            if (!tracks.count(p) || tracks[p]->backed_off(now) || !offered.insert(p).second)
                continue;  // foreign, held or repeated
            std::optional<nlohmann::json> values = offered_job_params(*p, *job, reasons);
            if (!values) {  // burst options it cannot take: next
                ++option_errors;
                continue;
            }
            auto key = std::make_pair(p, values->dump());
            auto found = taken.find(key);
            Taken fresh;
            const Taken& current = found == taken.end() ? fresh : found->second;
            Sized s = size_with(policy.sizing, *p, current, nodes, tasks);
            std::int64_t plugin_live = tracks[p]->nodes(), plugin_cycle = 0, cycle_nodes = 0;
            for (const auto& [k, other] : taken) {
                std::int64_t n = k == key ? s.nodes : other.nodes;
                cycle_nodes += n;
                if (k.first == p) plugin_cycle += n;
            }
            if (found == taken.end()) {
                cycle_nodes += s.nodes;
                plugin_cycle += s.nodes;
            }
            if (policy.max_plugin_nodes_in_flight > 0 &&
                plugin_live + plugin_cycle > policy.max_plugin_nodes_in_flight) {
                reasons.push_back(fmt::format(
                    "{}: over max_plugin_nodes_in_flight ({} in flight + {} in this cycle > {})",
                    p->name(), plugin_live, plugin_cycle, policy.max_plugin_nodes_in_flight));
                continue;
            }
            if (policy.max_nodes_in_flight > 0 &&
                total_nodes + cycle_nodes > policy.max_nodes_in_flight) {
                reasons.push_back(fmt::format(
                    "{}: over max_nodes_in_flight ({} in flight + {} in this cycle > {})",
                    p->name(), total_nodes, cycle_nodes, policy.max_nodes_in_flight));
                continue;
            }
            if (found == taken.end()) {  // a burst more in this cycle
                if (static_cast<std::int64_t>(taken.size()) >= bursts_left) {
                    reasons.push_back(fmt::format("{}: max_bursts_per_window reached ({} in {})",
                                                  p->name(), policy.max_bursts_per_window,
                                                  policy.burst_window));
                    continue;
                }
            }
            try {
                if (p->schedule(*job)) {
                    taker = p;
                    Taken& t = taken[key];
                    t.job_params = std::move(*values);
                    t.jobs.push_back(job);
                    t.sum_nodes += nodes;
                    t.sum_tasks += tasks;
                    t.nodes = s.nodes;
                    t.tasks = s.tasks;
                    break;
                }
                reasons.push_back(p->name() + ": declined");
            } catch (const std::exception& e) {
                auto& f = schedule_failures[p];
                if (f.count++ == 0) f.first = fmt::format("{}: {}", job_label(id), e.what());
                reasons.push_back(fmt::format("{}: schedule threw: {}", p->name(), e.what()));
            } catch (...) {
                auto& f = schedule_failures[p];
                if (f.count++ == 0) f.first = job_label(id) + ": unknown exception";
                reasons.push_back(p->name() + ": schedule threw an unknown exception");
            }
        }
        if (taker) {
            report.assignments.push_back(Assignment{id, job->name(), nodes, tasks, taker->name()});
        } else if (skipped_for_options(option_errors, offered.size())) {
            // Its burst options are what no plugin takes: the job's to fix.
            report.skipped.push_back(Skipped{job_ref(id), text::join(reasons, "; ")});
        } else {
            if (plugins.empty())
                reasons.push_back("no plugins are loaded");
            else if (available.empty())
                reasons.push_back("every plugin is backed off");
            else if (offered.empty() && reasons.empty())
                reasons.push_back("the ordering offered it to no plugin");
            report.unmatched.push_back(Unmatched{id, job->name(), nodes, std::move(reasons)});
        }
        schedule_seconds += std::chrono::duration<double>(SteadyClock::now() - t0).count();
    };

    // Read the queue one job at a time; with the default selector, let the queue
    // skip building jobs it can tell are not wanted.
    JobWanted want;
    if (!selector) want = [](const JobSummary& s) { return s.burstable && !s.burst_scheduled; };
    Selector choose = selector ? selector : selectors::burstable();
    report.jobs_seen = queue->scan_jobs(
        [&](JobPtr job) {
            JobId id = job->id();
            bool chosen = false;
            try {
                chosen = choose(*job);
            } catch (const std::exception& e) {
                report.skipped.push_back(
                    Skipped{std::to_string(id), std::string("selector threw: ") + e.what()});
                return;
            }
            if (!chosen) return;
            // At most once: a job id seen earlier in this cycle (a duplicate entry),
            // or served by a live burst, is never burst again.
            if (!seen.insert(id).second) {
                report.skipped.push_back(
                    Skipped{std::to_string(id),
                            "duplicate job id: an earlier entry with it was considered"});
                return;
            }
            if (const PluginTrack* t = served_by(id)) {
                report.skipped.push_back(Skipped{
                    std::to_string(id), fmt::format("already served by a live burst of plugin '{}'",
                                                    t->plugin->name())});
                return;
            }
            report.selected.push_back(id);
            place(job);
        },
        [&](QueueProblem problem) {
            report.skipped.push_back(Skipped{problem.where, problem.reason});
        },
        want);
    for (const auto& s : report.skipped)
        log->warn("{}: job {} skipped: {}", report.queue, s.job, s.reason);
    for (const auto& [p, f] : schedule_failures)
        log->error("plugin '{}' schedule() failed for {} job(s) in this cycle; first: {}",
                   p->name(), f.count, f.first);
    report.timings.schedule = schedule_seconds;
    report.timings.list_select =
        std::chrono::duration<double>(SteadyClock::now() - t_start).count() - schedule_seconds;

    std::vector<JobMark> marks;
    for (const auto& [k, t] : taken)
        for (const auto& job : t.jobs) marks.push_back(JobMark{job->id(), k.first->name()});
    log->info("{}: {} jobs read, {} selected, {} accepted, {} skipped", report.queue,
              report.jobs_seen, report.selected.size(), marks.size(), report.skipped.size());
    if (marks.empty()) {
        report.timings.total = std::chrono::duration<double>(SteadyClock::now() - t_start).count();
        return report;
    }

    // Mark all accepted jobs together; the queue refuses jobs marked meanwhile.
    auto t_mark = SteadyClock::now();
    queue->mark_scheduled(marks);  // QueueError: nothing marked, nothing run
    report.timings.mark = std::chrono::duration<double>(SteadyClock::now() - t_mark).count();

    // Run each plugin that took jobs, in load order, once per set of per-job values.
    auto t_run = SteadyClock::now();
    for (auto& track : plugins) {
        for (auto it = taken.lower_bound({track.plugin, std::string()});
             it != taken.end() && it->first.first == track.plugin; ++it) {
            Taken& t = it->second;
            BurstRequest request;
            request.jobs = t.jobs;
            request.nodes = t.nodes;
            request.tasks = t.tasks;
            request.job_params = request_job_params(t.job_params);
            request.params = burst_params(*track.plugin, t.job_params);
            recent_bursts.push_back(now);
            PluginOutcome out = call_plugin(*track.plugin, "run", t.jobs.size(), t.nodes,
                                            [&] { return track.plugin->run(request); });
            bool ok = out.ok;
            std::string error = out.error;
            report.plugins.push_back(std::move(out));
            if (!ok) {
                burst_failed(track, now, "run() failed: " + error, t.jobs);
                continue;
            }
            // Starting until the plugin's progress() says it is up (asked at once, in
            // check_starting, after this cycle); its jobs are kept until then, to give
            // them back if it never comes up.
            LiveBurst burst;
            burst.nodes = t.nodes;
            burst.started = now;
            burst.up = false;
            burst.pending = t.jobs;
            std::vector<JobId> ids;
            for (const auto& job : t.jobs) {
                ids.push_back(job->id());
                track.active.insert(ids.back());
            }
            track.bursts.push_back(std::move(burst));
            track.idle_since.reset();
            follows_jobs = queue->follow(ids, true);
            state_dirty = true;
        }
    }
    report.timings.run = std::chrono::duration<double>(SteadyClock::now() - t_run).count();
    report.timings.total = std::chrono::duration<double>(SteadyClock::now() - t_start).count();
    return report;
}

void Controller::Impl::burst_failed(PluginTrack& t, TimePoint now, const std::string& why,
                                    const std::vector<JobPtr>& jobs) {
    const ControllerPolicy& policy = options.policy;
    ++t.failures;
    double delay = policy.backoff_initial;
    for (int i = 1; i < t.failures && delay < policy.backoff_max; ++i) delay *= 2;
    delay = std::min(delay, policy.backoff_max);
    t.backoff_until = now + seconds(delay);
    state_dirty = true;
    logger()->error(
        "plugin '{}': {}; backed off for {:.0f} s ({} failure(s) in a row); its {} job(s) are "
        "given back to the queue and offered to the next plugin",
        t.plugin->name(), why, delay, t.failures, jobs.size());
    if (jobs.empty()) return;
    try {
        queue->unmark_scheduled(jobs);
    } catch (const Error& e) {
        logger()->error("plugin '{}': cannot give its jobs back: {}; they stay marked",
                        t.plugin->name(), e.what());
    }
    next_cycle = now;  // fail over at once
}

}  // namespace fluxburst
