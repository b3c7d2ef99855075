#include <fluxburst/queue.hpp>

namespace fluxburst {

JobQueue::~JobQueue() = default;

std::size_t JobQueue::scan_jobs(const std::function<void(JobPtr job)>& visit,
                                const std::function<void(QueueProblem problem)>& problem,
                                const JobWanted&) {
    std::size_t entries = 0;
    for_each_job(
        [&](JobPtr job) {
            ++entries;
            visit(std::move(job));
        },
        [&](QueueProblem p) {
            ++entries;
            problem(std::move(p));
        });
    return entries;
}

std::vector<JobPtr> JobQueue::list_jobs() {
    std::vector<JobPtr> jobs;
    for_each_job([&](JobPtr job) { jobs.push_back(std::move(job)); }, [](QueueProblem) {});
    return jobs;
}

JobPtr JobQueue::lookup(JobId id) {
    JobPtr found;
    for_each_job(
        [&](JobPtr job) {
            if (!found && job->is_object() && job->contains("id") &&
                (*job)["id"].is_number_integer() && (*job)["id"].get<JobId>() == id)
                found = std::move(job);
        },
        [](QueueProblem) {});
    return found;
}

std::optional<std::string> JobQueue::state(JobId id) {
    JobPtr job = lookup(id);
    if (!job) return std::nullopt;
    auto it = job->find("state");
    if (it == job->end() || !it->is_number_integer()) return std::nullopt;
    return job_state_name(it->get<std::int64_t>());
}

void JobQueue::mark_early(const JobMark&) {}

void JobQueue::mark_scheduled(JobId id, const std::string& plugin) {
    mark_scheduled(std::vector<JobMark>{JobMark{id, plugin}});
}

}  // namespace fluxburst
