// The subcommands of flux-burst. Each returns the exit status, or throws
// UsageError / RuntimeError / fluxburst::Error (mapped to exit statuses by main).
#pragma once

#include "options.hpp"

namespace fluxburst::cli {

int plugins_command(const Options& opts);
int setup_command(const Options& opts);
int select_command(const Options& opts);
int run_command(const Options& opts);
int request_command(const Options& opts);
int unburst_command(const Options& opts);

/// The subcommand opts.command names.
int dispatch(const Options& opts);

}  // namespace fluxburst::cli
