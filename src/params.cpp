#include <fluxburst/params.hpp>

#include <fluxburst/error.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>

#include <fmt/format.h>

#include "closest_match.hpp"

#include "param_layers.hpp"
#include "text.hpp"

namespace fluxburst {

const char* to_string(ParamType type) {
    switch (type) {
        case ParamType::String:
            return "string";
        case ParamType::Integer:
            return "integer";
        case ParamType::Number:
            return "number";
        case ParamType::Boolean:
            return "boolean";
        case ParamType::List:
            return "list";
    }
    return "unknown";
}

namespace {

bool type_from_string(const std::string& s, ParamType& out) {
    static const std::pair<const char*, ParamType> names[] = {{"string", ParamType::String},
                                                              {"integer", ParamType::Integer},
                                                              {"number", ParamType::Number},
                                                              {"boolean", ParamType::Boolean},
                                                              {"list", ParamType::List}};
    for (const auto& [name, type] : names) {
        if (s == name) {
            out = type;
            return true;
        }
    }
    return false;
}

// The JSON type name users see in "wrong type" errors.
std::string json_kind(const nlohmann::json& v) {
    if (v.is_boolean()) return "boolean";
    if (v.is_number_integer()) return "integer";
    if (v.is_number()) return "number";
    if (v.is_string()) return "string";
    if (v.is_array()) return "list";
    if (v.is_object()) return "table";
    return "null";
}

bool value_has_type(const nlohmann::json& v, ParamType type) {
    switch (type) {
        case ParamType::String:
            return v.is_string();
        case ParamType::Integer:
            return v.is_number_integer();
        case ParamType::Number:
            return v.is_number();
        case ParamType::Boolean:
            return v.is_boolean();
        case ParamType::List:
            return v.is_array() && std::all_of(v.begin(), v.end(), [](const nlohmann::json& e) {
                       return e.is_string();
                   });
    }
    return false;
}

bool valid_key(const std::string& key) {
    if (key.empty()) return false;
    return std::all_of(key.begin(), key.end(), [](unsigned char c) {
        return std::islower(c) || std::isdigit(c) || c == '_';
    });
}

std::string env_name(const std::string& key) {
    std::string out = "FLUXBURST_";
    for (unsigned char c : key) out += static_cast<char>(std::toupper(c));
    return out;
}

const ParamSpec* find_spec(const ParamSchema& schema, const std::string& key) {
    for (const auto& spec : schema) {
        if (spec.name == key) return &spec;
    }
    return nullptr;
}

std::string unknown_key_message(const std::string& plugin, const ParamSchema& schema,
                                const std::string& key, const std::string& origin) {
    std::vector<std::string> names;
    for (const auto& spec : schema) names.push_back(spec.name);
    std::string msg = fmt::format("plugin '{}': unknown parameter '{}' ({})", plugin, key, origin);
    std::string close = closest_match(key, names);
    if (!close.empty()) {
        msg += fmt::format("; did you mean '{}'?", close);
    } else if (names.empty()) {
        msg += "; this plugin takes no parameters";
    } else {
        msg += fmt::format("; known parameters: {}", text::join(names, ", "));
    }
    return msg;
}

nlohmann::json parse_param_value(const ParamSpec& spec, const std::string& text,
                                 const std::string& plugin, const std::string& origin) {
    if (!text::valid_utf8(text))
        throw ParamError(fmt::format("plugin '{}': parameter '{}' ({}) is not valid UTF-8 text",
                                     plugin, spec.name, origin),
                         {plugin, spec.name, ""});
    auto bad = [&](const std::string& expected) {
        return ParamError(fmt::format("plugin '{}': parameter '{}' ({}) expects {}, got '{}'",
                                      plugin, spec.name, origin, expected, text::shorten(text, 60)),
                          {plugin, spec.name, ""});
    };
    switch (spec.type) {
        case ParamType::String:
            return text;
        case ParamType::Integer: {
            std::string t = text::trim(text);
            if (t.empty()) throw bad("an integer");
            errno = 0;
            char* end = nullptr;
            long long v = std::strtoll(t.c_str(), &end, 10);
            if (*end != '\0' || errno == ERANGE) throw bad("an integer");
            return static_cast<std::int64_t>(v);
        }
        case ParamType::Number: {
            std::string t = text::trim(text);
            if (t.empty()) throw bad("a number");
            errno = 0;
            char* end = nullptr;
            double v = std::strtod(t.c_str(), &end);
            if (*end != '\0' || errno == ERANGE || !std::isfinite(v)) throw bad("a number");
            return v;
        }
        case ParamType::Boolean: {
            std::string t = text::lower(text::trim(text));
            if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
            if (t == "false" || t == "no" || t == "off" || t == "0") return false;
            throw bad("a boolean (true/false, yes/no, on/off, 1/0)");
        }
        case ParamType::List: {
            std::string t = text::trim(text);
            if (!t.empty() && t.front() == '[') {
                nlohmann::json j = nlohmann::json::parse(t, nullptr, false);
                if (j.is_discarded() || !value_has_type(j, ParamType::List))
                    throw bad("a JSON list of strings or comma-separated items");
                return j;
            }
            nlohmann::json out = nlohmann::json::array();
            if (t.empty()) return out;
            for (const auto& item : text::split(t, ',')) out.push_back(text::trim(item));
            return out;
        }
    }
    throw bad("a known type");
}

nlohmann::json check_param_value(const ParamSpec& spec, const nlohmann::json& v,
                                 const std::string& plugin, const std::string& origin) {
    // Text given for a typed parameter (from a command line or a config written
    // with quotes) is converted by the parameter's type.
    if (v.is_string() &&
        (spec.type != ParamType::String || !text::valid_utf8(v.get_ref<const std::string&>())))
        return parse_param_value(spec, v.get<std::string>(), plugin, origin);
    // An integral JSON number passes for a Number parameter, a whole float (8.0)
    // for an Integer one; everything else must match exactly.
    if (spec.type == ParamType::Integer && v.is_number_float()) {
        double d = v.get<double>();
        if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15)
            return static_cast<std::int64_t>(d);
    }
    // A TOML nan or inf (or a NaN given through the API) is no value for a number:
    // a timeout of nan would pass every "must be positive" check the wrong way.
    if (spec.type == ParamType::Number && v.is_number_float() && !std::isfinite(v.get<double>()))
        throw ParamError(
            fmt::format("plugin '{}': parameter '{}' ({}) expects a finite number, got {}", plugin,
                        spec.name, origin, v.get<double>()),
            {plugin, spec.name, ""});
    if (value_has_type(v, spec.type)) {
        bool ok = true;
        if (v.is_string()) ok = text::valid_utf8(v.get_ref<const std::string&>());
        if (v.is_array())
            for (const auto& e : v) ok = ok && text::valid_utf8(e.get_ref<const std::string&>());
        if (!ok)
            throw ParamError(fmt::format("plugin '{}': parameter '{}' ({}) is not valid UTF-8 text",
                                         plugin, spec.name, origin),
                             {plugin, spec.name, ""});
        return v;
    }
    std::string given = json_kind(v);
    if (spec.type == ParamType::List && v.is_array()) given = "list with a non-string item";
    throw ParamError(
        fmt::format("plugin '{}': parameter '{}' ({}) expects {}, got {} {}", plugin, spec.name,
                    origin, to_string(spec.type), given, text::shorten(v.dump(), 60)),
        {plugin, spec.name, ""});
}

}  // namespace

