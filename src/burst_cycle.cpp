// The burst cycle engine: read and place, mark, run. Each step is one function
// of Cycle; what the steps share is the Cycle's members, set in one place each.
#include "burst_cycle.hpp"

#include <fluxburst/error.hpp>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "job_params.hpp"
#include "job_ref.hpp"
#include "logger.hpp"
#include "plugin_call.hpp"
#include "selector_summary.hpp"
#include "text.hpp"

namespace fluxburst::detail {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

class Cycle {
public:
    Cycle(JobQueue& queue, const std::vector<BurstPlugin*>& plugins, const Selector& selector,
          const Ordering& ordering, bool commit)
        : queue_(queue),
          plugins_(plugins),
          known_(plugins.begin(), plugins.end()),
          selector_(selector),
          ordering_(ordering),
          commit_(commit),
          log_(logger()) {
        report_.queue = queue_.describe();
        report_.dry_run = !commit_;
    }

    BurstReport run() {
        start_ = Clock::now();
        read_and_place();
        if (commit_ && !accepted_.empty()) {
            mark();
            run_plugins();
        }
        report_.timings.total = seconds_since(start_);
        return std::move(report_);
    }

private:
    struct Accepted {
        BurstPlugin* plugin;
        JobPtr job;
        nlohmann::json job_params;  // its per-job parameter values for the plugin
    };

    // 1-2. Read the queue one job at a time: judge it, and place a selected job
    // at once, so that only accepted jobs are kept (memory does not grow with
    // the jobs that are not selected or not accepted).
    void read_and_place() {
        report_.jobs_seen = queue_.scan_jobs([&](JobPtr job) { consider(std::move(job)); },
                                             [&](QueueProblem problem) { skip(problem); },
                                             summary_filter(selector_));
        report_.timings.schedule = schedule_seconds_;
        report_.timings.list_select = seconds_since(start_) - schedule_seconds_;
        log_->info("{}: {} jobs read, {} selected, {} accepted, {} skipped", report_.queue,
                   report_.jobs_seen, report_.selected.size(), report_.assignments.size(),
                   report_.skipped.size());
    }

    void skip(const QueueProblem& problem) {
        log_->warn("{}: job {} skipped: {}", report_.queue, problem.where, problem.reason);
        report_.skipped.push_back(Skipped{problem.where, problem.reason});
    }

    // The selector's verdict on one job; a selected job is placed at once.
    void consider(JobPtr job) {
        bool chosen = false;
        try {
            chosen = selector_(*job);
        } catch (const std::exception& e) {
            log_->warn("job {}: the selector threw: {}; skipped", job_id_f58(job->id()), e.what());
            report_.skipped.push_back(
                Skipped{std::to_string(job->id()), std::string("selector threw: ") + e.what()});
            return;
        }
        if (!chosen) return;
        report_.selected.push_back(job->id());
        auto t0 = Clock::now();
        place(job);
        schedule_seconds_ += seconds_since(t0);
    }

    // The plugins a job is offered to, in order; why none, into `reasons`.
    std::vector<BurstPlugin*> offer_order(const Job& job, std::vector<std::string>& reasons) {
        std::vector<BurstPlugin*> order;
        try {
            order = ordering_(plugins_, job);
        } catch (const std::exception& e) {
            reasons.push_back(std::string("ordering threw: ") + e.what());
        }
        // A job that asks for a plugin (burst option "plugin") goes to that one only.
        if (const std::string& wanted = job.preferred_plugin(); !wanted.empty()) {
            bool loaded = std::any_of(plugins_.begin(), plugins_.end(),
                                      [&](BurstPlugin* p) { return p->name() == wanted; });
            order.erase(std::remove_if(order.begin(), order.end(),
                                       [&](BurstPlugin* p) { return p->name() != wanted; }),
                        order.end());
            if (!loaded)
                reasons.push_back(fmt::format(
                    "the job asks for plugin '{}' (burst option \"plugin\"), which is not loaded",
                    wanted));
        }
        return order;
    }

