// Text from others (job names, plugin messages) made safe to print on a terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fluxburst::cli {

/// `text` as it may reach a terminal: control characters (C0, DEL, C1), invalid
/// UTF-8 and the bidirectional overrides that reorder what is shown each become
/// '?', so no escape sequence, newline or reordering gets through; at most
/// `max_chars` characters, the cut marked with "...".
std::string terminal_text(std::string_view text, std::size_t max_chars);

}  // namespace fluxburst::cli