nlohmann::json schema_to_json(const ParamSchema& schema) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& spec : schema) {
        out.push_back({{"name", spec.name},
                       {"type", to_string(spec.type)},
                       {"default", spec.default_value},
                       {"required", spec.required},
                       {"help", spec.help},
                       {"per_job", spec.per_job}});
    }
    return out;
}

ParamSchema schema_from_json(const nlohmann::json& j, const std::string& plugin) {
    auto bad = [&](const std::string& what) {
        return ParamError(fmt::format(
            "plugin '{}' declares an invalid parameter schema: {}; fix the plugin's parameters()",
            plugin, what));
    };
    if (!j.is_array()) throw bad("expected a list of parameters, got " + json_kind(j));
    ParamSchema schema;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < j.size(); ++i) {
        const auto& e = j[i];
        if (!e.is_object()) throw bad(fmt::format("entry {} is not an object", i));
        ParamSpec spec;
        auto name = e.find("name");
        if (name == e.end() || !name->is_string())
            throw bad(fmt::format("entry {} has no string 'name'", i));
        spec.name = name->get<std::string>();
        if (!valid_key(spec.name))
            throw bad(fmt::format("parameter name '{}' must be lower-case letters, digits and _",
                                  spec.name));
        if (!seen.insert(spec.name).second)
            throw bad(fmt::format("parameter '{}' is declared twice", spec.name));
        auto type = e.find("type");
        if (type == e.end() || !type->is_string() ||
            !type_from_string(type->get<std::string>(), spec.type))
            throw bad(
                fmt::format("parameter '{}' has type {}; expected one of string, integer, "
                            "number, boolean, list",
                            spec.name, type == e.end() ? "(none)" : type->dump()));
        if (auto it = e.find("default"); it != e.end() && !it->is_null()) {
            if (!value_has_type(*it, spec.type))
                throw bad(fmt::format("parameter '{}' is {} but its default is {}", spec.name,
                                      to_string(spec.type), it->dump()));
            spec.default_value = *it;
        }
        if (auto it = e.find("required"); it != e.end()) {
            if (!it->is_boolean())
                throw bad(
                    fmt::format("parameter '{}': 'required' must be true or false", spec.name));
            spec.required = it->get<bool>();
        }
        if (auto it = e.find("help"); it != e.end() && it->is_string())
            spec.help = it->get<std::string>();
        if (auto it = e.find("per_job"); it != e.end()) {
            if (!it->is_boolean())
                throw bad(
                    fmt::format("parameter '{}': 'per_job' must be true or false", spec.name));
            spec.per_job = it->get<bool>();
        }
        if (spec.per_job && spec.name == "plugin")
            throw bad(
                "a per-job parameter cannot be named 'plugin' (the burst option naming the "
                "plugin a job asks for)");
        schema.push_back(std::move(spec));
    }
    return schema;
}

