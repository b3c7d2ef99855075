// RFC 3339 timestamps ("2026-11-27T01:02:03Z", "...03.5+01:00"), as Kubernetes
// and the cloud APIs write them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace fluxburst::cloud {

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);
std::string format_rfc3339(std::chrono::system_clock::time_point when);

}  // namespace fluxburst::cloud
