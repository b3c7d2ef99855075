// The command line of flux-burst: subcommands, options, and the help text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace fluxburst::cli {

/// Everything the command line can say; CLI11 fills it in.
struct Options {
    std::string command;  ///< the subcommand given: plugins, setup, select, run, request, unburst

    // Every subcommand.
    std::vector<std::string> plugin_paths;  ///< --plugin-path DIR
    std::string config;                     ///< --config FILE
    bool json = false;                      ///< --json
    int verbose = 0;                        ///< -v (repeatable)
    bool quiet = false;                     ///< -q

    // select, run, request, unburst.
    std::string jobs;                  ///< --jobs FILE
    bool mock = false;                 ///< --mock
    std::vector<std::string> plugins;  ///< --plugin NAME, in load order
    std::vector<std::string> params;   ///< --param NAME.KEY=VALUE
    std::string ordering;              ///< --ordering NAME (select, run)

    // run.
    bool once = false;
    bool watch = false;
    std::string interval;       ///< --interval DURATION ("" when not given)
    std::string unburst_after;  ///< --unburst-after DURATION
    std::string state_file;     ///< --state-file FILE

    // request.
    std::int64_t nodes = 0;
    std::int64_t tasks = 0;

    // plugins, setup.
    std::string plugin_name;  ///< plugins NAME, setup PLUGIN

    // setup.
    bool overwrite = false;  ///< --overwrite
};

/// Define the subcommands and options on `app`, writing into `opts`. Parsing runs
/// the subcommand given (run_subcommand) and sets `status` to its exit status.
void define_options(CLI::App& app, Options& opts, int& status);

}  // namespace fluxburst::cli
