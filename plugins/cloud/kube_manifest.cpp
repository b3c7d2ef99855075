#include "kube_manifest.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <map>
#include <regex>

#include <fluxburst/error.hpp>
#include <fluxburst/trusted_file.hpp>

namespace fluxburst::cloud {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxObjects = 1000;

/// A plain scalar typed as YAML 1.2's core schema does.
json plain_scalar(const std::string& s) {
    static const std::regex null_re("~|null|Null|NULL|");
    static const std::regex true_re("true|True|TRUE");
    static const std::regex false_re("false|False|FALSE");
    static const std::regex int_re("[-+]?[0-9]+");
    static const std::regex hex_re("0x[0-9a-fA-F]+");
    static const std::regex oct_re("0o[0-7]+");
    static const std::regex float_re("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    if (std::regex_match(s, null_re)) return nullptr;
    if (std::regex_match(s, true_re)) return true;
    if (std::regex_match(s, false_re)) return false;
    try {
        if (std::regex_match(s, int_re)) return std::stoll(s);
        if (std::regex_match(s, hex_re)) return std::stoll(s.substr(2), nullptr, 16);
        if (std::regex_match(s, oct_re)) return std::stoll(s.substr(2), nullptr, 8);
        if (std::regex_match(s, float_re)) return std::stod(s);
    } catch (const std::out_of_range&) {
        return s;  // too large for a number: kept as written
    }
    return s;
}

json to_json(const YAML::Node& node, int depth, const std::string& where) {
    if (depth > kMaxDepth)
        throw Error(where + ": nested deeper than " + std::to_string(kMaxDepth) + " levels");
    switch (node.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null:
            return nullptr;
        case YAML::NodeType::Scalar:
            // "!" is yaml-cpp's tag of a quoted scalar: always a string.
            if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return node.Scalar();
            return plain_scalar(node.Scalar());
        case YAML::NodeType::Sequence: {
            json out = json::array();
            for (const auto& item : node) out.push_back(to_json(item, depth + 1, where));
            return out;
        }
        case YAML::NodeType::Map: {
            json out = json::object();
            for (const auto& kv : node) {
                if (!kv.first.IsScalar())
                    throw Error(where + " line " + std::to_string(kv.first.Mark().line + 1) +
                                ": a mapping key that is not a scalar");
                out[kv.first.Scalar()] = to_json(kv.second, depth + 1, where);
            }
            return out;
        }
    }
    return nullptr;
}

void check_object(const json& o, const std::string& where) {
    if (!o.is_object()) throw Error(where + ": not a Kubernetes object (a mapping)");
    for (const char* key : {"apiVersion", "kind"})
        if (!o.contains(key) || !o[key].is_string() || o[key].get<std::string>().empty())
            throw Error(where + ": no " + key);
    const json meta = o.value("metadata", json::object());
    if (!meta.is_object() || !meta.contains("name") || !meta["name"].is_string())
        throw Error(where + ": no metadata.name (" + o["kind"].get<std::string>() + ")");
}

std::string describe(const json& o) {
    const json meta = o["metadata"];
    const std::string ns = meta.value("namespace", std::string());
    return o["kind"].get<std::string>() + "/" + (ns.empty() ? "" : ns + "/") +
           meta["name"].get<std::string>();
}

}  // namespace

std::vector<json> parse_manifest(const std::string& yaml, const std::string& origin) {
    std::vector<YAML::Node> documents;
    try {
        documents = YAML::LoadAll(yaml);
    } catch (const YAML::Exception& e) {
        throw Error(origin + ": not YAML: " + e.what());
    }
    std::vector<json> objects;
    for (std::size_t d = 0; d < documents.size(); ++d) {
        const std::string where = origin + " document " + std::to_string(d + 1);
        json doc = to_json(documents[d], 0, where);
        if (doc.is_null()) continue;
        std::vector<json> items;
        if (doc.is_object() && doc.value("kind", "") == "List" && doc.contains("items") &&
            doc["items"].is_array())
            items = doc["items"].get<std::vector<json>>();
        else
            items.push_back(std::move(doc));
        for (auto& item : items) {
            check_object(item, where);
            objects.push_back(std::move(item));
            if (objects.size() > kMaxObjects)
                throw Error(origin + ": more than " + std::to_string(kMaxObjects) + " objects");
        }
    }
    return objects;
}

std::vector<json> read_manifest(const std::string& path, const std::string& what) {
    auto text =
        fluxburst::read_trusted_file(path, what, fluxburst::TrustedOwner::UserOrRoot, 8u << 20);
    if (!text) throw Error(what + " " + path + " does not exist");
    return parse_manifest(*text, what + " " + path);
}

ManifestResult apply_manifest(KubeClient& client, const std::vector<json>& objects) {
    ManifestResult result;
    std::map<std::string, json> discovered;  // apiVersion -> APIResourceList
    for (const auto& object : objects) {
        const std::string api_version = object.at("apiVersion").get<std::string>();
        const std::string kind = object.at("kind").get<std::string>();
        const std::string api_path = api_version.find('/') == std::string::npos
                                         ? "/api/" + api_version
                                         : "/apis/" + api_version;
        auto found = discovered.find(api_version);
        if (found == discovered.end()) {
            std::optional<json> list = client.get_path(api_path);
            found = discovered.emplace(api_version, list ? *list : json::object()).first;
        }
        std::optional<KubeResource> resource;
        const json resources = found->second.value("resources", json::array());
        for (const auto& r : resources) {
            if (!r.is_object() || r.value("kind", "") != kind) continue;
            const std::string plural = r.value("name", "");
            if (plural.empty() || plural.find('/') != std::string::npos) continue;  // subresource
            resource = KubeResource{api_path, plural, r.value("namespaced", false)};
            break;
        }
        if (!resource)
            throw Error("the API server (" + client.connection().origin + ") serves no " + kind +
                        " in " + api_version + " (creating " + describe(object) + ")");
        std::string ns = object["metadata"].value("namespace", std::string());
        if (resource->namespaced && ns.empty()) ns = "default";
        const std::string name = describe(object);
        if (client.create(*resource, ns, object) == KubeClient::Created::Yes)
            result.created.push_back(name);
        else
            result.existed.push_back(name);
    }
    return result;
}

}  // namespace fluxburst::cloud