std::string plugin_env_name(const std::string& plugin, const std::string& key) {
    // A shell can set only letters, digits and '_' (plugin names may have '-').
    std::string out = env_name(plugin + "_" + key);
    for (char& c : out)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return out;
}

nlohmann::json merge_param_layers(const std::string& plugin, const ParamSchema& schema,
                                  const ParamLayers& layers) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& spec : schema) {
        if (!spec.default_value.is_null()) out[spec.name] = spec.default_value;
    }
    auto apply = [&](const std::vector<ParamSetting>& layer) {
        for (const auto& setting : layer) {
            const ParamSpec* spec = find_spec(schema, setting.key);
            if (!spec)
                throw ParamError(unknown_key_message(plugin, schema, setting.key, setting.origin),
                                 {plugin, setting.key, ""});
            if (setting.value.is_null()) continue;  // null means "not given"
            out[setting.key] = check_param_value(*spec, setting.value, plugin, setting.origin);
        }
    };
    apply(layers.given);
    for (const auto& spec : schema) {
        for (const std::string& var : {plugin_env_name(plugin, spec.name), env_name(spec.name)}) {
            if (const char* v = std::getenv(var.c_str())) {
                out[spec.name] = parse_param_value(spec, v, plugin, "environment " + var);
                break;
            }
        }
    }
    apply(layers.overrides);
    for (const auto& spec : schema) {
        if (spec.required && !out.contains(spec.name)) {
            throw ParamError(
                fmt::format("plugin '{}': required parameter '{}' is missing; give it (for example "
                            "--param {}.{}=VALUE) or set {}",
                            plugin, spec.name, plugin, spec.name,
                            plugin_env_name(plugin, spec.name)),
                {plugin, spec.name, ""});
        }
    }
    return out;
}

