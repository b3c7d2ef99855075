// "Did you mean ...?": the closest of a set of names, for error messages about a
// misspelt plugin, parameter, key or subcommand. Internal (not installed): the
// command and the tests reach it through the fluxburst_internal target.
#pragma once

#include <string>
#include <vector>

#include <fluxburst/export.hpp>

namespace fluxburst {

/// The candidate closest to `word` (case-insensitive edit distance counting an
/// insertion, deletion, substitution or swap of two neighbours as one edit), or ""
/// when none is close: at most about a third of the word may change.
FLUXBURST_API std::string closest_match(const std::string& word,
                                        const std::vector<std::string>& candidates);

}  // namespace fluxburst
