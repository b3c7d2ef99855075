#include <fluxburst/queue.hpp>

#include <fluxburst/error.hpp>

#include <fmt/format.h>

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
    if (!check_job_shape(job)) index_.emplace(job_id(job), jobs_.size());
    jobs_.push_back(std::make_shared<nlohmann::json>(std::move(job)));
}

nlohmann::json* MockQueue::find(JobId id) {
    auto it = index_.find(id);
    return it == index_.end() ? nullptr : jobs_[it->second].get();
}

std::string MockQueue::describe() const {
    return "mock queue";
}

void MockQueue::for_each_job(const std::function<void(JobPtr job)>& visit,
                             const std::function<void(QueueProblem problem)>&) {
    // Each visit gets its own copy: what the client does to a job (marking it)
    // reaches the queue only through mark_scheduled, as with every other backend.
    for (const auto& job : jobs_) visit(std::make_shared<const nlohmann::json>(*job));
}

JobPtr MockQueue::lookup(JobId id) {
    nlohmann::json* job = find(id);
    return job ? std::make_shared<const nlohmann::json>(*job) : nullptr;
}

void MockQueue::set_state(JobId id, std::int64_t state) {
    if (nlohmann::json* job = find(id)) (*job)["state"] = state;
}

void MockQueue::mark_scheduled(const std::vector<JobMark>& marks) {
    // Check every mark first so that a bad one changes nothing.
    std::vector<nlohmann::json*> targets;
    for (const auto& mark : marks) {
        nlohmann::json* target = find(mark.id);
        if (!target)
            throw QueueError(
                fmt::format("mock queue: cannot mark job {} ({}) scheduled: no such job",
                            job_id_f58(mark.id), mark.id));
        if (auto plugin = job_burst_plugin(*target))
            throw QueueError(fmt::format(
                "mock queue: job {} ({}) is already marked scheduled (to '{}'); nothing was marked",
                job_id_f58(mark.id), mark.id, *plugin));
        targets.push_back(target);
    }
    for (std::size_t i = 0; i < marks.size(); ++i) mark_job_scheduled(*targets[i], marks[i].plugin);
}

void MockQueue::unmark_scheduled(const std::vector<JobPtr>& jobs) {
    for (const auto& original : jobs) {
        if (check_job_shape(*original)) continue;
        if (nlohmann::json* target = find(job_id(*original))) {
            nlohmann::json state = target->value("state", nlohmann::json());
            *target = *original;
            if (!state.is_null()) (*target)["state"] = state;
        }
    }
}

}  // namespace fluxburst
