// FluxQueue: the job queue of a running Flux instance (libflux-core).
//
//   auto queue = std::make_shared<fluxburst::FluxQueue>();   // $FLUX_URI
//   fluxburst::Client client(queue);
//
// Installed only when libfluxburst was built with Flux (FLUXBURST_HAVE_FLUX 1 in
// fluxburst/config.hpp). A program that must build either way uses
// fluxburst::open_flux_queue() from fluxburst/flux.hpp instead.
//
// One cycle costs one job-list.list request (read in either protocol form), the
// jobspecs of the pending jobs (the job manager's journal backlog, one streaming
// request, or one job-info.lookup per job: Options::journal), and one
// job-manager.memo per scheduled job; the lookups and memos are all in flight
// together within a bounded window. The
// requests run on a private reactor (a clone of the handle), so a borrowed handle
// whose own reactor is running, or not, is used the same way.
//
// A FluxQueue is not thread-safe (nor is a flux_t): use it from one thread.
#pragma once

#include <cstdint>
#include <fluxburst/config.hpp>
#include <fluxburst/export.hpp>
#include <fluxburst/flux.hpp>
#include <fluxburst/queue.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#if !FLUXBURST_HAVE_FLUX
#error "fluxburst/flux_queue.hpp: this libfluxburst was built without Flux support"
#endif

// libflux's handle type, declared as flux/core.h declares it (no libflux header
// is needed to use this one).
typedef struct flux_handle flux_t;

namespace fluxburst {

class FLUXBURST_API FluxQueue : public JobQueue {
public:
    struct Options {
        /// Requests (lookups, memos, waits) in flight at once.
        std::size_t window = 256;
        /// Seconds one operation (a listing, a batch of memos) may take.
        double timeout = 60.0;
        /// Job states listed (a mask of flux_protocol::JobState): pending jobs.
        int states = flux_protocol::STATES_PENDING;
        /// job-list attributes given to the selector (the "spec" key is added).
        std::vector<std::string> attrs = {"all"};
        /// An RFC 31 constraint ANDed to the state constraint (e.g. {"queue": ["batch"]}).
        nlohmann::json constraint = nullptr;
        /// Ask job-list for the streaming form (one job per response). Either way
        /// the answer is read in whichever form the server sends.
        bool streaming = true;
        /// Read the jobspecs of listed jobs from the job manager's events journal
        /// (its backlog: one streaming request answers for every active job)
        /// rather than one job-info.lookup each, when the active jobs are at most
        /// four times the jobspecs to read (listed jobs not turned down by their
        /// job-list entry). A job the backlog does not show, or a
        /// journal the caller may not read (a guest), is looked up as before.
        bool journal = true;
    };

    /// Connect to the instance at `uri` ("" means $FLUX_URI). Throws QueueError
    /// naming the URI when it cannot be reached.
    explicit FluxQueue(const std::string& uri = "");
    FluxQueue(const std::string& uri, Options options);
    /// Use a handle the program already holds (borrowed: never closed here).
    explicit FluxQueue(flux_t* handle);
    FluxQueue(flux_t* handle, Options options);
    ~FluxQueue() override;
    FluxQueue(const FluxQueue&) = delete;
    FluxQueue& operator=(const FluxQueue&) = delete;

    /// The handle in use (for plugins that need more of libflux).
    flux_t* handle() const;
    /// The URI this queue talks to ("local:///run/flux/local", ...).
    const std::string& uri() const;
    const Options& options() const;

    std::string describe() const override;

    /// The pending jobs, each with its jobspec under "spec" (without
    /// attributes.system.environment, as the job manager's journal shows it), in job-list's order
    /// (priority, then submission). A job that vanished between the listing and
    /// its lookup goes to `problem`. Throws QueueError when the listing fails.
    void for_each_job(const std::function<void(JobPtr job)>& visit,
                      const std::function<void(QueueProblem problem)>& problem) override;

