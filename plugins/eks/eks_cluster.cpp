#include "eks_cluster.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <thread>

#include "aws_sigv4.hpp"

namespace fluxburst::eks {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string seconds_text(std::chrono::milliseconds d) {
    return std::to_string((d.count() + 999) / 1000) + " s";
}

std::string status_of(const json& resource) {
    return resource.value("status", std::string("?"));
}

std::int64_t desired_of(const json& nodegroup) {
    const json scaling = nodegroup.value("scalingConfig", json::object());
    return scaling.value("desiredSize", std::int64_t{0});
}

}  // namespace

std::string health_issues(const json& resource) {
    std::string out;
    const json health = resource.value("health", json::object());
    const json issues = health.is_object() ? health.value("issues", json::array()) : json::array();
    if (!issues.is_array()) return out;
    for (const auto& issue : issues) {
        if (!issue.is_object()) continue;
        out += (out.empty() ? "" : "; ") + issue.value("code", std::string("issue")) + ": " +
               issue.value("message", std::string());
    }
    return out;
}

ClusterLifecycle::ClusterLifecycle(cloud::EksApi& api, ClusterOptions options, StateUpdate state)
    : api_(api), options_(std::move(options)), state_(std::move(state)) {}

json ClusterLifecycle::update(const std::function<void(json& eks)>& change) {
    json state = state_([&](json& s) {
        if (!s.contains("eks") || !s["eks"].is_object()) s["eks"] = json::object();
        change(s["eks"]);
    });
    return state.value("eks", json::object());
}

json ClusterLifecycle::recorded() {
    return update([](json&) {});
}

std::string ClusterLifecycle::owner() {
    json eks = update([](json& e) {
        if (e.value("owner", std::string()).empty()) {
            unsigned char bytes[8];
            if (RAND_bytes(bytes, sizeof bytes) != 1)
                throw Error("eks: cannot make a random owner id (OpenSSL RAND_bytes)");
            e["owner"] = "fb-" + cloud::hex_encode(std::string_view(
                                     reinterpret_cast<const char*>(bytes), sizeof bytes));
        }
    });
    return eks["owner"];
}

bool ClusterLifecycle::owned(const json& resource) {
    const json tags = resource.value("tags", json::object());
    return tags.is_object() && tags.value("fluxburst-owner", std::string()) == owner();
}

ClusterAccess ClusterLifecycle::ensure(std::int64_t nodes) {
    if (nodes < 1)
        throw Error("eks: a burst needs at least one node, not " + std::to_string(nodes));
    if (nodes > options_.max_size)
        throw Error("eks: " + std::to_string(nodes) +
                    " nodes in all (the bursts running and "
                    "this one) is more than nodegroup_max_size=" +
                    std::to_string(options_.max_size) + " (raise nodegroup_max_size)");
    json cluster = ensure_cluster();
    json nodegroup = ensure_nodegroup(cluster, nodes);
    return access_of(cluster, nodegroup);
}

std::optional<ClusterAccess> ClusterLifecycle::access() {
    std::optional<json> cluster = api_.describe_cluster(options_.cluster);
    if (!cluster) return std::nullopt;
    return access_of(*cluster, json::object());
}

ClusterAccess ClusterLifecycle::access_of(const json& cluster, const json& nodegroup) {
    ClusterAccess access;
    access.endpoint = cluster.value("endpoint", std::string());
    const json ca = cluster.value("certificateAuthority", json::object());
    access.ca_data = ca.is_object() ? ca.value("data", std::string()) : std::string();
    access.details = {{"cluster", options_.cluster},
                      {"cluster_status", status_of(cluster)},
                      {"nodegroup", options_.nodegroup},
                      {"nodegroup_status", status_of(nodegroup)},
                      {"desired_nodes", desired_of(nodegroup)},
                      {"recorded", recorded()}};
    return access;
}

