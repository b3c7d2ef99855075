// Sources of jobs: the JobQueue interface and its in-memory and file backends.
//
// The client reads a queue one job at a time (for_each_job), judges each job, and
// keeps only the selected ones, so a cycle's memory does not grow with the jobs it
// does not select. Marking is done in one batch per cycle so that a backend can
// write a file once, or send all its Flux memos together.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <fluxburst/export.hpp>
#include <fluxburst/job.hpp>

namespace fluxburst {

/// One job to mark as scheduled to a plugin.
struct JobMark {
    JobId id = 0;
    std::string plugin;
};

/// A job entry a queue could not turn into a job (bad JSON, wrong shape, a
/// lookup that failed). `where` names it: "job 123" or "jobs.json: element 7".
struct QueueProblem {
    std::string where;
    std::string reason;
};

/// What a queue can tell about a sound job cheaply, before making its Job (see
/// JobQueue::scan_jobs).
struct JobSummary {
    bool burstable = false;        ///< spec.attributes.system.burstable is set
    bool burst_scheduled = false;  ///< "burst-scheduled" or a fluxburst memo is present
};

/// Whether the client wants a job built, judging by its summary.
using JobWanted = std::function<bool(const JobSummary& summary)>;

/// A queue's claim by one controller (JobQueue::claim); released when destroyed.
class FLUXBURST_API QueueClaim {
public:
    virtual ~QueueClaim();
};

/// What a queue learned from its events since the last read (JobQueue::read_events).
struct QueueEvents {
    /// Jobs may have been added or changed: a burst cycle may find work.
    bool changed = false;
    /// Jobs among those followed (JobQueue::follow) that are now finished.
    std::vector<JobId> finished;
};

/// The interface between the client and a source of jobs.
class FLUXBURST_API JobQueue {
public:
    virtual ~JobQueue();

    /// Human-readable name for messages ("mock queue", "file /x/jobs.json").
    virtual std::string describe() const = 0;

    /// Call `visit` once per job (its JSON has the jobspec under "spec"). Entries
    /// that cannot be read or are malformed (Job::from_json's rules; in a file, a
    /// repeated id too) are passed to `problem` instead; an unreadable queue as a
    /// whole throws QueueError. Implementations may fetch specs in batches.
    virtual void for_each_job(const std::function<void(JobPtr job)>& visit,
                              const std::function<void(QueueProblem problem)>& problem) = 0;

    /// for_each_job for the client's cycle: a queue that can summarise jobs
    /// cheaply may skip building those `want` rejects. Returns the number of
    /// entries read (visited, skipped and problems). The default calls
    /// for_each_job and builds every job.
    virtual std::size_t scan_jobs(const std::function<void(JobPtr job)>& visit,
                                  const std::function<void(QueueProblem problem)>& problem,
                                  const JobWanted& want);

    /// All jobs (a convenience over for_each_job; problems are dropped).
    virtual std::vector<JobPtr> list_jobs();

    /// One job by id, or nullptr when the queue does not hold it.
    virtual JobPtr lookup(JobId id);

    /// The job's state name ("SCHED", "RUN", "INACTIVE", ...), nullopt if unknown.
    virtual std::optional<std::string> state(JobId id);

    /// Record that each job was scheduled to a plugin, all or nothing where the
    /// backend allows. A job that is already marked (by anyone) is not marked
    /// again: the call throws QueueError naming it and marks nothing. Throws
    /// QueueError (naming the job) on any other failure.
    virtual void mark_scheduled(const std::vector<JobMark>& marks) = 0;

    /// A plugin accepted a job during the listing (the client calls this from
    /// `visit`, before mark_scheduled): a queue whose marks are round trips may
    /// start recording it now, overlapping marking with listing. mark_scheduled()
    /// still gets every mark of the cycle and keeps its all-or-nothing rule over
    /// them, early ones included. The default does nothing.
    virtual void mark_early(const JobMark& mark);

    /// Mark a single job (calls the batch form).
    void mark_scheduled(JobId id, const std::string& plugin);

    /// Take marks back (a burst failed): each job, as it was listed before it was
    /// marked, becomes selectable again. Jobs no longer held are skipped. The
    /// default throws QueueError (the queue cannot unmark).
    virtual void unmark_scheduled(const std::vector<JobPtr>& jobs);

    // ---- for controllers ------------------------------------------------------

