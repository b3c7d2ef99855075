#include "suggest.hpp"

#include <algorithm>
#include <cctype>

namespace fluxburst::cli {

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

}  // namespace

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_d = std::string::npos;
    for (const auto& c : candidates) {
        std::size_t d = edit_distance(lower(word), lower(c));
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    std::size_t limit = std::max<std::size_t>(1, (word.size() + 2) / 3);
    return best_d <= limit ? best : "";
}

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
