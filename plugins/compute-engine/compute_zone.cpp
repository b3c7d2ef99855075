#include "compute_zone.hpp"

#include "http.hpp"

namespace fluxburst::compute_engine {

using nlohmann::json;

json instance_body(const InstanceSpec& spec, const std::string& name,
                   const std::string& startup_script) {
    json body = {
        {"name", name},
        {"labels", spec.labels},
        {"metadata",
         {{"items", json::array({{{"key", "startup-script"}, {"value", startup_script}}})}}}};
    if (spec.instance_template.empty() || !spec.machine_type.empty())
        body["machineType"] = "zones/" + spec.zone + "/machineTypes/" + spec.machine_type;
    if (!spec.source_image.empty()) {
        json init = {{"sourceImage", spec.source_image}};
        if (spec.disk_size_gb > 0) init["diskSizeGb"] = std::to_string(spec.disk_size_gb);
        body["disks"] =
            json::array({{{"boot", true}, {"autoDelete", true}, {"initializeParams", init}}});
    }
    if (spec.instance_template.empty() || !spec.network.empty() || !spec.subnetwork.empty()) {
        json nic = json::object();
        nic["network"] = "global/networks/" + (spec.network.empty() ? "default" : spec.network);
        if (!spec.subnetwork.empty())
            nic["subnetwork"] = spec.subnetwork.find('/') == std::string::npos
                                    ? "regions/" + spec.zone.substr(0, spec.zone.rfind('-')) +
                                          "/subnetworks/" + spec.subnetwork
                                    : spec.subnetwork;
        if (spec.external_ip)
            nic["accessConfigs"] =
                json::array({{{"name", "External NAT"}, {"type", "ONE_TO_ONE_NAT"}}});
        body["networkInterfaces"] = json::array({nic});
    }
    if (!spec.tags.empty()) body["tags"] = {{"items", spec.tags}};
    if (!spec.placement_policy.empty())
        body["resourcePolicies"] = json::array({spec.placement_policy});
    if (!spec.gpu_type.empty() && spec.gpu_count > 0) {
        body["guestAccelerators"] = json::array(
            {{{"acceleratorType", "zones/" + spec.zone + "/acceleratorTypes/" + spec.gpu_type},
              {"acceleratorCount", spec.gpu_count}}});
        // VMs with GPUs cannot live-migrate.
        body["scheduling"] = {{"onHostMaintenance", "TERMINATE"}, {"automaticRestart", true}};
    }
    return body;
}

std::string operation_error(const json& op) {
    if (!op.is_object() || !op.contains("error") || !op["error"].is_object()) return "";
    std::string out;
    const json& errors = op["error"].value("errors", json::array());
    if (errors.is_array()) {
        for (const json& e : errors) {
            if (!e.is_object()) continue;
            if (!out.empty()) out += "; ";
            out += e.value("code", std::string("ERROR")) + ": " + e.value("message", std::string());
        }
    }
    if (out.empty()) out = op.value("httpErrorMessage", std::string("the operation failed"));
    return out;
}

ComputeZone::ComputeZone(cloud::GoogleApiClient& api, std::string project, std::string zone)
    : api_(api), project_(std::move(project)), zone_(std::move(zone)) {}

std::string ComputeZone::prefix() const {
    return "/projects/" + cloud::url_escape(project_) + "/zones/" + cloud::url_escape(zone_);
}

json ComputeZone::insert(const json& instance, const std::string& instance_template) {
    std::string path = prefix() + "/instances";
    if (!instance_template.empty())
        path += "?sourceInstanceTemplate=" + cloud::url_escape(instance_template);
    return api_.call("POST", path, instance);
}

json ComputeZone::get_instance(const std::string& name) {
    return api_.call("GET", prefix() + "/instances/" + cloud::url_escape(name));
}

json ComputeZone::remove(const std::string& name) {
    return api_.call("DELETE", prefix() + "/instances/" + cloud::url_escape(name));
}

json ComputeZone::operation(const std::string& name) {
    return api_.call("GET", prefix() + "/operations/" + cloud::url_escape(name));
}

}  // namespace fluxburst::compute_engine