    /// Any job (pending or not) by id, with "spec"; nullptr when Flux does not know it.
    JobPtr lookup(JobId id) override;

    /// The job's state from job-list ("SCHED", "RUN", "INACTIVE", ...).
    std::optional<std::string> state(JobId id) override;

    /// The same as for_each_job, without looking up the jobspec of a job that
    /// `want` rejects by its job-list entry (a job with a fluxburst memo).
    std::size_t scan_jobs(const std::function<void(JobPtr job)>& visit,
                          const std::function<void(QueueProblem problem)>& problem,
                          const JobWanted& want) override;

    /// Post a memo on each job: annotations.user.fluxburst = {"plugin", "time"},
    /// plus "controller" (the holder) once the queue is claimed, all requests in
    /// flight together. A claimed queue first re-checks, from the job manager's
    /// events, that no job has a memo posted by anyone else (else QueueError naming
    /// them, nothing posted). All or nothing: when any memo fails (the job became
    /// inactive, ...) the memos already posted are removed again and QueueError
    /// names the failed jobs.
    ///
    /// On Flux a mark is this memo only: a jobspec attribute
    /// system."burst-scheduled" was set by the submitter, means nothing, and is
    /// dropped from the jobs this queue hands out.
    void mark_scheduled(const std::vector<JobMark>& marks) override;
    using JobQueue::mark_scheduled;

    /// Called during a listing (from `visit`): post the memo at once, on the
    /// listing's connection, so that the job manager records it while job-info
    /// answers the lookups. mark_scheduled() then counts it as posted; if any memo
    /// of the cycle fails, or the listing fails, every memo posted early is removed
    /// again. Outside a listing it does nothing (mark_scheduled posts the memo).
    void mark_early(const JobMark& mark) override;

    /// Remove the fluxburst memo from jobs (best effort: unknown or inactive jobs
    /// are skipped). Returns how many memos were removed.
    std::size_t clear_marks(const std::vector<JobId>& ids);
    /// clear_marks() of the jobs (a failed burst gives them back).
    void unmark_scheduled(const std::vector<JobPtr>& jobs) override;

    // ---- for the controller (fluxburst/controller.hpp) -------------------------

    /// Register the broker service "fluxburst-controller" on a connection of the
    /// queue's own to rank 0: one process at a time can. Refused with
    /// QueueBusyError naming the holder (who answers "fluxburst-controller.holder").
    /// Then follows the job manager's events journal on that connection. Memos
    /// posted afterwards carry `holder` as "controller".
    std::unique_ptr<QueueClaim> claim(const std::string& holder) override;
    /// job-list.list-id of every id, all in flight together (bounded window).
    std::vector<JobId> finished_jobs(const std::vector<JobId>& ids) override;
    /// The controller's connection (once claimed): readable when the journal has
    /// news. A burstable job's submission makes `changed` (and the next listing
    /// includes it even if job-list has not caught up, unless Options::constraint
    /// is set); a followed job's "clean"
    /// event makes it `finished`.
    int event_fd() override;
    QueueEvents read_events() override;
    bool follow(const std::vector<JobId>& ids, bool on) override;

    /// The result of wait_inactive().
    struct WaitResult {
        std::vector<JobId> inactive;         ///< jobs that are (now) inactive
        std::vector<JobId> active;           ///< still active when the timeout expired
        std::vector<QueueProblem> problems;  ///< unknown ids, failed requests
        bool complete() const { return active.empty() && problems.empty(); }
    };

    /// Wait until every job in `ids` is inactive, or `timeout` seconds pass
    /// (negative: no limit). Event driven: job-list answers each request when the
    /// job reaches INACTIVE, so nothing polls.
    WaitResult wait_inactive(const std::vector<JobId>& ids, double timeout);

    /// The instance's nodes: sched.resource-status (free, allocated, down) and
    /// resource.status (offline, drained), both requests in flight together.
    /// Throws QueueError when neither service answers.
    ResourceStatus resources();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace fluxburst
