// The Flux Operator on a cluster: found when the API server serves MiniClusters,
// else installed from its manifest (the operator's release YAML, a parameter) and
// waited for, with a bound, until MiniClusters are served and its Deployments run.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube_client.hpp"

namespace fluxburst::cloud {

struct FluxOperatorInstall {
    /// The manifest's objects (read_manifest); empty: the operator must be there.
    std::vector<nlohmann::json> manifest;
    /// Where the manifest came from (messages).
    std::string origin;
    /// The MiniCluster API version the bursts use (v1alpha2, v1alpha1).
    std::string api_version = "v1alpha2";
    std::chrono::milliseconds timeout{std::chrono::minutes(5)};
    std::chrono::milliseconds poll{std::chrono::seconds(2)};
};

/// Whether the API server serves MiniClusters in `api_version`.
bool flux_operator_served(KubeClient& client, const std::string& api_version);

/// Nothing when MiniClusters are served; else applies the manifest and waits for the
/// operator. Returns what it did for the report ("" when the operator was there).
/// Throws fluxburst::Error naming the fix when the operator is absent and no manifest
/// is given, when it is not ready in time (naming what is missing), or with the API's
/// message when an object is refused.
std::string ensure_flux_operator(KubeClient& client, const FluxOperatorInstall& install);

}  // namespace fluxburst::cloud
