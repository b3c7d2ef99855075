#include <fluxburst/queue.hpp>

#include <fluxburst/error.hpp>

#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

namespace fluxburst {

namespace {

// Claims of queue objects within this process (the default JobQueue::claim).
std::mutex claims_mutex;
std::unordered_map<const JobQueue*, std::string>& claims() {
    static std::unordered_map<const JobQueue*, std::string> held;
    return held;
}

class ProcessClaim : public QueueClaim {
public:
    explicit ProcessClaim(const JobQueue* queue) : queue_(queue) {}
    ~ProcessClaim() override {
        std::lock_guard<std::mutex> lock(claims_mutex);
        claims().erase(queue_);
    }

private:
    const JobQueue* queue_;
};

}  // namespace

QueueClaim::~QueueClaim() = default;

JobQueue::~JobQueue() = default;

void JobQueue::unmark_scheduled(const std::vector<JobPtr>& jobs) {
    if (jobs.empty()) return;
    throw QueueError(
        fmt::format("{}: cannot take back the marks of {} job(s): this queue does "
                    "not support unmarking",
                    describe(), jobs.size()));
}

std::unique_ptr<QueueClaim> JobQueue::claim(const std::string& holder) {
    std::lock_guard<std::mutex> lock(claims_mutex);
    auto [it, added] = claims().emplace(this, holder);
    if (!added)
        throw QueueBusyError(
            fmt::format("{} already has a controller: {}; stop it first", describe(), it->second));
    return std::make_unique<ProcessClaim>(this);
}

std::vector<JobId> JobQueue::finished_jobs(const std::vector<JobId>& ids) {
    if (ids.empty()) return {};
    std::unordered_set<JobId> wanted(ids.begin(), ids.end());
    std::unordered_set<JobId> listed, active;
    for_each_job(
        [&](JobPtr job) {
            JobId id = job->id();
            if (!wanted.count(id)) return;
            listed.insert(id);
            if (job->state() != JobState::Inactive) active.insert(id);
        },
        [](QueueProblem) {});
    std::vector<JobId> out;
    for (JobId id : wanted) {
        if (active.count(id)) continue;
        if (!listed.count(id)) {
            // A queue may list only some jobs (Flux lists the pending ones).
            std::optional<std::string> state = this->state(id);
            if (state && *state != "INACTIVE") continue;
        }
        out.push_back(id);
    }
    return out;
}

int JobQueue::event_fd() {
    return -1;
}

QueueEvents JobQueue::read_events() {
    return {};
}

bool JobQueue::follow(const std::vector<JobId>&, bool) {
    return false;
}

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
            if (!found && job->id() == id) found = std::move(job);
        },
        [](QueueProblem) {});
    return found;
}

std::optional<std::string> JobQueue::state(JobId id) {
    JobPtr job = lookup(id);
    if (!job) return std::nullopt;
    return std::string(job_state_name(job->state()));  // "UNKNOWN" without a known state
}

void JobQueue::mark_early(const JobMark&) {}

void JobQueue::mark_scheduled(JobId id, const std::string& plugin) {
    mark_scheduled(std::vector<JobMark>{JobMark{id, plugin}});
}

}  // namespace fluxburst
