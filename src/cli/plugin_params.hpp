// Checking parameter values (from --param or a config file) against a plugin's
// declared schema before loading it, so that an error names where the value came
// from (the option, or the config file and line).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include <fluxburst/client.hpp>

namespace fluxburst::cli {

/// Check `value` for parameter `key` of `plugin` and return it converted to the
/// parameter's type (text is converted by type, as FLUXBURST_<KEY> is). Throws
/// UsageError starting with `origin` on an unknown key (with a close match or the
/// known keys) or a value of the wrong type.
nlohmann::json check_param(const PluginDescription& plugin, const std::string& key,
                           const nlohmann::json& value, const std::string& origin);

}  // namespace fluxburst::cli
