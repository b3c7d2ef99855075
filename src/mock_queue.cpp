#include <fluxburst/queue.hpp>

#include <fluxburst/error.hpp>

#include <fmt/format.h>

#include "job_ref.hpp"
#include "job_fields.hpp"

namespace fluxburst {

namespace {
const char* const sample_text =
#include "mock_queue_sample.inc"
    ;
}  // namespace

MockQueue::MockQueue() {
    add(sample_job());
}

MockQueue::MockQueue(std::vector<nlohmann::json> jobs) {
    for (auto& job : jobs) add(std::move(job));
}

MockQueue::~MockQueue() = default;

nlohmann::json MockQueue::sample_job() {
    return nlohmann::json::parse(sample_text);
}

void MockQueue::add(nlohmann::json job) {
    Entry entry;
    entry.json = std::move(job);
    refresh(entry);
    if (entry.job) index_.emplace(entry.job->id(), jobs_.size());
    jobs_.push_back(std::move(entry));
}

void MockQueue::refresh(Entry& entry) {
    entry.job = nullptr;
    entry.problem.clear();
    try {
        entry.job = Job::from_json(entry.json);
    } catch (const JobError& e) {
        entry.problem = e.what();
    }
}

MockQueue::Entry* MockQueue::find(JobId id) {
    auto it = index_.find(id);
    return it == index_.end() ? nullptr : &jobs_[it->second];
}

std::string MockQueue::describe() const {
    return "mock queue";
}

void MockQueue::for_each_job(const std::function<void(JobPtr job)>& visit,
                             const std::function<void(QueueProblem problem)>& problem) {
    // Jobs are immutable: what the client decides reaches the queue only through
    // mark_scheduled, as with every other backend.
    for (std::size_t i = 0; i < jobs_.size(); ++i) {
        const Entry& e = jobs_[i];
        if (e.job)
            visit(e.job);
        else
            problem(QueueProblem{fmt::format("entry {}", i), e.problem});
    }
}

JobPtr MockQueue::lookup(JobId id) {
    Entry* e = find(id);
    return e ? e->job : nullptr;
}

void MockQueue::set_state(JobId id, std::int64_t state) {
    if (Entry* e = find(id)) {
        e->json["state"] = state;
        refresh(*e);
    }
}

void MockQueue::mark_scheduled(const std::vector<JobMark>& marks) {
    // Check every mark first so that a bad one changes nothing.
    std::vector<Entry*> targets;
    for (const auto& mark : marks) {
        Entry* target = find(mark.id);
        if (!target)
            throw QueueError(
                fmt::format("mock queue: cannot mark {} scheduled: no such job",
                            job_label(mark.id)));
        if (target->job && target->job->burst_scheduled())
            throw QueueError(fmt::format(
                "mock queue: {} is already marked scheduled (to '{}'); nothing was marked",
                job_label(mark.id), target->job->scheduled_plugin()));
        targets.push_back(target);
    }
    for (std::size_t i = 0; i < marks.size(); ++i) {
        detail::mark_job_scheduled(targets[i]->json, marks[i].plugin);
        refresh(*targets[i]);
    }
}

void MockQueue::unmark_scheduled(const std::vector<JobPtr>& jobs) {
    for (const auto& original : jobs) {
        if (Entry* target = find(original->id())) {
            nlohmann::json state = target->json.value("state", nlohmann::json());
            target->json = original->json();
            if (!state.is_null()) target->json["state"] = state;
            refresh(*target);
        }
    }
}

}  // namespace fluxburst
