// The AWS side of an EKS burst: the cluster and the managed node group the burst's
// pods run on. Uses an existing cluster or creates one, then a node group sized for
// the burst (grown with update-config for a later, larger burst), waits for each to
// be ACTIVE with a bound, and gives back, in reverse order, only what it created or
// changed.
//
// Everything it creates is recorded in the state before the request is sent (and
// tagged "fluxburst-owner" with this state's owner id), so a controller that dies
// half-way finds, on restart, what is its own and what is not.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws_eks_api.hpp"
#include "cluster_unburst.hpp"

namespace fluxburst::eks {

struct ClusterOptions {
    std::string cluster;
    /// Create the cluster when it does not exist (else a missing cluster is an error).
    bool create_cluster = true;
    /// Needed to create the cluster: its IAM role, and two or more subnets in two
    /// availability zones.
    std::string cluster_role_arn;
    std::vector<std::string> subnets;
    std::vector<std::string> security_groups;
    std::string kubernetes_version;  ///< "" = EKS's default
    /// The managed node group; created when absent (needs node_role_arn; subnets
    /// default to the cluster's).
    std::string nodegroup;
    std::string node_role_arn;
    std::string instance_type = "m5.large";
    std::string capacity_type = "ON_DEMAND";
    std::string ami_type;        ///< "" = EKS's default
    std::int64_t disk_size = 0;  ///< GiB; 0 = EKS's default
    std::int64_t min_size = 0;   ///< node group scaling when created
    std::int64_t max_size = 8;
    std::map<std::string, std::string> tags;
    std::chrono::milliseconds create_timeout{std::chrono::minutes(30)};
    std::chrono::milliseconds delete_timeout{std::chrono::minutes(20)};
    std::chrono::milliseconds poll_interval{std::chrono::seconds(15)};
};

/// Applies a change to the plugin's state object under a lock and returns the
/// state written (fluxburst::StateFile::update, or a test's stand-in).
using StateUpdate =
    std::function<nlohmann::json(const std::function<void(nlohmann::json& state)>& change)>;

/// How to reach the cluster's Kubernetes API server.
struct ClusterAccess {
    std::string endpoint;  ///< https://...
    std::string ca_data;   ///< the cluster CA as EKS gives it: base64 of the PEM
    nlohmann::json details;
};

/// One step of giving back: what, and how it went.
using ReleaseStep = cloud::ReleaseStep;

class ClusterLifecycle {
public:
    /// Records under state key "eks".
    ClusterLifecycle(cloud::EksApi& api, ClusterOptions options, StateUpdate state);

    /// The cluster ACTIVE and its node group ACTIVE with at least `nodes` desired
    /// nodes; creates or grows what is needed. Throws cloud::AwsError (AWS's message),
    /// cloud::HttpError, or fluxburst::Error (a FAILED or DEGRADED status with AWS's
    /// health issues, a timeout naming the status last seen). What was created stays
    /// recorded for release().
    ClusterAccess ensure(std::int64_t nodes);

    /// How to reach the cluster as it is now (nothing created or waited for), or
    /// nullopt when it does not exist.
    std::optional<ClusterAccess> access();

    /// Gives back in reverse order what ensure() created or changed: the node group
    /// (deleted, or its scaling restored when it was found), then the cluster, each
    /// waited for with delete_timeout. Every step is tried whatever happened to the
    /// ones before; a failed step stays recorded for the next release().
    std::vector<ReleaseStep> release();

    /// The recorded state ({} when nothing is recorded).
    nlohmann::json recorded();

    const ClusterOptions& options() const { return options_; }

private:
    nlohmann::json update(const std::function<void(nlohmann::json& eks)>& change);
    ClusterAccess access_of(const nlohmann::json& cluster, const nlohmann::json& nodegroup);
    std::string owner();
    nlohmann::json ensure_cluster();
    nlohmann::json wait_cluster_active(const std::string& why);
    nlohmann::json wait_active(const std::string& what, const std::string& key,
                               const std::function<std::optional<nlohmann::json>()>& describe,
                               const std::function<bool(const nlohmann::json&)>& ready,
                               const std::vector<std::string>& failed);
    nlohmann::json ensure_nodegroup(const nlohmann::json& cluster, std::int64_t nodes);
    nlohmann::json wait_nodegroup_active(std::int64_t nodes, const std::string& why);
    ReleaseStep release_nodegroup(const nlohmann::json& record);
    ReleaseStep release_cluster(const nlohmann::json& record);
    ReleaseStep release_one(ReleaseStep step, const std::string& key, const nlohmann::json& record,
                            const std::function<std::optional<nlohmann::json>()>& describe,
                            const std::function<void()>& remove, const char* failed_status);
    bool owned(const nlohmann::json& resource);

    cloud::EksApi& api_;
    ClusterOptions options_;
    StateUpdate state_;
};

/// "Cluster issues: <code>: <message>; ..." from a resource's health.issues ("" if none).
std::string health_issues(const nlohmann::json& resource);

}  // namespace fluxburst::eks
