// SIGINT and SIGTERM for `run --watch`: the first one asks the loop to stop after
// the step it is in (a cycle is never cut in half); a second one stops at once.
#pragma once

namespace fluxburst::cli::signals {

/// Install the handlers (idempotent). Throws Error (failed) if they cannot be set.
void install_stop_handlers();

/// True once SIGINT or SIGTERM arrived.
bool stop_requested();

/// The signal that asked to stop, or 0.
int stop_signal();

/// A descriptor that becomes readable when a stop is requested (-1 before
/// install_stop_handlers); for fluxburst::ControllerOptions::stop_fd.
int stop_fd();

/// Sleep for `seconds`, returning early (true) when a stop is requested.
bool sleep_unless_stopped(double seconds);

}  // namespace fluxburst::cli::signals
