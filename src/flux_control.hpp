// The controller's own connection to a Flux instance (private to the library;
// built only with Flux): the broker service that lets one controller at a time
// hold the instance, and the job manager's events journal that wakes it.
//
// The connection is never run by a reactor: the controller polls fd() and calls
// read() when it is readable (or whenever it likes: read() never blocks).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fluxburst/job.hpp>

typedef struct flux_handle flux_t;
typedef struct flux_future flux_future_t;

namespace fluxburst::flux_control {

/// The broker service a controller registers ("fluxburst-controller.holder"
/// answers {"holder": "..."}).
inline constexpr const char* service_name = "fluxburst-controller";

class Channel {
public:
    /// Open a connection of its own to `uri` (the instance's local URI); `where`
    /// names the instance in messages.
    Channel(const std::string& uri, std::string where);
    ~Channel();
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    /// Register the service as `holder` (bounded by `timeout` seconds) and start
    /// the events journal. Throws QueueBusyError naming the holder when another
    /// process has the service; QueueError when the connection is not to rank 0
    /// (services are per broker: the instance's one is rank 0's).
    void claim(const std::string& holder, double timeout);
    /// Give the service up and close the connection.
    void release();
    bool claimed() const { return h_ != nullptr && !holder_.empty(); }
    /// The holder given to claim() ("" before).
    const std::string& holder() const { return holder_; }

    /// A descriptor that becomes readable when read() has something; -1 once released.
    int fd();

    /// What the journal said since the last take().
    struct Events {
        bool changed = false;         ///< a job was submitted
        std::vector<JobId> finished;  ///< followed jobs that ended
    };
    /// Drain the connection (never blocks): answer holder requests, read the
    /// journal. Call take() for what it learned.
    void read();
    Events take();
    /// Jobs submitted with system.burstable since the last call (for a listing
    /// that job-list may not yet show them in).
    std::vector<JobId> take_fresh();
    /// The fluxburst memo's "controller" of each active job that has one, as the
    /// journal told it ("" for a memo without one).
    const std::unordered_map<JobId, std::string>& memos() const { return memos_; }

    /// Report (or stop reporting) the end of these jobs. Returns true while the
    /// journal runs.
    bool follow(const std::vector<JobId>& ids, bool on);
    bool journal_running() const { return journal_ != nullptr; }

private:
    void start_journal();
    void on_journal(const char* payload);
    void stop_journal(const std::string& why);

    flux_t* h_ = nullptr;
    std::string uri_;
    std::string where_;
    std::string holder_;
    flux_future_t* journal_ = nullptr;
    std::uint32_t journal_tag_ = 0;
    bool backlog_done_ = false;
    double journal_restart_after_ = 0;  ///< monotonic seconds; 0: now
    std::unordered_set<JobId> followed_;
    std::unordered_set<JobId> fresh_;
    std::unordered_map<JobId, std::string> memos_;
    Events pending_;
};

}  // namespace fluxburst::flux_control
