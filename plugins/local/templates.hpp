// The local plugin's command templates ("{flux} start ... {hosts}") and the values
// they may be given: every value becomes one shell word, and what a command prints
// is checked before another command is given it. (Tested without Flux.)
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace fluxburst::local {

/// Placeholders a launch command may use.
const std::set<std::string>& launch_placeholders();
/// Placeholders a stop command may use (the launch ones plus {launch_output}).
const std::set<std::string>& stop_placeholders();

/// The {name}s in `tmpl` ("{{" and "}}" are literal braces). Throws
/// fluxburst::Error on an unclosed brace, a name not in `allowed` (naming it and
/// listing the allowed ones) or a placeholder inside quotes (values are quoted by
/// expand already); `what` names the template in the message.
std::set<std::string> placeholders_in(const std::string& tmpl, const std::set<std::string>& allowed,
                                      const std::string& what);

/// True when the command runs once per host (it uses {host} or {rank}).
bool runs_per_host(const std::string& tmpl);

/// `tmpl` with each {name} replaced by values.at(name) as one shell word
/// (shell_quote): no value can add a command, a redirection or a word.
std::string expand(const std::string& tmpl, const std::map<std::string, std::string>& values);

/// `value` as one shell word: itself when made only of characters the shell never
/// interprets, else in single quotes (a ' written as '\'').
std::string shell_quote(const std::string& value);

/// A host name a command may be given: letters, digits, '.', '-', '_', not
/// starting with '-', at most 253 characters ("rank 3", for a rank without a host
/// name in the instance's R, is not).
bool is_host_name(const std::string& name);

/// A launch command's output that a stop command may be given: one token of
/// letters, digits, "._:@/+=,%-" and the "ƒ" of a Flux job id, starting with a
/// letter, digit or "ƒ", at most 256 bytes ("" is fine: nothing was printed).
bool is_safe_output(const std::string& output);

/// At most 80 bytes of `text` for a message, control characters shown as '?'.
std::string excerpt(const std::string& text);

/// The default launcher: one job in the parent instance running a broker on each node.
extern const char* const default_launch_command;

/// The command line (no shell) that cancels the default launcher's job
/// `job` in the parent instance: flux proxy <parent> flux cancel <job>. Throws
/// fluxburst::Error when `job` is not a Flux job id.
std::vector<std::string> cancel_argv(const std::string& flux, const std::string& parent_uri,
                                     const std::string& job);

}  // namespace fluxburst::local
