#include "kube_minicluster.hpp"

#include <fluxburst/error.hpp>

#include "base64.hpp"

namespace fluxburst::cloud {

using nlohmann::json;

std::string minicluster_curve_cert_path(const std::string& api_version) {
    // v1alpha2 copies the inline certificate into the Flux view; v1alpha1 mounts the
    // Secret's curve.cert at /mnt/curve.
    if (api_version == "v1alpha2") return "/mnt/flux/view/curve/curve.cert";
    if (api_version == "v1alpha1") return "/mnt/curve/curve.cert";
    throw Error("unknown MiniCluster API version '" + api_version + "' (v1alpha1 or v1alpha2)");
}

json minicluster_manifest(const MiniClusterSpec& s) {
    const bool v2 = s.api_version == "v1alpha2";
    if (!v2 && s.api_version != "v1alpha1")
        throw Error("unknown MiniCluster API version '" + s.api_version +
                    "' (v1alpha1 or v1alpha2)");
    if (s.name.empty() || s.ns.empty()) throw Error("MiniCluster without a name or namespace");
    if (s.size < 1 || s.size > s.slots)
        throw Error("MiniCluster " + s.name + ": size " + std::to_string(s.size) +
                    " is outside 1.." + std::to_string(s.slots) + " (the hosts declared for it)");
    if (s.image.empty()) throw Error("MiniCluster " + s.name + ": no container image");
    if (s.lead_address.empty()) throw Error("MiniCluster " + s.name + ": no lead address");
    if (s.broker_config.empty()) throw Error("MiniCluster " + s.name + ": no broker config");
    if (v2 && !s.flux_user.empty())
        throw Error(
            "flux_user is a v1alpha1 field; the v1alpha2 MiniCluster has no flux user "
            "(run the image's own user)");

    json container = {{"image", s.image}, {"runFlux", true}};
    if (v2) container["name"] = "flux";
    if (!s.image_pull_secret.empty()) container["imagePullSecret"] = s.image_pull_secret;
    if (s.pull_always) container["pullAlways"] = true;
    json limits = json::object();
    if (!s.cpu.empty()) limits["cpu"] = s.cpu;
    if (!s.memory.empty()) limits["memory"] = s.memory;
    for (const auto& [k, v] : s.extra_resources) limits[k] = v;
    if (!limits.empty()) container["resources"] = {{"limits", limits}, {"requests", limits}};
    if (!s.flux_user.empty()) container["fluxUser"] = {{"name", s.flux_user}};

    json flux = {{"logLevel", s.log_level},
                 {"brokerConfig", s.broker_config},
                 {"bursting",
                  {{"leadBroker",
                    {{"address", s.lead_address},
                     {"port", s.lead_port},
                     {"name", s.lead_name.empty() ? s.lead_address : s.lead_name},
                     {"size", s.lead_size}}},
                   {"clusters", json::array({{{"name", s.name}, {"size", s.slots}}})}}}};
    if (!s.option_flags.empty()) flux["optionFlags"] = s.option_flags;
    if (!s.wrap.empty()) flux["wrap"] = s.wrap;
    if (!s.connect_timeout.empty()) flux["connectTimeout"] = s.connect_timeout;
    if (v2) {
        if (s.curve_cert.empty()) throw Error("MiniCluster " + s.name + ": no CURVE certificate");
        flux["curveCert"] = s.curve_cert;
    } else {
        if (s.secret_name.empty()) throw Error("MiniCluster " + s.name + ": no secret name");
        flux["curveCertSecret"] = s.secret_name;
    }
    if (s.munge) flux["mungeSecret"] = s.secret_name;

    json spec = {{"size", s.size},
                 {"interactive", false},
                 {"flux", flux},
                 {"containers", json::array({container})}};
    if (s.tasks > 0) spec["tasks"] = s.tasks;
    if (!s.logging.empty()) {
        json logging = json::object();
        for (const auto& [k, v] : s.logging) logging[k] = v;
        spec["logging"] = logging;
    }
    json pod = json::object();
    if (!s.labels.empty()) pod["labels"] = s.labels;
    if (!s.node_selector.empty()) pod["nodeSelector"] = s.node_selector;
    if (!s.service_account.empty()) pod["serviceAccountName"] = s.service_account;
    if (!pod.empty()) spec["pod"] = pod;

    json metadata = {{"name", s.name}, {"namespace", s.ns}};
    if (!s.labels.empty()) metadata["labels"] = s.labels;
    return {{"apiVersion", "flux-framework.org/" + s.api_version},
            {"kind", "MiniCluster"},
            {"metadata", metadata},
            {"spec", spec}};
}

json burst_secret_manifest(const std::string& name, const std::string& ns,
                           const std::string& curve_cert, const std::string& munge_key,
                           const std::map<std::string, std::string>& labels) {
    json data = {{kCurveCertKey, base64_encode(curve_cert)}};
    if (!munge_key.empty()) data[kMungeKeyKey] = base64_encode(munge_key);
    json metadata = {{"name", name}, {"namespace", ns}};
    if (!labels.empty()) metadata["labels"] = labels;
    return {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"metadata", metadata},
            {"type", "Opaque"},
            {"data", data}};
}

json namespace_manifest(const std::string& name, const std::map<std::string, std::string>& labels) {
    json metadata = {{"name", name}};
    if (!labels.empty()) metadata["labels"] = labels;
    return {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", metadata}};
}

}  // namespace fluxburst::cloud
