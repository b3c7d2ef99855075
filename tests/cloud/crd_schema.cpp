#include "crd_schema.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <limits>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace test {
namespace {

using nlohmann::json;

json scalar_to_json(const YAML::Node& node) {
    const std::string& text = node.Scalar();
    if (node.Tag() == "!") return text;  // quoted
    if (text == "null" || text == "~" || text.empty()) return nullptr;
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    static const std::regex integer("[-+]?[0-9]+");
    static const std::regex number("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    if (std::regex_match(text, integer)) {
        try {
            return std::stoll(text);
        } catch (const std::exception&) {
            return text;
        }
    }
    if (std::regex_match(text, number)) return std::stod(text);
    return text;
}

json node_to_json(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Null:
            return nullptr;
        case YAML::NodeType::Scalar:
            return scalar_to_json(node);
        case YAML::NodeType::Sequence: {
            json a = json::array();
            for (const auto& item : node) a.push_back(node_to_json(item));
            return a;
        }
        case YAML::NodeType::Map: {
            json o = json::object();
            for (const auto& kv : node) o[kv.first.as<std::string>()] = node_to_json(kv.second);
            return o;
        }
        default:
            return nullptr;
    }
}

std::string type_of(const json& v) {
    if (v.is_null()) return "null";
    if (v.is_boolean()) return "boolean";
    if (v.is_number_integer() || v.is_number_unsigned()) return "integer";
    if (v.is_number()) return "number";
    if (v.is_string()) return "string";
    if (v.is_array()) return "array";
    return "object";
}

std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
}

void check(const json& v, const json& schema, const std::string& path,
           std::vector<std::string>& errors);

bool matches(const json& v, const json& schema) {
    std::vector<std::string> errors;
    check(v, schema, "", errors);
    return errors.empty();
}

void check(const json& v, const json& schema, const std::string& path,
           std::vector<std::string>& errors) {
    const std::string where = path.empty() ? "(root)" : path;
    if (v.is_null()) {
        if (!schema.value("nullable", false)) errors.push_back(where + ": null is not allowed");
        return;
    }
    if (schema.value("x-kubernetes-int-or-string", false)) {
        if (!v.is_string() && !v.is_number_integer())
            errors.push_back(where + ": expected integer or string, got " + type_of(v));
    }
    if (schema.contains("anyOf")) {
        bool any = false;
        for (const auto& alt : schema["anyOf"]) any = any || matches(v, alt);
        if (!any) errors.push_back(where + ": matches none of the allowed forms");
    }
    const std::string type = schema.value("type", "");
    const std::string actual = type_of(v);
    if (!type.empty()) {
        const bool ok = type == actual || (type == "number" && actual == "integer");
        if (!ok) {
            errors.push_back(where + ": expected " + type + ", got " + actual);
            return;
        }
    }
    if (schema.contains("enum")) {
        bool found = false;
        for (const auto& e : schema["enum"]) found = found || e == v;
        if (!found)
            errors.push_back(where + ": " + v.dump() + " is not one of " + schema["enum"].dump());
    }
    if (v.is_string()) {
        const std::string s = v.get<std::string>();
        if (schema.contains("pattern") &&
            !std::regex_search(s, std::regex(schema["pattern"].get<std::string>())))
            errors.push_back(where + ": '" + s + "' does not match " +
                             schema["pattern"].get<std::string>());
        if (schema.contains("maxLength") && s.size() > schema["maxLength"].get<std::size_t>())
            errors.push_back(where + ": longer than " + schema["maxLength"].dump());
        if (schema.contains("minLength") && s.size() < schema["minLength"].get<std::size_t>())
            errors.push_back(where + ": shorter than " + schema["minLength"].dump());
    }
    if (v.is_number()) {
        if (schema.value("format", "") == "int32" && v.is_number_integer()) {
            const auto n = v.get<long long>();
            if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max())
                errors.push_back(where + ": " + v.dump() + " does not fit int32");
        }
        if (schema.contains("minimum") && v.get<double>() < schema["minimum"].get<double>())
            errors.push_back(where + ": " + v.dump() + " is below the minimum " +
                             schema["minimum"].dump());
    }
    if (v.is_object()) {
        const json props = schema.value("properties", json::object());
        const bool preserve = schema.value("x-kubernetes-preserve-unknown-fields", false);
        for (const auto& [key, value] : v.items()) {
            if (props.contains(key)) {
                check(value, props[key], join(path, key), errors);
            } else if (schema.contains("additionalProperties")) {
                const json& ap = schema["additionalProperties"];
                if (ap.is_object())
                    check(value, ap, join(path, key), errors);
                else if (ap.is_boolean() && !ap.get<bool>())
                    errors.push_back(join(path, key) + ": unknown field");
            } else if (!preserve) {
                errors.push_back(join(path, key) + ": unknown field");
            }
        }
        for (const auto& r : schema.value("required", json::array()))
            if (!v.contains(r.get<std::string>()))
                errors.push_back(join(path, r.get<std::string>()) + ": required field missing");
    }
    if (v.is_array() && schema.contains("items")) {
        for (std::size_t i = 0; i < v.size(); ++i)
            check(v[i], schema["items"], path + "[" + std::to_string(i) + "]", errors);
    }
}

}  // namespace

json yaml_to_json(const std::string& text) {
    return node_to_json(YAML::Load(text));
}

CrdSchema CrdSchema::load(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read CRD " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    const json crd = yaml_to_json(ss.str());
    if (crd.value("kind", "") != "CustomResourceDefinition")
        throw std::runtime_error(path + " is not a CustomResourceDefinition");
    CrdSchema s;
    const json spec = crd.at("spec");
    s.group_ = spec.at("group").get<std::string>();
    s.kind_ = spec.at("names").at("kind").get<std::string>();
    s.plural_ = spec.at("names").at("plural").get<std::string>();
    for (const auto& v : spec.at("versions")) {
        if (!v.value("served", false)) continue;
        s.schemas_[v.at("name").get<std::string>()] = v.at("schema").at("openAPIV3Schema");
    }
    if (s.schemas_.empty()) throw std::runtime_error(path + " serves no version");
    return s;
}

std::vector<std::string> CrdSchema::versions() const {
    std::vector<std::string> out;
    for (const auto& [v, schema] : schemas_) out.push_back(v);
    return out;
}

std::vector<std::string> CrdSchema::validate(const std::string& version, const json& object) const {
    std::vector<std::string> errors;
    auto it = schemas_.find(version);
    if (it == schemas_.end()) return {"version " + version + " is not served"};
    if (!object.is_object()) return {"(root): expected object, got " + type_of(object)};
    if (object.value("apiVersion", "") != group_ + "/" + version)
        errors.push_back("apiVersion: expected '" + group_ + "/" + version + "', got " +
                         object.value("apiVersion", json()).dump());
    if (object.value("kind", "") != kind_)
        errors.push_back("kind: expected '" + kind_ + "', got " +
                         object.value("kind", json()).dump());
    // metadata is ObjectMeta, checked by the server itself, not by the CRD schema.
    json rest = object;
    rest.erase("metadata");
    check(rest, it->second, "", errors);
    return errors;
}

}  // namespace test
