// The Google side of a GKE burst: the cluster and the node pool the burst's pods run
// on. Uses an existing cluster or creates one (its first node pool sized for the
// burst), creates the node pool in a cluster it found when the pool is absent, grows
// the pool (setSize) for a later, larger burst, waits for each change with a bound,
// and gives back, in reverse order, only what it created or changed: a pool it found
// gets its size back, one it created is deleted, a cluster it created is deleted.
//
// Everything it creates is recorded in the state before the request is sent (and
// labelled "fluxburst-owner" with this state's owner id), so a controller that dies
// half-way finds, on restart, what is its own and what is not.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster_unburst.hpp"
#include "gke_clusters.hpp"

namespace fluxburst::gke {

struct ClusterOptions {
    std::string cluster;
    /// Create the cluster when it does not exist (else a missing cluster is an error).
    bool create_cluster = true;
    /// The node pool the bursts run on; `pool.nodes` is ignored (sized per burst).
    NodePoolSpec pool;
    /// The most nodes the pool may have (all bursts at once).
    std::int64_t max_nodes = 8;
    /// Resource labels of a cluster it creates (fluxburst-owner is added).
    std::map<std::string, std::string> labels;
    Waits create_waits;  ///< cluster RUNNING, pool created or resized
    Waits delete_waits;  ///< pool or cluster gone, pool size restored
};

/// Applies a change to the plugin's state object under a lock and returns the
/// state written (fluxburst::StateFile::update, or a test's stand-in).
using StateUpdate =
    std::function<nlohmann::json(const std::function<void(nlohmann::json& state)>& change)>;

/// How to reach the cluster's Kubernetes API server.
struct ClusterAccess {
    std::string endpoint;  ///< https://<cluster endpoint>
    std::string ca_pem;    ///< the cluster CA (decoded masterAuth.clusterCaCertificate)
    nlohmann::json details;
};

/// One step of giving back: what, and how it went.
using ReleaseStep = cloud::ReleaseStep;

class ClusterLifecycle {
public:
    /// Records under state key "gke".
    ClusterLifecycle(GkeLocation& location, ClusterOptions options, StateUpdate state);

    /// The cluster RUNNING with its pool of at least `nodes` nodes; creates or grows
    /// what is needed. Throws cloud::GoogleApiError (Google's words) or
    /// fluxburst::Error (ERROR or DEGRADED with GKE's message, a timeout naming the
    /// status last seen). What was created stays recorded for release().
    ClusterAccess ensure(std::int64_t nodes);

    /// How to reach the cluster as it is now (nothing created or waited for), or
    /// nullopt when it does not exist.
    std::optional<ClusterAccess> access();

    /// Gives back in reverse order what ensure() created or changed: the node pool
    /// (deleted, or its size restored when it was found), then the cluster, each
    /// waited for. Every step is tried whatever happened to the ones before; a failed
    /// step stays recorded for the next release().
    std::vector<ReleaseStep> release();

    /// The recorded state ({} when nothing is recorded).
    nlohmann::json recorded();

    const ClusterOptions& options() const { return options_; }

private:
    nlohmann::json update(const std::function<void(nlohmann::json& gke)>& change);
    std::string owner();
    bool owned(const nlohmann::json& resource, bool pool);
    ClusterAccess access_of(const nlohmann::json& cluster);
    nlohmann::json ensure_cluster(std::int64_t nodes);
    void ensure_pool(std::int64_t nodes);
    ReleaseStep release_pool(const nlohmann::json& record);
    ReleaseStep release_cluster(const nlohmann::json& record);
    std::string where() const;

    GkeLocation& location_;
    ClusterOptions options_;
    StateUpdate state_;
};

}  // namespace fluxburst::gke
