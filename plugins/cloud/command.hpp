// Running a local command without a shell, bounded in time and output (exec
// credential plugins).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace fluxburst::cloud {

struct CommandResult {
    int exit_status = -1;  ///< exit code, or 128 + signal
    std::string out, err;
};

/// Runs argv[0] (searched in PATH when it holds no '/') with argv as its arguments,
/// our environment plus `env` (replacing same-named variables), stdin /dev/null.
/// Killed (with its process group) after `timeout`, or when its stdout or stderr
/// grows beyond max_output: both are fluxburst::Errors naming the command, as is a
/// command that cannot be started. A non-zero exit is a result, not an error.
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::vector<std::pair<std::string, std::string>>& env,
                          std::chrono::milliseconds timeout, std::size_t max_output = 1u << 20);

}  // namespace fluxburst::cloud
