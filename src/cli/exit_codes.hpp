// The exit statuses of flux-burst, and the exceptions that choose them.
//
//   0  success
//   1  runtime error: a plugin failed (run, unburst, request), the jobs could not be
//      read or marked, a plugin file is broken
//   2  usage error: unknown subcommand or option, bad value, bad --param, unknown
//      plugin or parameter, a plugin refusing its parameters, bad config file
#pragma once

#include <stdexcept>
#include <string>

namespace fluxburst::cli {

enum ExitCode : int {
    exit_ok = 0,
    exit_runtime = 1,
    exit_usage = 2,
};

/// The command was called wrongly (options, values, config file, parameters): exit 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The work could not be done (broken plugin file, unreadable queue): exit 1.
class RuntimeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace fluxburst::cli
