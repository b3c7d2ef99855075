// The TOML configuration file given with --config:
//
//   [burst]
//   plugins = ["mock", "local"]     # load order
//   ordering = "in_order"           # in_order | priority | least_waste
//   interval = "5s"                 # run --watch: time between cycles
//   unburst_after = "30s"           # run --watch: idle time before unburst
//   jobs = "jobs.json"              # a jobs file (relative to this file)
//   plugin_path = ["plugins"]       # more plugin directories (relative to this file)
//
//   [controller]                    # run --watch (see README, "The controller")
//   state_file = "controller.json"  # its bursts, kept across restarts (relative to this file)
//   sizing = "largest"              # largest | sum
//   max_nodes_in_flight = 0         # all plugins; 0: no cap
//   max_plugin_nodes_in_flight = 0  # each plugin
//   max_bursts_per_window = 0       # run() calls per burst_window
//   burst_window = "1m"
//   up_timeout = "10m"              # a burst not up by then has failed
//   backoff_initial = "30s"         # a failed plugin is skipped this long, doubled
//   backoff_max = "15m"             #   at each failure in a row, at most this
//
//   [plugin.mock]
//   max_nodes = 8
//
// Its syntax and types are checked when the file is read (a bad_config Error naming
// the file, and the key and line where there is one); what needs more than the file
// (ordering names, the keys of [plugin.NAME] tables, plugin directories) is checked
// where the settings are resolved (settings.hpp) or by the library.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <fluxburst/controller.hpp>

namespace fluxburst::cli {

/// One [plugin.NAME] table: its values as JSON, and where each key is.
struct PluginTable {
    nlohmann::json values = nlohmann::json::object();
    std::map<std::string, long> lines;  ///< key -> line in the file
    long line = 0;                      ///< the table's own line
};

struct ConfigFile {
    std::string path;
    std::optional<std::vector<std::string>> plugins;
    std::string ordering;                       ///< "" when not given (not checked yet)
    std::optional<double> interval;             ///< seconds
    std::optional<double> unburst_after;        ///< seconds
    std::string jobs;                           ///< resolved against the file's directory
    std::vector<std::string> plugin_path;       ///< resolved likewise
    std::map<std::string, PluginTable> plugin;  ///< [plugin.NAME] tables
    std::map<std::string, long> lines;          ///< [burst] key -> its line
    /// [controller]: the policy with the values given applied over the defaults
    /// (interval and unburst_after come from [burst]), and the state file.
    ControllerPolicy policy;
    std::string state_file;  ///< resolved against the file's directory

    /// "config file 'PATH'" or "config file 'PATH', line N" for messages.
    std::string where(long line = 0) const;
};

/// Read and check a config file. Throws Error (bad_config) naming the file (and the
/// key and line) when it is missing, unreadable, untrusted, not TOML, or holds an
/// unknown key or a value of the wrong type.
ConfigFile read_config_file(const std::string& path);

}  // namespace fluxburst::cli
