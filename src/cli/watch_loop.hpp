// `run --watch`: the library's burst controller (fluxburst::Controller) with the
// command's signals and printing around it.
#pragma once

#include <ostream>
#include <string>

#include <fluxburst/client.hpp>
#include <fluxburst/controller.hpp>

namespace fluxburst::cli {

struct WatchSettings {
    ControllerPolicy policy;  ///< interval, unburst_after, caps, backoff, ...
    std::string state_file;   ///< "" : the controller's record is kept in memory
    bool json = false;        ///< one JSON document per line instead of tables
};

/// Run the controller until SIGINT or SIGTERM; a signal lets the current step
/// finish, then the loop returns 0. Printed: the first cycle, and every later
/// cycle or unburst that did something. A queue that cannot be read at the
/// first cycle, or that another controller holds, throws QueueError (exit 1).
int watch(Client& client, const WatchSettings& settings, std::ostream& out);

}  // namespace fluxburst::cli
