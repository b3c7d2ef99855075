#include "plugin_params.hpp"

#include <fmt/format.h>

#include <fluxburst/error.hpp>

#include "exit_codes.hpp"
#include "suggest.hpp"

namespace fluxburst::cli {

namespace {

std::string kind(const nlohmann::json& v) {
    if (v.is_boolean()) return "a boolean";
    if (v.is_number_integer()) return "an integer";
    if (v.is_number()) return "a number";
    if (v.is_string()) return "a string";
    if (v.is_array()) return "an array";
    return "nothing";
}

}  // namespace

nlohmann::json check_param(const PluginDescription& plugin, const std::string& key,
                           const nlohmann::json& value, const std::string& origin) {
    const ParamSpec* spec = nullptr;
    std::vector<std::string> names;
    for (const auto& s : plugin.parameters) {
        names.push_back(s.name);
        if (s.name == key) spec = &s;
    }
    if (!spec) {
        std::string hint =
            names.empty() ? "; this plugin takes no parameters" : suggestion(key, names);
        throw UsageError(
            fmt::format("{}: plugin '{}' has no parameter '{}'{} (see: flux-burst plugins {})",
                        origin, plugin.name, key, hint, plugin.name));
    }
    try {
        return check_param_value(*spec, value, plugin.name, origin);
    } catch (const ParamError& e) {
        if (value.is_string()) throw UsageError(e.what());  // text that does not convert
        throw UsageError(
            fmt::format("{}: plugin '{}': parameter '{}' expects {}, got {} {}", origin,
                        plugin.name, key, to_string(spec->type), kind(value),
                        value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
    }
}

}  // namespace fluxburst::cli
