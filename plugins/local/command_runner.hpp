// Running the local plugin's commands: a shell command or a program, in its own
// session, with a time limit, its output collected. (Tested without Flux.)
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fluxburst::local {

struct CommandResult {
    int exit_status = -1;  ///< exit status, or 128+signal
    bool timed_out = false;
    std::string out;
    std::string err;
    bool ok() const { return exit_status == 0 && !timed_out; }
    /// "exit status 3: <last stderr line>" and the like.
    std::string describe() const;
};

/// Run `command` with /bin/sh -c in its own session, `env` added to the
/// environment ("NAME" -> value; a value of nullopt removes NAME). Reading stops
/// when the shell exits (background children may keep the pipes open). After
/// `timeout` seconds the command's process group is killed.
CommandResult run_command(const std::string& command, double timeout,
                          const std::map<std::string, std::optional<std::string>>& env = {});

/// The same, running the program argv[0] (a path) with `argv`, no shell.
CommandResult run_argv(const std::vector<std::string>& argv, double timeout,
                       const std::map<std::string, std::optional<std::string>>& env = {});

/// "a 'b c'": argv as a shell would read it back (for messages).
std::string describe_argv(const std::vector<std::string>& argv);

/// `name` if it contains a slash, else its path on $PATH; nullopt when not found
/// or not executable.
std::optional<std::string> find_program(const std::string& name);

}  // namespace fluxburst::local