json ClusterLifecycle::ensure_cluster() {
    const std::string& name = options_.cluster;
    json record = recorded().value("cluster", json());
    std::optional<json> found = api_.describe_cluster(name);
    if (!found && record.is_object()) {
        update([](json& e) { e.erase("cluster"); });  // recorded, but gone: deleted outside
    }
    if (!found) {
        if (!options_.create_cluster)
            throw Error("eks: cluster " + name + " does not exist in region " + api_.region() +
                        " (create_cluster is false: create it, or set create_cluster=true)");
        if (options_.cluster_role_arn.empty())
            throw Error("eks: cluster " + name + " does not exist in region " + api_.region() +
                        "; creating it needs cluster_role_arn (the cluster's IAM role)");
        if (options_.subnets.size() < 2)
            throw Error("eks: creating cluster " + name +
                        " needs subnets: at least two, in two availability zones");
        const std::string id = owner();
        json tags = options_.tags;
        tags["fluxburst-owner"] = id;
        json body = {{"name", name},
                     {"roleArn", options_.cluster_role_arn},
                     {"resourcesVpcConfig", {{"subnetIds", options_.subnets}}},
                     {"tags", tags},
                     {"clientRequestToken", id + "-" + name}};
        if (!options_.security_groups.empty())
            body["resourcesVpcConfig"]["securityGroupIds"] = options_.security_groups;
        if (!options_.kubernetes_version.empty()) body["version"] = options_.kubernetes_version;
        update([&](json& e) { e["cluster"] = {{"name", name}, {"created", "pending"}}; });
        try {
            api_.create_cluster(body);
        } catch (const cloud::AwsError& e) {
            update([](json& s) { s.erase("cluster"); });
            if (e.code() != "ResourceInUseException") throw;
            found = api_.describe_cluster(name);  // made meanwhile by someone else: not ours
            if (!found) throw;
        }  // Any other failure (no answer): the record stays "pending", and the owner
           // tag decides on the next ensure() or release() whether the cluster is ours.
        if (!found) {
            update([&](json& e) { e["cluster"]["created"] = "yes"; });
            return wait_cluster_active("created");
        }
    }
    if (record.is_object() && record.value("created", "") == "pending") {
        if (owned(*found))
            update([](json& e) { e["cluster"]["created"] = "yes"; });
        else
            update([](json& e) { e.erase("cluster"); });
    }
    if (status_of(*found) == "DELETING")
        throw Error("eks: cluster " + name +
                    " is being deleted; burst again once it is gone (or name another cluster)");
    return wait_cluster_active("found");
}

json ClusterLifecycle::wait_cluster_active(const std::string& why) {
    const std::string& name = options_.cluster;
    return wait_active(
        "cluster " + name + " (" + why + ")", "cluster",
        [&] { return api_.describe_cluster(name); },
        [](const json& cluster) { return status_of(cluster) == "ACTIVE"; }, {"FAILED", "DELETING"});
}

json ClusterLifecycle::wait_active(const std::string& what, const std::string& key,
                                   const std::function<std::optional<json>()>& describe,
                                   const std::function<bool(const json&)>& ready,
                                   const std::vector<std::string>& failed) {
    const auto deadline = Clock::now() + options_.create_timeout;
    auto kept = [&] {
        return recorded().contains(key) ? "; it stays recorded: `flux-burst unburst` gives it back"
                                        : "";
    };
    std::string last = "?";
    for (;;) {
        std::optional<json> resource = describe();
        if (!resource) throw Error("eks: " + what + " disappeared while waiting for ACTIVE");
        last = status_of(*resource);
        if (ready(*resource)) return *resource;
        if (std::find(failed.begin(), failed.end(), last) != failed.end()) {
            std::string issues = health_issues(*resource);
            throw Error("eks: " + what + " is " + last +
                        (issues.empty() ? std::string() : ": " + issues) + kept());
        }
        if (Clock::now() >= deadline) break;
        std::this_thread::sleep_for(
            std::min<Clock::duration>(options_.poll_interval, deadline - Clock::now()));
    }
    throw Error("eks: " + what + " is still " + last + " after " +
                seconds_text(options_.create_timeout) + " (cluster_create_timeout)" + kept());
}

