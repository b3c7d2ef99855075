// The command's settings, resolved once: the options and the config file turned
// into one typed value, each setting decided in one place by one rule,
//
//   command line  >  environment  >  config file  >  defaults
//
// where a layer exists for that setting:
//   - plugin parameters: all four; the config file's [plugin.NAME] and --param reach
//     the library as ParamLayers (each value with its origin, which the library's
//     errors name), and the library puts FLUXBURST_<PLUGIN>_<KEY> / FLUXBURST_<KEY>
//     between them;
//   - jobs: --jobs or --mock > [burst] jobs > the enclosing Flux instance (FLUX_URI,
//     the fallback when nothing names the jobs);
//   - plugins: --plugin > [burst] plugins > mock with --mock;
//   - ordering, interval, unburst_after, state file: option > config file > default;
//   - plugin directories: FLUXBURST_PLUGIN_PATH (the library), then --plugin-path,
//     then [burst] plugin_path, then the installed directory.
// What only the library can check (plugin names, parameter keys and values) is left
// to it; what it cannot see (a --param or [plugin.NAME] for a plugin that is not
// loaded, a job source, a duration) is checked here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <fluxburst/controller.hpp>
#include <fluxburst/params.hpp>

#include "config_file.hpp"
#include "options.hpp"

namespace fluxburst::cli {

/// Where the jobs come from.
enum class JobsSource {
    none,  ///< no jobs needed (request, unburst, setup, plugins): the client's own queue
    file,  ///< jobs_file (FileQueue)
    mock,  ///< the in-memory sample queue (MockQueue)
    flux,  ///< the enclosing Flux instance, flux_uri
};

/// One plugin to load and its parameters.
struct PluginSettings {
    std::string name;
    ParamLayers params;  ///< given: [plugin.NAME] of the config file; overrides: --param
};

/// A [plugin.NAME] table of the config file, which must name a plugin on the path.
struct PluginTableRef {
    std::string name;
    std::string origin;  ///< "config file 'x', line 4: [plugin.NAME]"
};

struct Settings {
    std::string command;  ///< plugins, setup, select, run, request, unburst

    // Output.
    bool json = false;
    int verbose = 0;
    bool quiet = false;

    // Jobs and plugins.
    JobsSource jobs = JobsSource::none;
    std::string jobs_file;                      ///< JobsSource::file
    std::string flux_uri;                       ///< JobsSource::flux
    std::vector<std::string> plugin_dirs;       ///< searched after FLUXBURST_PLUGIN_PATH, in order
    std::vector<PluginSettings> plugins;        ///< in load order
    std::vector<PluginTableRef> plugin_tables;  ///< every [plugin.NAME] table
    std::string ordering;                       ///< a name of ordering::names(); "" : the default

    // run.
    bool watch = false;
    ControllerPolicy policy;  ///< interval, unburst_after and [controller]
    std::string state_file;   ///< run --watch; "" : kept in memory

    // request.
    std::int64_t nodes = 0;
    std::int64_t tasks = 0;

    // plugins, setup.
    std::string plugin_name;
    bool overwrite = false;
};

/// The config file of --config, when given (Error bad_config when it is bad).
std::optional<ConfigFile> read_config(const Options& opts);

/// Resolve the settings of `opts.command` from the options, the config file (or
/// null) and the environment (FLUX_URI). Throws Error of kind usage (the command
/// line) or bad_config (the config file) naming the option or the file and line:
/// two job sources, no job source where one is needed, no plugin, a plugin given
/// twice, a --param for a plugin that is not loaded, request without exactly one
/// plugin, an unknown ordering, a bad duration, a plugin directory that is not one.
Settings resolve_settings(const Options& opts, const ConfigFile* cfg);

}  // namespace fluxburst::cli
