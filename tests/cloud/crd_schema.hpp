// Validation of objects against a CustomResourceDefinition's OpenAPI v3 schema, as
// a Kubernetes API server does it (structural schemas): types and formats,
// required fields, enums, patterns, lengths, minimums, int-or-string, and unknown
// fields (which a real server silently prunes; here they are reported).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace test {

class CrdSchema {
public:
    /// Reads a CRD file (YAML); throws std::runtime_error when it is not one.
    static CrdSchema load(const std::string& path);

    /// "flux-framework.org", "MiniCluster", "miniclusters".
    const std::string& group() const { return group_; }
    const std::string& kind() const { return kind_; }
    const std::string& plural() const { return plural_; }
    /// The served versions.
    std::vector<std::string> versions() const;
    bool serves(const std::string& version) const { return schemas_.count(version) > 0; }

    /// Every problem of `object` for `version`, as "spec.flux.logLevel: expected
    /// integer, got string"; empty when valid.
    std::vector<std::string> validate(const std::string& version,
                                      const nlohmann::json& object) const;

private:
    std::string group_, kind_, plural_;
    std::map<std::string, nlohmann::json> schemas_;
};

/// YAML text to JSON (plain scalars typed as YAML 1.2 core: null, booleans,
/// integers, floats; quoted scalars stay strings).
nlohmann::json yaml_to_json(const std::string& text);

}  // namespace test
