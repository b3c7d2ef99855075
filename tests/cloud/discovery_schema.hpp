// Request bodies checked against a trimmed Google API discovery document (see
// tests/data/google/): an unknown property, a wrong type, a value outside an enum
// or a name that does not match its pattern is a problem, as is a missing required
// property. Google would prune or refuse such a body; the fakes refuse it.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace test {

class DiscoverySchema {
public:
    /// Read the trimmed document at `path` (throws when unreadable).
    explicit DiscoverySchema(const std::string& path);

    /// The problems of `value` as an instance of schema `name`, each naming its
    /// JSON path ("Instance.disks[0].initializeParams.sizeGb: unknown property").
    std::vector<std::string> check(const nlohmann::json& value, const std::string& name,
                                   bool check_required = true) const;

private:
    void check_value(const nlohmann::json& value, const nlohmann::json& spec,
                     const std::string& path, std::vector<std::string>& out) const;
    void check_object(const nlohmann::json& value, const std::string& schema,
                      const std::string& path, std::vector<std::string>& out) const;
    nlohmann::json doc_;
};

}  // namespace test
