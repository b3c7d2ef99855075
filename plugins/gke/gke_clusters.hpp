// The GKE (container.googleapis.com/v1) calls the gke plugin makes in one project
// and location: clusters and node pools created, read, resized and deleted, their
// operations followed, and the waits for a cluster to run, each bounded.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "google_api.hpp"

namespace fluxburst::gke {

/// What a node pool the plugin creates is made of.
struct NodePoolSpec {
    std::string name;
    std::int64_t nodes = 1;
    std::string machine_type;
    std::int64_t disk_size_gb = 0;  ///< 0: GKE's default
    std::vector<std::string> tags;
    std::map<std::string, std::string> labels;  ///< Kubernetes labels on the nodes
};

/// The CreateClusterRequest body: cluster `name` with `pool`, and resource labels.
nlohmann::json create_cluster_body(const std::string& name, const NodePoolSpec& pool,
                                   const std::map<std::string, std::string>& labels);
/// The CreateNodePoolRequest body.
nlohmann::json create_node_pool_body(const NodePoolSpec& pool);

/// How long and how often to wait.
struct Waits {
    std::chrono::milliseconds timeout{std::chrono::minutes(20)};
    std::chrono::milliseconds poll{std::chrono::seconds(10)};
};

class GkeLocation {
public:
    GkeLocation(cloud::GoogleApiClient& api, std::string project, std::string location);

    /// The cluster, or null when it does not exist (404). Other errors throw.
    nlohmann::json find_cluster(const std::string& cluster);
    /// The node pool, or null when it does not exist.
    nlohmann::json find_node_pool(const std::string& cluster, const std::string& pool);

    nlohmann::json create_cluster(const nlohmann::json& body);  ///< the Operation
    nlohmann::json create_node_pool(const std::string& cluster, const nlohmann::json& body);
    nlohmann::json set_node_pool_size(const std::string& cluster, const std::string& pool,
                                      std::int64_t nodes);
    nlohmann::json delete_cluster(const std::string& cluster);
    nlohmann::json delete_node_pool(const std::string& cluster, const std::string& pool);
    nlohmann::json operation(const std::string& name);

    /// Poll the operation until DONE; throws fluxburst::Error with GKE's message when
    /// it failed, or naming it and the timeout when it is not done in time.
    void wait_operation(const nlohmann::json& operation, const Waits& waits,
                        const std::string& what);
    /// Poll the cluster until RUNNING and return it; ERROR or DEGRADED (or STOPPING,
    /// or gone) throw fluxburst::Error with GKE's status message; so does the timeout.
    nlohmann::json wait_running(const std::string& cluster, const Waits& waits);
    /// Poll until the cluster (or, when `pool` is given, the node pool) is gone (404).
    void wait_gone(const std::string& cluster, const std::string& pool, const Waits& waits);

    const std::string& project() const { return project_; }
    const std::string& location() const { return location_; }

private:
    std::string cluster_path(const std::string& cluster) const;
    cloud::GoogleApiClient& api_;
    std::string project_, location_;
};

}  // namespace fluxburst::gke
