// Base64 (RFC 4648) for certificates in kubeconfigs and Kubernetes Secret data.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fluxburst::cloud {

/// Standard alphabet with padding.
std::string base64_encode(std::string_view data);
/// URL-safe alphabet ('-', '_'), no padding.
std::string base64url_encode(std::string_view data);
/// Either alphabet, padding optional, ASCII whitespace ignored; nullopt when the
/// text is not base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace fluxburst::cloud
