// fluxburst::Controller: the burst service. It owns a queue (one controller per
// queue), runs burst cycles when the queue changes (or every interval), keeps
// the bursts it started in a state file, unbursts a plugin once the jobs it
// served are finished and an idle time has passed, and handles failures: a
// failed run() or a burst that does not come up in time gives its jobs back to
// the queue (offered to the next plugin first) and backs the plugin off.
//
//   fluxburst::Client client(std::make_shared<fluxburst::FileQueue>("jobs.json"));
//   client.load("mock");
//   fluxburst::ControllerOptions options;
//   options.state_path = "/var/lib/flux-burst/controller.json";
//   fluxburst::Controller controller(client, options);   // claims the queue
//   controller.run([](const fluxburst::BurstReport& r, bool cycle) { ... });
//
// A Controller is not thread-safe, except stop(), which may be called from any
// thread or a signal handler. Guarantees and policies: README, "The controller".
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <fluxburst/export.hpp>
#include <fluxburst/ordering.hpp>
#include <fluxburst/report.hpp>
#include <fluxburst/selectors.hpp>

namespace fluxburst {

class BurstPlugin;
class Client;
class JobQueue;

/// How the size of a plugin's burst is computed from the jobs it accepted in a cycle.
enum class BurstSizing {
    LargestJob,  ///< the largest job's nodes and tasks (the original flux-burst)
    SumOfJobs,   ///< the sum of the jobs' nodes and tasks, capped by the plugin's limit
};

/// "largest" or "sum"; throws fluxburst::Error naming the choices.
FLUXBURST_API BurstSizing burst_sizing_from_name(const std::string& name);

/// When and how much the controller bursts. Times are in seconds; 0 for a cap
/// means no cap.
struct ControllerPolicy {
    BurstSizing sizing = BurstSizing::LargestJob;
    /// Nodes in flight (asked of run() and not yet given back by unburst()), for
    /// all plugins together, and for each plugin.
    std::int64_t max_nodes_in_flight = 0;
    std::int64_t max_plugin_nodes_in_flight = 0;
    /// At most this many run() calls per `burst_window` (Slurm's ResumeRate).
    std::int64_t max_bursts_per_window = 0;
    double burst_window = 60;
    /// Idle time: a plugin is unbursted once every job it served has been finished
    /// for this long.
    double unburst_after = 30;
    /// A burst whose plugin reports it is still starting (BurstPlugin::progress)
    /// this long after run() is a failed burst.
    double up_timeout = 600;
    /// A plugin that failed is skipped for backoff_initial, doubled at each
    /// failure in a row, at most backoff_max.
    double backoff_initial = 30;
    double backoff_max = 900;
    /// Time between cycles when the queue sends no events (and between checks of
    /// served jobs when it cannot tell their end).
    double interval = 5;
    /// After an event, wait this long for more so that jobs submitted together
    /// make one cycle.
    double batch_delay = 0.02;

    /// Throws fluxburst::Error naming the field when a value is out of range.
    FLUXBURST_API void check() const;
};

struct ControllerOptions {
    ControllerPolicy policy;
    /// Where the controller records its live bursts and the jobs they serve
    /// (a StateFile, mode 0600). Empty: kept in memory only (nothing survives a
    /// restart).
    std::string state_path;
    /// Who holds the queue, shown to a second controller ("" = host, pid).
    std::string identity;
    /// A descriptor whose becoming readable stops run() after its step, as stop()
    /// does (e.g. a signal handler's self-pipe; it is polled, never read); -1: none.
    int stop_fd = -1;
    /// The clock (a fake one in tests).
    std::function<std::chrono::steady_clock::time_point()> clock;
};

/// One plugin as the controller sees it.
struct ControllerPluginStatus {
    std::string plugin;
    std::int64_t nodes_in_flight = 0;
    std::size_t bursts = 0;           ///< live bursts (run() calls not yet unbursted)
    std::size_t bursts_starting = 0;  ///< of which not yet up
    std::size_t active_jobs = 0;      ///< served jobs not yet finished
    bool idle = false;                ///< has bursts and every served job finished
    int failures = 0;                 ///< failures in a row
    double backoff_seconds = 0;       ///< time left before it is offered jobs again
};

class FLUXBURST_API Controller {
public:
    /// A controller of client's queue with its plugins, selector and ordering (the
    /// client must outlive it). Claims the queue (throws QueueBusyError naming the
    /// holder when another controller has it), reads the state file and adopts
    /// the bursts recorded there.
    Controller(Client& client, ControllerOptions options);
    /// The same without a Client: the plugins are borrowed, in load order.
    Controller(std::shared_ptr<JobQueue> queue, std::vector<BurstPlugin*> plugins,
               ControllerOptions options, Selector selector = nullptr, Ordering ordering = nullptr);
    ~Controller();
    Controller(const Controller&) = delete;
    Controller& operator=(const Controller&) = delete;

    /// What step() returned: a burst cycle's report (when a cycle ran) and the
    /// reports of the unbursts it made.
    struct Step {
        std::optional<BurstReport> cycle;
        std::vector<BurstReport> unbursts;
    };

    /// Do what is due now: a burst cycle (first step, queue events, interval,
    /// fail-over after a failure), the up timeouts of starting bursts, and the
    /// unbursts whose idle time has passed. A queue that cannot be read is
    /// reported in the log and tried again later (QueueError is thrown only at
    /// the first step, so that a service fails to start on a wrong queue).
    Step step();

    /// When step() next has something to do (a cycle, an idle time or a backoff
    /// ending), unless the queue sends an event first.
    std::chrono::steady_clock::time_point next_due() const;

    /// Wait until next_due(), a queue event or stop(), whichever comes first
    /// (never longer than `most` seconds).
    void wait(double most = 3600);

    /// step() and wait() until stop(); calls `report` for each cycle that did
    /// something and each unburst (cycle = false).
    void run(const std::function<void(const BurstReport& report, bool cycle)>& report);

    /// Ask run() to return after the step it is in. Async-signal-safe.
    void stop();
    bool stopping() const;

    /// The plugins' bursts, backoff and served jobs, in load order.
    std::vector<ControllerPluginStatus> status() const;
    /// The same as JSON (for logs and `--json`).
    nlohmann::json status_json() const;

    const ControllerOptions& options() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace fluxburst
