#include "discovery_schema.hpp"

#include <fstream>
#include <regex>
#include <stdexcept>

namespace test {

using nlohmann::json;

DiscoverySchema::DiscoverySchema(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    doc_ = json::parse(in);
}

std::vector<std::string> DiscoverySchema::check(const json& value, const std::string& name,
                                                bool check_required) const {
    std::vector<std::string> out;
    check_object(value, name, name, out);
    if (check_required && doc_.contains("required") && doc_["required"].contains(name))
        for (const auto& key : doc_["required"][name])
            if (!value.is_object() || !value.contains(key.get<std::string>()))
                out.push_back(name + "." + key.get<std::string>() + ": required");
    return out;
}

void DiscoverySchema::check_object(const json& value, const std::string& schema,
                                   const std::string& path, std::vector<std::string>& out) const {
    if (!doc_["schemas"].contains(schema)) {
        out.push_back(path + ": schema " + schema + " is not in the trimmed document");
        return;
    }
    check_value(value, doc_["schemas"][schema], path, out);
}

void DiscoverySchema::check_value(const json& value, const json& spec, const std::string& path,
                                  std::vector<std::string>& out) const {
    if (spec.contains("$ref")) return check_object(value, spec["$ref"], path, out);
    std::string type = spec.value("type", spec.contains("properties") ? "object" : "any");
    if (type == "string") {
        if (!value.is_string()) return out.push_back(path + ": not a string");
        if (spec.contains("enum")) {
            bool found = false;
            for (const auto& e : spec["enum"]) found = found || e == value;
            if (!found)
                out.push_back(path + ": '" + value.get<std::string>() + "' is not one of " +
                              spec["enum"].dump());
        }
        if (spec.contains("pattern") &&
            !std::regex_match(value.get<std::string>(),
                              std::regex(spec["pattern"].get<std::string>())))
            out.push_back(path + ": '" + value.get<std::string>() + "' does not match " +
                          spec["pattern"].get<std::string>());
        if (spec.value("format", "") == "int64" &&
            !std::regex_match(value.get<std::string>(), std::regex("-?[0-9]+")))
            out.push_back(path + ": not an int64 string");
    } else if (type == "integer") {
        if (!value.is_number_integer()) out.push_back(path + ": not an integer");
    } else if (type == "number") {
        if (!value.is_number()) out.push_back(path + ": not a number");
    } else if (type == "boolean") {
        if (!value.is_boolean()) out.push_back(path + ": not a boolean");
    } else if (type == "array") {
        if (!value.is_array()) return out.push_back(path + ": not an array");
        for (std::size_t i = 0; i < value.size(); ++i)
            check_value(value[i], spec.value("items", json::object()),
                        path + "[" + std::to_string(i) + "]", out);
    } else if (type == "object") {
        if (!value.is_object()) return out.push_back(path + ": not an object");
        for (const auto& [key, v] : value.items()) {
            if (spec.contains("properties") && spec["properties"].contains(key))
                check_value(v, spec["properties"][key], path + "." + key, out);
            else if (spec.contains("additionalProperties"))
                check_value(v, spec["additionalProperties"], path + "." + key, out);
            else if (spec.contains("properties"))
                out.push_back(path + "." + key + ": unknown property");
        }
    }
}

}  // namespace test
