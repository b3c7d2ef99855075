#include "flux_operator.hpp"

#include <fluxburst/error.hpp>

#include "kube_manifest.hpp"

namespace fluxburst::cloud {
namespace {

using nlohmann::json;

/// The Deployments of the manifest that are not yet available: "ns/name" each.
std::vector<std::string> deployments_not_ready(KubeClient& client,
                                               const std::vector<json>& objects) {
    const KubeResource deployments{"/apis/apps/v1", "deployments", true};
    std::vector<std::string> waiting;
    for (const auto& o : objects) {
        if (o.value("kind", "") != "Deployment" || o.value("apiVersion", "") != "apps/v1") continue;
        const json meta = o["metadata"];
        std::string ns = meta.value("namespace", std::string());
        if (ns.empty()) ns = "default";
        const std::string name = meta["name"].get<std::string>();
        std::optional<json> d = client.get(deployments, ns, name);
        const json status = d ? d->value("status", json::object()) : json::object();
        if (!status.is_object() || status.value("availableReplicas", std::int64_t{0}) < 1)
            waiting.push_back(ns + "/" + name);
    }
    return waiting;
}

}  // namespace

bool flux_operator_served(KubeClient& client, const std::string& api_version) {
    std::optional<json> list = client.get_path("/apis/flux-framework.org/" + api_version);
    if (!list || !list->is_object()) return false;
    for (const auto& r : list->value("resources", json::array()))
        if (r.is_object() && r.value("name", "") == "miniclusters") return true;
    return false;
}

std::string ensure_flux_operator(KubeClient& client, const FluxOperatorInstall& install) {
    const std::string api = "flux-framework.org/" + install.api_version;
    if (flux_operator_served(client, install.api_version)) return "";
    const std::string where = client.connection().origin;
    if (install.manifest.empty())
        throw Error("the Flux Operator is not installed on " + where + " (no MiniCluster API " +
                    api +
                    "): install it (kubectl apply -f flux-operator.yaml of a release), or set "
                    "operator_manifest to that file and the plugin installs it");
    const ManifestResult applied = apply_manifest(client, install.manifest);
    std::vector<std::string> waiting;
    bool served = false;
    const bool ready = KubeClient::wait_for(
        [&] {
            served = served || flux_operator_served(client, install.api_version);
            waiting = deployments_not_ready(client, install.manifest);
            return served && waiting.empty();
        },
        install.timeout, install.poll);
    if (!ready) {
        std::string missing = served ? "" : "the MiniCluster API " + api + " is not served";
        for (const auto& d : waiting)
            missing += (missing.empty() ? "" : "; ") + std::string("Deployment ") + d +
                       " has no available replica";
        throw Error("the Flux Operator installed from " + install.origin + " on " + where +
                    " is not ready after " + std::to_string(install.timeout.count() / 1000) +
                    " s (operator_timeout): " + missing);
    }
    return "Flux Operator installed from " + install.origin + " (" +
           std::to_string(applied.created.size()) + " objects created, " +
           std::to_string(applied.existed.size()) + " already there)";
}

}  // namespace fluxburst::cloud
