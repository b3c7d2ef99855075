#include "plugin_params.hpp"

#include <algorithm>
#include <cmath>

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

bool is_string_list(const nlohmann::json& v) {
    return v.is_array() &&
           std::all_of(v.begin(), v.end(), [](const nlohmann::json& e) { return e.is_string(); });
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
    if (value.is_string()) {  // text: converted (and checked to be UTF-8) by type
        try {
            return parse_param_value(*spec, value.get<std::string>(), plugin.name, origin);
        } catch (const ParamError& e) {
            throw UsageError(e.what());
        }
    }
    bool ok = false;
    switch (spec->type) {
        case ParamType::String:
            ok = value.is_string();
            break;
        case ParamType::Integer:
            ok =
                value.is_number_integer() ||
                (value.is_number_float() && std::floor(value.get<double>()) == value.get<double>());
            break;
        case ParamType::Number:
            ok = value.is_number();
            break;
        case ParamType::Boolean:
            ok = value.is_boolean();
            break;
        case ParamType::List:
            ok = is_string_list(value);
            break;
    }
    if (!ok)
        throw UsageError(fmt::format("{}: plugin '{}': parameter '{}' expects {}, got {} {}",
                                     origin, plugin.name, key, to_string(spec->type), kind(value),
                                     value.dump()));
    if (spec->type == ParamType::Integer && value.is_number_float())
        return static_cast<std::int64_t>(value.get<double>());
    return value;
}

}  // namespace fluxburst::cli
