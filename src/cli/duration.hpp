// Durations given as text: "5s", "0.2s", "200ms", "2m", "1h", or plain seconds ("5").
#pragma once

#include <string>

namespace fluxburst::cli {

/// Seconds in `text`. Throws UsageError naming `what` (an option or a config key)
/// when the text is not a non-negative duration.
double parse_duration(const std::string& text, const std::string& what);

/// A duration for messages: "5s", "0.5s" or, below a second, "200ms".
std::string format_duration(double seconds);

}  // namespace fluxburst::cli