nlohmann::json job_param_values(const std::string& plugin, const ParamSchema& schema,
                                const nlohmann::json& options, const std::string& job) {
    nlohmann::json out = nlohmann::json::object();
    if (!options.is_object()) return out;
    for (const auto& [key, value] : options.items()) {
        if (key == "plugin" || value.is_null()) continue;
        std::vector<std::string> per_job;
        for (const auto& spec : schema)
            if (spec.per_job) per_job.push_back(spec.name);
        std::string takes =
            per_job.empty()
                ? fmt::format("plugin '{}' takes no parameter per job", plugin)
                : fmt::format("plugin '{}' takes per job: {}", plugin, text::join(per_job, ", "));
        // The key is the submitter's text: quoted and escaped, bounded.
        std::string shown = text::shorten(
            nlohmann::json(key).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 60);
        const ParamSpec* spec = find_spec(schema, key);
        if (!spec) {
            std::string close = closest_match(key, per_job);
            throw ParamError(fmt::format(
                "{}: burst option {} is not a parameter of plugin '{}' ({}{}); remove it from "
                "the job's system.burstable",
                job, shown, plugin, takes,
                close.empty() ? "" : fmt::format("; did you mean '{}'?", close)),
                             {plugin, key, ""});
        }
        if (!spec->per_job)
            throw ParamError(fmt::format(
                "{}: burst option {}: plugin '{}' does not take parameter '{}' per job ({}); "
                "remove it from the job's system.burstable, or set it for every job in the "
                "plugin's configuration ([plugin.{}] in the config file, or --param {}.{}=VALUE)",
                job, shown, plugin, key, takes, plugin, plugin, key),
                             {plugin, key, ""});
        try {
            out[key] = check_param_value(*spec, value, plugin, "burst options");
        } catch (const ParamError& e) {
            throw ParamError(
                fmt::format("{}: burst option {}: {}; fix the value in the job's "
                            "system.burstable",
                            job, shown, e.what()),
                {plugin, key, ""});
        }
    }
    return out;
}

ParamLayers json_param_layers(const std::string& plugin, const nlohmann::json& given,
                              const nlohmann::json& overrides) {
    auto layer = [&](const nlohmann::json& values, const std::string& origin) {
        std::vector<ParamSetting> out;
        if (values.is_null()) return out;
        if (!values.is_object())
            throw ParamError(fmt::format("plugin '{}': parameters ({}) must be a table of key = "
                                         "value, got {}",
                                         plugin, origin, json_kind(values)),
                             {plugin, "", ""});
        for (const auto& [key, value] : values.items()) out.push_back({key, value, origin});
        return out;
    };
    return ParamLayers{layer(given, "given to load"), layer(overrides, "override")};
}

nlohmann::json merge_params(const std::string& plugin, const ParamSchema& schema,
                            const nlohmann::json& given, const nlohmann::json& overrides) {
    return merge_param_layers(plugin, schema, json_param_layers(plugin, given, overrides));
}

bool Params::has(const std::string& key) const {
    auto it = values_.find(key);
    return it != values_.end() && !it->is_null();
}

const nlohmann::json& Params::at(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end() || it->is_null())
        throw ParamError(fmt::format("parameter '{}' has no value", key));
    return *it;
}

std::string Params::get_string(const std::string& key) const {
    const auto& v = at(key);
    if (!v.is_string()) throw ParamError(fmt::format("parameter '{}' is not a string", key));
    return v.get<std::string>();
}

std::int64_t Params::get_int(const std::string& key) const {
    const auto& v = at(key);
    if (!v.is_number_integer())
        throw ParamError(fmt::format("parameter '{}' is not an integer", key));
    return v.get<std::int64_t>();
}

double Params::get_number(const std::string& key) const {
    const auto& v = at(key);
    if (!v.is_number()) throw ParamError(fmt::format("parameter '{}' is not a number", key));
    return v.get<double>();
}

bool Params::get_bool(const std::string& key) const {
    const auto& v = at(key);
    if (!v.is_boolean()) throw ParamError(fmt::format("parameter '{}' is not a boolean", key));
    return v.get<bool>();
}

std::vector<std::string> Params::get_list(const std::string& key) const {
    const auto& v = at(key);
    if (!value_has_type(v, ParamType::List))
        throw ParamError(fmt::format("parameter '{}' is not a list of strings", key));
    return v.get<std::vector<std::string>>();
}

}  // namespace fluxburst
