// Durations given as text: "5s", "0.2s", "200ms", "2m", "1h", or plain seconds ("5").
#pragma once

#include <string>

#include <fluxburst/error.hpp>

namespace fluxburst::cli {

/// The longest duration used: 1e9 s (about 31 years); a longer one counts as this
/// (it means "never"), so that no clock arithmetic can overflow.
constexpr double max_duration_seconds = 1e9;

/// Seconds in `text`. Throws Error of kind `code` naming `what` (an option or a
/// config key) when the text is not a non-negative finite duration; caps it at
/// max_duration_seconds.
double parse_duration(const std::string& text, const std::string& what,
                      ErrorCode code = ErrorCode::usage);

/// `seconds` checked as parse_duration checks text: finite, not negative, capped.
double checked_duration(double seconds, const std::string& what, ErrorCode code = ErrorCode::usage);

/// A duration for messages: "5s", "0.5s" or, below a second, "200ms".
std::string format_duration(double seconds);

}  // namespace fluxburst::cli
