#include "suggest.hpp"

#include "closest_match.hpp"

namespace fluxburst::cli {

std::string suggestion(const std::string& word, const std::vector<std::string>& candidates) {
    std::string close = closest_match(word, candidates);
    if (!close.empty()) return "; did you mean '" + close + "'?";
    if (candidates.empty()) return "";
    return "; expected one of: " + join(candidates);
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += sep;
        out += item;
    }
    return out;
}

}  // namespace fluxburst::cli
