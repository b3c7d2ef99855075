// The exit statuses of flux-burst: what each means (the text --help prints and the
// README's table holds; a test keeps them equal), and the one table that gives an
// error's kind its exit status.
#pragma once

#include <string>
#include <vector>

#include <fluxburst/error.hpp>

namespace fluxburst::cli {

enum ExitCode : int {
    exit_ok = 0,
    exit_runtime = 1,
    exit_usage = 2,
};

/// One exit status and what it means.
struct ExitStatusText {
    int status;
    const char* meaning;
};

/// Every exit status with its meaning, in order.
const std::vector<ExitStatusText>& exit_status_texts();

/// The "Exit status:" section of --help, made from exit_status_texts().
std::string exit_status_help();

/// The exit status for an error of kind `code` (2: the command was called wrongly;
/// 1: the work could not be done).
int exit_status(ErrorCode code);

}  // namespace fluxburst::cli
