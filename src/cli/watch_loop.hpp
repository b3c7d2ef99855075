// `run --watch`: burst cycles every interval, and unburst once the jobs a plugin
// served are finished and an idle time has passed.
#pragma once

#include <ostream>

#include <fluxburst/client.hpp>

namespace fluxburst::cli {

struct WatchSettings {
    double interval = 5;        ///< seconds between cycles (more than 0)
    double unburst_after = 30;  ///< seconds a plugin's jobs must all be finished before unburst
    bool json = false;          ///< one JSON document per line instead of tables
};

/// Run until SIGINT or SIGTERM; each signal lets the current step (a cycle, or one
/// plugin's unburst) finish, then the loop returns 0. Each step:
///   1. a burst cycle (Client::run_burst); the jobs assigned to a plugin are tracked;
///   2. for each plugin whose tracked jobs are all finished (INACTIVE, or no longer
///      in the queue) and have been for `unburst_after`: Client::run_unburst(plugin),
///      after which its jobs are forgotten (on failure it is tried again after
///      another `unburst_after`);
///   3. sleep `interval`.
/// Jobs already marked for a loaded plugin and not finished when the loop starts are
/// tracked too (a restarted loop still unbursts them). Printed: the first cycle, and
/// every later cycle or unburst that did something. A queue that cannot be read
/// stops the loop (QueueError) at the first cycle; later it is logged and retried.
int watch(Client& client, const WatchSettings& settings, std::ostream& out);

}  // namespace fluxburst::cli