json ClusterLifecycle::ensure_nodegroup(const json& cluster, std::int64_t nodes) {
    const std::string& name = options_.nodegroup;
    const std::string where = options_.cluster + "/" + name;
    json record = recorded().value("nodegroup", json());
    std::optional<json> found = api_.describe_nodegroup(options_.cluster, name);
    if (!found && record.is_object()) update([](json& e) { e.erase("nodegroup"); });
    if (!found) {
        if (options_.node_role_arn.empty())
            throw Error("eks: node group " + where +
                        " does not exist; creating it needs node_role_arn (the nodes' IAM role)");
        std::vector<std::string> subnets = options_.subnets;
        if (subnets.empty()) {
            const json vpc = cluster.value("resourcesVpcConfig", json::object());
            subnets = vpc.value("subnetIds", std::vector<std::string>{});
        }
        if (subnets.empty())
            throw Error("eks: creating node group " + where +
                        " needs subnets (none given, none in the cluster's VPC configuration)");
        const std::string id = owner();
        json tags = options_.tags;
        tags["fluxburst-owner"] = id;
        json body = {{"nodegroupName", name},
                     {"scalingConfig",
                      {{"minSize", std::min(options_.min_size, nodes)},
                       {"maxSize", std::max(options_.max_size, nodes)},
                       {"desiredSize", nodes}}},
                     {"subnets", subnets},
                     {"instanceTypes", {options_.instance_type}},
                     {"nodeRole", options_.node_role_arn},
                     {"capacityType", options_.capacity_type},
                     {"tags", tags},
                     {"clientRequestToken", id + "-" + name}};
        if (!options_.ami_type.empty()) body["amiType"] = options_.ami_type;
        if (options_.disk_size > 0) body["diskSize"] = options_.disk_size;
        update([&](json& e) { e["nodegroup"] = {{"name", name}, {"created", "pending"}}; });
        try {
            api_.create_nodegroup(options_.cluster, body);
        } catch (const cloud::AwsError& e) {
            update([](json& s) { s.erase("nodegroup"); });
            if (e.code() != "ResourceInUseException") throw;
            found = api_.describe_nodegroup(options_.cluster, name);
            if (!found) throw;
        }
        if (!found) {
            update([&](json& e) { e["nodegroup"]["created"] = "yes"; });
            return wait_nodegroup_active(nodes, "created");
        }
    }
    if (record.is_object() && record.value("created", "") == "pending") {
        if (owned(*found))
            update([](json& e) { e["nodegroup"]["created"] = "yes"; });
        else
            update([](json& e) { e.erase("nodegroup"); });
    }
    if (status_of(*found) == "DELETING")
        throw Error("eks: node group " + where + " is being deleted; burst again once it is gone");
    json active = wait_nodegroup_active(0, "found");
    const json scaling = active.value("scalingConfig", json::object());
    const std::int64_t desired = scaling.value("desiredSize", std::int64_t{0});
    if (desired >= nodes) return active;
    // Grow: remember the scaling of a node group we found, to put it back on release.
    update([&](json& e) {
        if (!e.contains("nodegroup"))
            e["nodegroup"] = {{"name", name}, {"created", "no"}, {"original", scaling}};
    });
    json grown = {{"minSize", scaling.value("minSize", std::int64_t{0})},
                  {"maxSize", std::max(scaling.value("maxSize", nodes), nodes)},
                  {"desiredSize", nodes}};
    api_.update_nodegroup_config(options_.cluster, name, {{"scalingConfig", grown}});
    return wait_nodegroup_active(
        nodes, "grown from " + std::to_string(desired) + " to " + std::to_string(nodes) + " nodes");
}

json ClusterLifecycle::wait_nodegroup_active(std::int64_t nodes, const std::string& why) {
    return wait_active(
        "node group " + options_.cluster + "/" + options_.nodegroup + " (" + why + ")", "nodegroup",
        [&] { return api_.describe_nodegroup(options_.cluster, options_.nodegroup); },
        [&](const json& ng) { return status_of(ng) == "ACTIVE" && desired_of(ng) >= nodes; },
        {"CREATE_FAILED", "DELETE_FAILED", "DEGRADED", "DELETING"});
}

