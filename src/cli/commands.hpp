// The subcommands of flux-burst. Each takes the resolved settings and returns the
// exit status, or throws fluxburst::Error (whose kind main maps to an exit status).
#pragma once

#include "options.hpp"
#include "settings.hpp"

namespace fluxburst::cli {

int plugins_command(const Settings& settings);
int setup_command(const Settings& settings);
int select_command(const Settings& settings);
int run_command(const Settings& settings);
int request_command(const Settings& settings);
int unburst_command(const Settings& settings);

using Command = int (*)(const Settings& settings);

/// Read the config file, resolve the settings, set the log level, run `command`.
int run_subcommand(Command command, const Options& opts);

}  // namespace fluxburst::cli
