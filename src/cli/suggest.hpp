// "Did you mean ...?" suggestions for misspelt names (keys, plugins, subcommands).
#pragma once

#include <string>
#include <vector>

#include "closest_match.hpp"  // the library's, through fluxburst_internal

namespace fluxburst::cli {

using fluxburst::closest_match;  // src/closest_match.hpp

/// "; did you mean 'x'?" when a candidate is close, else "; expected one of a, b, c"
/// (or "" when there are no candidates).
std::string suggestion(const std::string& word, const std::vector<std::string>& candidates);

/// The items joined by `sep`.
std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");

}  // namespace fluxburst::cli
