// From resolved settings to a ready Client: plugin directories, the job queue, the
// plugins with their parameter layers, and the ordering.
#pragma once

#include <fluxburst/client.hpp>

#include "settings.hpp"

namespace fluxburst::cli {

/// A client searching settings.plugin_dirs, reading the jobs settings.jobs names
/// (the client's own in-memory queue for JobsSource::none), with the ordering set.
/// Opening the Flux instance can fail: Error of kind unreachable, naming its URI.
Client make_client(const Settings& settings);

/// Check that every [plugin.NAME] table names a plugin on the search path, then
/// load settings.plugins in order. The library's errors say what went wrong
/// (plugin_not_found, plugin_broken, bad_parameter naming the value's origin,
/// plugin_refused). Only the plugins asked for are opened.
void load_plugins(Client& client, const Settings& settings);

}  // namespace fluxburst::cli
