// The Compute Engine calls the plugin makes, in one project and zone: insert,
// get and delete instances, and follow zone operations to the end.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "google_api.hpp"

namespace fluxburst::compute_engine {

/// What a burst VM is made of (the plugin's parameters).
struct InstanceSpec {
    std::string project, zone;
    std::string machine_type;  ///< e.g. "c2-standard-8"
    std::string source_image;  ///< e.g. "projects/p/global/images/family/flux"; "" with a template
    std::string instance_template;  ///< "" or "projects/p/global/instanceTemplates/t"
    std::int64_t disk_size_gb = 0;  ///< 0: the image's size
    std::string network, subnetwork;
    bool external_ip = true;
    std::vector<std::string> tags;
    std::map<std::string, std::string> labels;
    std::string placement_policy;  ///< "" or "projects/p/regions/r/resourcePolicies/x"
    std::string gpu_type;          ///< "" or e.g. "nvidia-tesla-t4"
    std::int64_t gpu_count = 0;
};

/// The instances.insert body of VM `name` with `startup_script` as metadata.
nlohmann::json instance_body(const InstanceSpec& spec, const std::string& name,
                             const std::string& startup_script);

/// The text of a failed operation ("QUOTA_EXCEEDED: Quota 'CPUS' exceeded..."), or "".
std::string operation_error(const nlohmann::json& operation);

class ComputeZone {
public:
    ComputeZone(cloud::GoogleApiClient& api, std::string project, std::string zone);

    /// POST instances (with ?sourceInstanceTemplate= when given): the Operation.
    nlohmann::json insert(const nlohmann::json& instance, const std::string& instance_template);
    /// GET an instance; throws cloud::GoogleApiError (404 when it does not exist).
    nlohmann::json get_instance(const std::string& name);
    /// DELETE an instance: the Operation.
    nlohmann::json remove(const std::string& name);
    /// GET a zone operation.
    nlohmann::json operation(const std::string& name);

    const std::string& project() const { return project_; }
    const std::string& zone() const { return zone_; }

private:
    std::string prefix() const;
    cloud::GoogleApiClient& api_;
    std::string project_, zone_;
};

}  // namespace fluxburst::compute_engine