std::vector<ReleaseStep> ClusterLifecycle::release() {
    std::vector<ReleaseStep> steps;
    json eks = recorded();
    if (eks.contains("nodegroup")) steps.push_back(release_nodegroup(eks["nodegroup"]));
    if (eks.contains("cluster")) steps.push_back(release_cluster(eks["cluster"]));
    return steps;
}

namespace {

// Polls `describe` until it answers nullopt (gone); false on timeout.
template <class Describe>
bool wait_gone(Describe describe, std::chrono::milliseconds timeout, std::chrono::milliseconds poll,
               std::string& last, std::string& failure, const char* failed_status) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        std::optional<json> resource = describe();
        if (!resource) return true;
        last = status_of(*resource);
        if (last == failed_status) {
            failure = last;
            std::string issues = health_issues(*resource);
            if (!issues.empty()) failure += ": " + issues;
            return false;
        }
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::min<Clock::duration>(poll, deadline - Clock::now()));
    }
}

}  // namespace

ReleaseStep ClusterLifecycle::release_nodegroup(const json& record) {
    const std::string name = record.value("name", options_.nodegroup);
    const std::string& cluster = options_.cluster;
    if (record.value("created", "") == "no") {  // found and grown: its size put back
        ReleaseStep step{"scaling of node group " + cluster + "/" + name, true, ""};
        try {
            if (api_.describe_nodegroup(cluster, name)) {
                api_.update_nodegroup_config(cluster, name,
                                             {{"scalingConfig", record.value("original", json())}});
                step.message = "restored to " + record.value("original", json()).dump();
            } else {
                step.message = "already gone";
            }
            update([](json& e) { e.erase("nodegroup"); });
        } catch (const std::exception& e) {
            step.ok = false;
            step.message = std::string(e.what()) + "; stays recorded";
        }
        return step;
    }
    return release_one(
        ReleaseStep{"node group " + cluster + "/" + name, true, ""}, "nodegroup", record,
        [&] { return api_.describe_nodegroup(cluster, name); },
        [&] { api_.delete_nodegroup(cluster, name); }, "DELETE_FAILED");
}

ReleaseStep ClusterLifecycle::release_cluster(const json& record) {
    const std::string name = record.value("name", options_.cluster);
    return release_one(
        ReleaseStep{"cluster " + name, true, ""}, "cluster", record,
        [&] { return api_.describe_cluster(name); }, [&] { api_.delete_cluster(name); }, "FAILED");
}

ReleaseStep ClusterLifecycle::release_one(ReleaseStep step, const std::string& key,
                                          const json& record,
                                          const std::function<std::optional<json>()>& describe,
                                          const std::function<void()>& remove,
                                          const char* failed_status) {
    auto forget = [&] { update([&](json& e) { e.erase(key); }); };
    try {
        std::optional<json> found = describe();
        if (!found) {
            forget();
            step.message = "already gone";
            return step;
        }
        if (record.value("created", "") == "pending" && !owned(*found)) {
            forget();
            step.message = "not ours (no fluxburst-owner tag of this state): left alone";
            return step;
        }
        if (status_of(*found) != "DELETING") {
            try {
                remove();
            } catch (const cloud::AwsError& e) {
                if (e.code() != "ResourceNotFoundException") throw;
            }
        }
        std::string last, failure;
        if (wait_gone(describe, options_.delete_timeout, options_.poll_interval, last, failure,
                      failed_status)) {
            forget();
            step.message = "deleted";
            return step;
        }
        step.ok = false;
        step.message = failure.empty()
                           ? "still " + last + " after " + seconds_text(options_.delete_timeout) +
                                 " (cluster_delete_timeout); stays recorded"
                           : failure + "; stays recorded";
    } catch (const std::exception& e) {
        step.ok = false;
        step.message = std::string(e.what()) + "; stays recorded";
    }
    return step;
}

}  // namespace fluxburst::eks
