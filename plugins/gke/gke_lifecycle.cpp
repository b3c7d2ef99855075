#include "gke_lifecycle.hpp"

#include <openssl/rand.h>

#include <fluxburst/error.hpp>

#include "aws_sigv4.hpp"  // hex_encode
#include "base64.hpp"
#include "google_api.hpp"

namespace fluxburst::gke {
namespace {

using nlohmann::json;

std::string status_of(const json& resource) {
    return resource.is_object() ? resource.value("status", std::string("?")) : "?";
}

std::int64_t size_of(const json& pool) {
    return pool.is_object() ? pool.value("initialNodeCount", std::int64_t{0}) : 0;
}

const char* const kept = "; it stays recorded: `flux-burst unburst` gives it back";

}  // namespace

ClusterLifecycle::ClusterLifecycle(GkeLocation& location, ClusterOptions options, StateUpdate state)
    : location_(location), options_(std::move(options)), state_(std::move(state)) {}

json ClusterLifecycle::update(const std::function<void(json& gke)>& change) {
    json state = state_([&](json& s) {
        if (!s.contains("gke") || !s["gke"].is_object()) s["gke"] = json::object();
        change(s["gke"]);
    });
    return state.value("gke", json::object());
}

json ClusterLifecycle::recorded() {
    return update([](json&) {});
}

std::string ClusterLifecycle::where() const {
    return options_.cluster + " (" + location_.project() + "/" + location_.location() + ")";
}

std::string ClusterLifecycle::owner() {
    json gke = update([](json& g) {
        if (g.value("owner", std::string()).empty()) {
            unsigned char bytes[8];
            if (RAND_bytes(bytes, sizeof bytes) != 1)
                throw Error("gke: cannot make a random owner id (OpenSSL RAND_bytes)");
            g["owner"] = "fb-" + cloud::hex_encode(std::string_view(
                                     reinterpret_cast<const char*>(bytes), sizeof bytes));
        }
    });
    return gke["owner"];
}

// A cluster carries the owner in its resource labels, a node pool in its nodes' labels.
bool ClusterLifecycle::owned(const json& resource, bool pool) {
    json labels = pool ? resource.value("config", json::object()).value("labels", json::object())
                       : resource.value("resourceLabels", json::object());
    return labels.is_object() && labels.value("fluxburst-owner", std::string()) == owner();
}

ClusterAccess ClusterLifecycle::access_of(const json& cluster) {
    ClusterAccess access;
    const std::string endpoint = cluster.value("endpoint", std::string());
    if (endpoint.empty())
        throw Error("gke: cluster " + where() + " has no endpoint (is it still provisioning?)");
    access.endpoint = "https://" + endpoint;
    const json auth = cluster.value("masterAuth", json::object());
    const std::string ca = auth.is_object() ? auth.value("clusterCaCertificate", "") : "";
    std::optional<std::string> pem = cloud::base64_decode(ca);
    if (!pem || pem->empty())
        throw Error("gke: cluster " + where() + " has no readable masterAuth.clusterCaCertificate");
    access.ca_pem = *pem;
    json record = recorded();
    access.details = {{"cluster", options_.cluster},
                      {"location", location_.location()},
                      {"cluster_status", status_of(cluster)},
                      {"node_pool", options_.pool.name},
                      {"pool_nodes", record.value("pool", json::object()).value("size", 0)},
                      {"recorded", record}};
    return access;
}

ClusterAccess ClusterLifecycle::ensure(std::int64_t nodes) {
    if (nodes < 1)
        throw Error("gke: a burst needs at least one node, not " + std::to_string(nodes));
    if (nodes > options_.max_nodes)
        throw Error("gke: " + std::to_string(nodes) +
                    " nodes in all (the bursts running and this one) is more than "
                    "pool_max_nodes=" +
                    std::to_string(options_.max_nodes) + " (raise pool_max_nodes)");
    ensure_cluster(nodes);
    ensure_pool(nodes);
    return access_of(location_.wait_running(options_.cluster, options_.create_waits));
}

std::optional<ClusterAccess> ClusterLifecycle::access() {
    json cluster = location_.find_cluster(options_.cluster);
    if (cluster.is_null()) return std::nullopt;
    return access_of(cluster);
}

json ClusterLifecycle::ensure_cluster(std::int64_t nodes) {
    const std::string& name = options_.cluster;
    json record = recorded().value("cluster", json());
    json found = location_.find_cluster(name);
    if (found.is_null() && record.is_object())  // recorded, but gone: deleted outside
        update([](json& g) {
            g.erase("cluster");
            g.erase("pool");
        });
    if (found.is_null()) {
        if (!options_.create_cluster)
            throw Error("gke: cluster " + where() +
                        " does not exist (create_cluster is false: create it, or set "
                        "create_cluster=true)");
        const std::string id = owner();
        auto labels = options_.labels;
        labels["fluxburst-owner"] = id;
        NodePoolSpec pool = options_.pool;
        pool.nodes = nodes;
        pool.labels["fluxburst-owner"] = id;
        update([&](json& g) {
            g["cluster"] = {{"name", name}, {"created", "pending"}};
            g["pool"] = {{"name", pool.name}, {"created", "with-cluster"}, {"size", nodes}};
        });
        json op;
        try {
            op = location_.create_cluster(create_cluster_body(name, pool, labels));
        } catch (const cloud::GoogleApiError& e) {
            // GKE answered: nothing was created by this request.
            update([](json& g) {
                g.erase("cluster");
                g.erase("pool");
            });
            if (e.http_status() != 409) throw;
            found = location_.find_cluster(name);  // made meanwhile by someone else
            if (found.is_null()) throw;
        }  // No answer at all: the record stays "pending", and the owner label decides on
           // the next ensure() or release() whether the cluster is ours.
        if (found.is_null()) {
            update([](json& g) { g["cluster"]["created"] = "yes"; });
            try {
                location_.wait_operation(op, options_.create_waits, "creation of cluster " + name);
                return location_.wait_running(name, options_.create_waits);
            } catch (const fluxburst::Error& e) {
                throw Error(std::string(e.what()) + kept);
            }
        }
    }
    if (record.is_object() && record.value("created", "") == "pending") {
        if (owned(found, false))
            update([](json& g) { g["cluster"]["created"] = "yes"; });
        else
            update([](json& g) {
                g.erase("cluster");
                g.erase("pool");
            });
    }
    if (status_of(found) == "STOPPING")
        throw Error("gke: cluster " + where() +
                    " is being deleted; burst again once it is gone (or name another cluster)");
    try {
        return location_.wait_running(name, options_.create_waits);
    } catch (const fluxburst::Error& e) {
        throw Error(std::string(e.what()) + (recorded().contains("cluster") ? kept : ""));
    }
}

void ClusterLifecycle::ensure_pool(std::int64_t nodes) {
    const std::string& cluster = options_.cluster;
    const std::string& name = options_.pool.name;
    const std::string what = "node pool " + name + " of cluster " + where();
    json record = recorded().value("pool", json());
    json found = location_.find_node_pool(cluster, name);
    if (found.is_null() && record.is_object()) update([](json& g) { g.erase("pool"); });
    if (found.is_null()) {
        const std::string id = owner();
        NodePoolSpec pool = options_.pool;
        pool.nodes = nodes;
        pool.labels["fluxburst-owner"] = id;
        update([&](json& g) {
            g["pool"] = {{"name", name}, {"created", "pending"}, {"size", nodes}};
        });
        json op;
        try {
            op = location_.create_node_pool(cluster, create_node_pool_body(pool));
        } catch (const cloud::GoogleApiError& e) {
            update([](json& g) { g.erase("pool"); });
            if (e.http_status() != 409) throw;
            found = location_.find_node_pool(cluster, name);
            if (found.is_null()) throw;
        }
        if (found.is_null()) {
            update([](json& g) { g["pool"]["created"] = "yes"; });
            try {
                location_.wait_operation(op, options_.create_waits, "creation of " + what);
            } catch (const fluxburst::Error& e) {
                throw Error(std::string(e.what()) + kept);
            }
            return;
        }
    }
    if (record.is_object() && record.value("created", "") == "pending") {
        if (owned(found, true))
            update([](json& g) { g["pool"]["created"] = "yes"; });
        else
            update([](json& g) { g.erase("pool"); });
    }
    if (status_of(found) == "STOPPING" || status_of(found) == "ERROR")
        throw Error("gke: " + what + " is " + status_of(found) + ": " +
                    found.value("statusMessage", std::string("(no message)")));
    // The size: what we set last, else what GKE reports of a pool we found.
    json current = recorded().value("pool", json());
    const std::int64_t size =
        current.is_object() ? current.value("size", size_of(found)) : size_of(found);
    if (size >= nodes) return;
    update([&](json& g) {
        if (!g.contains("pool"))  // found: its size is put back on release
            g["pool"] = {{"name", name}, {"created", "no"}, {"original", size_of(found)}};
    });
    json op = location_.set_node_pool_size(cluster, name, nodes);
    update([&](json& g) { g["pool"]["size"] = nodes; });
    location_.wait_operation(op, options_.create_waits,
                             "resize of " + what + " from " + std::to_string(size) + " to " +
                                 std::to_string(nodes) + " nodes");
}

std::vector<ReleaseStep> ClusterLifecycle::release() {
    std::vector<ReleaseStep> steps;
    json gke = recorded();
    if (gke.contains("pool")) {
        const json pool = gke["pool"];
        // A pool made with the cluster goes with it.
        if (pool.value("created", "") != "with-cluster" || !gke.contains("cluster"))
            steps.push_back(release_pool(pool));
    }
    if (gke.contains("cluster")) steps.push_back(release_cluster(gke["cluster"]));
    return steps;
}

ReleaseStep ClusterLifecycle::release_pool(const json& record) {
    const std::string name = record.value("name", options_.pool.name);
    const std::string& cluster = options_.cluster;
    ReleaseStep step{"node pool " + name + " of cluster " + where(), true, ""};
    auto forget = [&] { update([](json& g) { g.erase("pool"); }); };
    try {
        json found = location_.find_node_pool(cluster, name);
        if (found.is_null()) {
            forget();
            step.message = "already gone";
            return step;
        }
        const std::string created = record.value("created", "");
        if (created == "no") {  // found and grown: its size put back
            const std::int64_t original = record.value("original", std::int64_t{0});
            location_.wait_operation(location_.set_node_pool_size(cluster, name, original),
                                     options_.delete_waits, "resize of " + step.what);
            forget();
            step.what = "size of " + step.what;
            step.message = "restored to " + std::to_string(original) + " nodes";
            return step;
        }
        if (created == "pending" && !owned(found, true)) {
            forget();
            step.message = "not ours (no fluxburst-owner label of this state): left alone";
            return step;
        }
        if (status_of(found) != "STOPPING") {
            try {
                location_.wait_operation(location_.delete_node_pool(cluster, name),
                                         options_.delete_waits, "deletion of " + step.what);
            } catch (const cloud::GoogleApiError& e) {
                if (e.http_status() != 404) throw;
            }
        }
        location_.wait_gone(cluster, name, options_.delete_waits);
        forget();
        step.message = "deleted";
    } catch (const std::exception& e) {
        step.ok = false;
        step.message = std::string(e.what()) + "; stays recorded";
    }
    return step;
}

ReleaseStep ClusterLifecycle::release_cluster(const json& record) {
    const std::string name = record.value("name", options_.cluster);
    ReleaseStep step{"cluster " + where(), true, ""};
    auto forget = [&] {
        update([](json& g) {
            g.erase("cluster");
            if (g.contains("pool") && g["pool"].value("created", "") == "with-cluster")
                g.erase("pool");
        });
    };
    try {
        json found = location_.find_cluster(name);
        if (found.is_null()) {
            forget();
            step.message = "already gone";
            return step;
        }
        if (record.value("created", "") == "pending" && !owned(found, false)) {
            forget();
            step.message = "not ours (no fluxburst-owner label of this state): left alone";
            return step;
        }
        if (status_of(found) != "STOPPING") {
            try {
                // The deletion's operation is not waited for: the cluster being gone is.
                location_.delete_cluster(name);
            } catch (const cloud::GoogleApiError& e) {
                if (e.http_status() != 404) throw;
            }
        }
        location_.wait_gone(name, "", options_.delete_waits);
        forget();
        step.message = "deleted";
    } catch (const std::exception& e) {
        step.ok = false;
        step.message = std::string(e.what()) + "; stays recorded";
    }
    return step;
}

}  // namespace fluxburst::gke
