// From options and config file to a ready Client: plugin directories, the job
// queue, the plugins (with their parameters in precedence order) and the ordering.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <fluxburst/client.hpp>

#include "config_file.hpp"
#include "options.hpp"

namespace fluxburst::cli {

/// The config file of --config, when given (UsageError when it is bad).
std::optional<ConfigFile> read_config(const Options& opts);

/// A client searching the plugin directories of the options and the config file;
/// `queue` may be null (an in-memory queue is used). UsageError for a plugin
/// directory that does not exist.
Client make_client(const Options& opts, const ConfigFile* cfg, std::shared_ptr<JobQueue> queue);

/// The plugins to load, in order: --plugin, else [burst] plugins, else "mock" with
/// --mock. UsageError when none is given, or one is given twice.
std::vector<std::string> plugin_names(const Options& opts, const ConfigFile* cfg);

/// Load `names` into `client` with their parameters: config file [plugin.NAME] <
/// FLUXBURST_<KEY> < --param. Unknown plugins, bad parameters and a plugin's
/// validate() refusing are UsageErrors; a broken plugin file, or an init that
/// fails, a RuntimeError.
void load_plugins(Client& client, const std::vector<std::string>& names, const Options& opts,
                  const ConfigFile* cfg);

/// Set the ordering from --ordering or [burst] ordering (UsageError when unknown).
void apply_ordering(Client& client, const Options& opts, const ConfigFile* cfg);

}  // namespace fluxburst::cli