    /// Claim the queue for one controller, `holder` describing it (host, pid).
    /// Throws QueueBusyError naming the current holder when the queue is claimed.
    /// The default claims the queue object within this process.
    virtual std::unique_ptr<QueueClaim> claim(const std::string& holder);

    /// Which of `ids` are finished: INACTIVE, or no longer known to the queue. A
    /// job whose state cannot be read counts as not finished. The default reads
    /// the queue once and asks state() for each id it does not list.
    virtual std::vector<JobId> finished_jobs(const std::vector<JobId>& ids);

    /// A file descriptor that becomes readable when read_events() has something,
    /// or -1 when the queue sends no events (the controller then polls).
    virtual int event_fd();
    /// Consume pending events (never blocks).
    virtual QueueEvents read_events();
    /// Report the end of these jobs through read_events() (served jobs), or stop
    /// following them. Returns true when the queue does report their end (then the
    /// controller asks finished_jobs() only now and then); the default does
    /// nothing and returns false.
    virtual bool follow(const std::vector<JobId>& ids, bool on);
};

/// An in-memory queue, for tests, demos and simulations.
class FLUXBURST_API MockQueue : public JobQueue {
public:
    /// Holds the sample burstable job of the original flux-burst (see sample_job()).
    MockQueue();
    /// Holds the given jobs (any shape: malformed ones are reported as problems).
    explicit MockQueue(std::vector<nlohmann::json> jobs);
    ~MockQueue() override;

    /// The sample: a 4-node `hostname` job with attributes.system.burstable = 1.
    static nlohmann::json sample_job();

    void add(nlohmann::json job);
    std::string describe() const override;
    void for_each_job(const std::function<void(JobPtr job)>& visit,
                      const std::function<void(QueueProblem problem)>& problem) override;
    JobPtr lookup(JobId id) override;
    void mark_scheduled(const std::vector<JobMark>& marks) override;
    using JobQueue::mark_scheduled;
    void unmark_scheduled(const std::vector<JobPtr>& jobs) override;
    /// Set a job's state (numeric Flux state, e.g. 64 for INACTIVE).
    void set_state(JobId id, std::int64_t state);

private:
    struct Entry {
        nlohmann::json json;
        JobPtr job;  ///< made from json (null when malformed), remade when json changes
        std::string problem;
    };
    Entry* find(JobId id);
    void refresh(Entry& entry);
    std::vector<Entry> jobs_;
    std::unordered_map<JobId, std::size_t> index_;  ///< id -> first job with it
};

/// A queue kept in a JSON file: an array of jobs, or an object {"jobs": [...]}.
/// The file is read anew on each listing; marking rewrites it atomically
/// (temporary file, fsync, rename), keeping every other byte of every other job.
///
/// Locks (flock, so they vanish with the process that held them):
/// - "<path>.lock" is held exclusively across read, mark and rename. A producer
///   that rewrites the file must take it too (`flock jobs.json.lock mv new jobs.json`),
///   or a job it adds while a mark is written can be lost.
/// - "<path>.controller" is held by the queue's controller for its lifetime
///   (claim()); it holds the holder's description.
class FLUXBURST_API FileQueue : public JobQueue {
public:
    explicit FileQueue(std::string path);
    ~FileQueue() override;

    const std::string& path() const { return path_; }
    std::string describe() const override;
    void for_each_job(const std::function<void(JobPtr job)>& visit,
                      const std::function<void(QueueProblem problem)>& problem) override;
    JobPtr lookup(JobId id) override;
    std::size_t scan_jobs(const std::function<void(JobPtr job)>& visit,
                          const std::function<void(QueueProblem problem)>& problem,
                          const JobWanted& want) override;
    void mark_scheduled(const std::vector<JobMark>& marks) override;
    using JobQueue::mark_scheduled;
    void unmark_scheduled(const std::vector<JobPtr>& jobs) override;
    std::unique_ptr<QueueClaim> claim(const std::string& holder) override;
    /// inotify on the file's directory: readable when the file is replaced or written.
    int event_fd() override;
    QueueEvents read_events() override;

private:
    struct Listing;
    struct Watch;
    std::string path_;
    std::shared_ptr<Listing> listing_;  ///< where each job was at the last scan
    std::shared_ptr<Watch> watch_;      ///< the inotify descriptor, once asked for
};

}  // namespace fluxburst
