// Small text helpers used for messages (private to the library).
#pragma once

#include <string>
#include <vector>

namespace fluxburst::text {

std::string trim(const std::string& s);
std::string lower(std::string s);
std::vector<std::string> split(const std::string& s, char sep);
std::string join(const std::vector<std::string>& items, const std::string& sep);
/// True when `s` is well-formed UTF-8 (what JSON text must be).
bool valid_utf8(const std::string& s);
/// At most `max` characters, with "..." when cut.
std::string shorten(const std::string& s, std::size_t max);

}  // namespace fluxburst::text
