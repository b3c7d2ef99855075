// Running the built flux-burst from tests: its exit status, stdout and stderr,
// with a clean environment (no FLUXBURST_* or FLUX_URI from the caller).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

#include "test_support.hpp"

namespace cli_test {

using Env = std::vector<std::pair<std::string, std::string>>;

struct Result {
    int status = -1;  ///< exit status, or 128 + signal
    std::string out;
    std::string err;
};

/// Run flux-burst with `args` (not including the program name) and wait for it.
Result run(const std::vector<std::string>& args, const Env& env = {}, const std::string& cwd = {});

/// flux-burst running in the background (for --watch), killed if still running
/// when destroyed.
class Process {
public:
    Process(const std::vector<std::string>& args, const Env& env = {});
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    void signal(int sig);
    /// Wait at most `seconds`; returns the exit status (or 128 + signal), -1 on timeout.
    int wait(double seconds);
    std::string out() const;
    std::string err() const;
    pid_t pid() const { return pid_; }

private:
    test::TempDir dir_;
    pid_t pid_ = -1;
};

/// Poll `cond` every 20 ms for at most `seconds`.
bool wait_for(const std::function<bool()>& cond, double seconds);

std::string data(const std::string& name);
/// A copy of tests/data/<name> in `dir`, returning its path.
std::string copy_data(const test::TempDir& dir, const std::string& name,
                      const std::string& as = "");
/// tests/data/jobs.json without its two malformed entries (6 sound jobs), written to
/// `dir`/`as`, returning its path.
std::string copy_valid_jobs(const test::TempDir& dir, const std::string& as = "jobs.json");
std::string good_plugins();
std::string broken_plugins();

/// Lines of `text`.
std::vector<std::string> lines(const std::string& text);
/// Whitespace-separated words of `line`.
std::vector<std::string> words(const std::string& line);
/// The rows under the header line starting with `first_column` up to an empty line,
/// split into words.
std::vector<std::vector<std::string>> table_rows(const std::string& text,
                                                 const std::string& first_column);

}  // namespace cli_test