    // Offer one selected job to the plugins in order; the first to accept takes it.
    void place(const JobPtr& job) {
        std::vector<std::string> reasons;
        std::vector<BurstPlugin*> order = offer_order(*job, reasons);
        BurstPlugin* taker = nullptr;
        nlohmann::json taker_params;
        std::set<BurstPlugin*> offered;
        std::size_t option_errors = 0;
        for (BurstPlugin* p : order) {
            if (!known_.count(p) || !offered.insert(p).second) continue;  // foreign or repeated
            std::optional<nlohmann::json> values = offered_job_params(*p, *job, reasons);
            if (!values) {  // burst options it cannot take: next
                ++option_errors;
                continue;
            }
            if (offer(*p, *job, reasons)) {
                taker = p;
                taker_params = std::move(*values);
                break;
            }
        }
        if (taker) {
            accept(job, *taker, std::move(taker_params));
            return;
        }
        if (skipped_for_options(option_errors, offered.size())) {
            std::string why = text::join(reasons, "; ");
            log_->warn("{}: job {} skipped: {}", report_.queue, job_ref(job->id()), why);
            report_.skipped.push_back(Skipped{job_ref(job->id()), std::move(why)});
            return;
        }
        if (plugins_.empty())
            reasons.push_back("no plugins are loaded");
        else if (offered.empty() && reasons.empty())
            reasons.push_back("the ordering offered it to no plugin");
        report_.unmatched.push_back(
            Unmatched{job->id(), job->name(), job->nodes(), std::move(reasons)});
    }

    // One plugin's schedule(): true when it takes the job; why not, into `reasons`.
    bool offer(BurstPlugin& p, const Job& job, std::vector<std::string>& reasons) {
        try {
            if (p.schedule(job)) return true;
            reasons.push_back(p.name() + ": declined");
        } catch (const std::exception& e) {
            log_->error("plugin '{}' schedule(job {}) threw: {}", p.name(), job_id_f58(job.id()),
                        e.what());
            reasons.push_back(fmt::format("{}: schedule threw: {}", p.name(), e.what()));
        } catch (...) {
            reasons.push_back(p.name() + ": schedule threw an unknown exception");
        }
        return false;
    }

    void accept(const JobPtr& job, BurstPlugin& taker, nlohmann::json job_params) {
        report_.assignments.push_back(
            Assignment{job->id(), job->name(), job->nodes(), job->tasks(), taker.name()});
        if (!commit_) return;
        accepted_.push_back(Accepted{&taker, job, std::move(job_params)});
        queue_.mark_early(JobMark{job->id(), taker.name()});  // overlaps the listing
    }

    // 3. Record the decisions in the queue, all together.
    void mark() {
        auto t0 = Clock::now();
        std::vector<JobMark> marks;
        marks.reserve(accepted_.size());
        for (const auto& a : accepted_) marks.push_back(JobMark{a.job->id(), a.plugin->name()});
        queue_.mark_scheduled(marks);  // throws QueueError: nothing recorded, nothing run
        report_.timings.mark = seconds_since(t0);
    }

    // 4. Run every plugin that accepted jobs, in load order: one run() per distinct
    // set of per-job parameter values (in the order first asked).
    void run_plugins() {
        auto t0 = Clock::now();
        for (BurstPlugin* p : plugins_) {
            std::vector<BurstRequest> requests;
            for (const auto& a : accepted_) {
                if (a.plugin != p) continue;
                auto it = std::find_if(requests.begin(), requests.end(), [&](const BurstRequest& r) {
                    return r.job_params == a.job_params;
                });
                if (it == requests.end()) {
                    requests.emplace_back();
                    it = std::prev(requests.end());
                    it->job_params = a.job_params;  // null for none, as a.job_params
                    it->params = burst_params(*p, a.job_params);
                }
                it->jobs.push_back(a.job);
                it->nodes = std::max(it->nodes, a.job->nodes());
                it->tasks = std::max(it->tasks, a.job->tasks());
            }
            for (auto& request : requests) {
                request.job_params = request_job_params(request.job_params);
                report_.plugins.push_back(call_plugin(*p, "run", request.jobs.size(),
                                                      request.nodes,
                                                      [&] { return p->run(request); }));
            }
        }
        report_.timings.run = seconds_since(t0);
    }

    JobQueue& queue_;
    const std::vector<BurstPlugin*>& plugins_;
    const std::set<BurstPlugin*> known_;
    const Selector& selector_;
    const Ordering& ordering_;
    const bool commit_;
    std::shared_ptr<spdlog::logger> log_;
    BurstReport report_;
    Clock::time_point start_;
    double schedule_seconds_ = 0;
    std::vector<Accepted> accepted_;
};

}  // namespace

BurstReport run_cycle(JobQueue& queue, const std::vector<BurstPlugin*>& plugins,
                      const Selector& selector, const Ordering& ordering, bool commit) {
    return Cycle(queue, plugins, selector, ordering, commit).run();
}

}  // namespace fluxburst::detail
