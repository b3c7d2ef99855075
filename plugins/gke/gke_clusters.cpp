#include "gke_clusters.hpp"

#include <fluxburst/error.hpp>
#include <thread>

#include "http.hpp"

namespace fluxburst::gke {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

json node_config(const NodePoolSpec& pool) {
    json config = {
        {"machineType", pool.machine_type},
        {"oauthScopes", json::array({"https://www.googleapis.com/auth/cloud-platform"})}};
    if (pool.disk_size_gb > 0) config["diskSizeGb"] = pool.disk_size_gb;
    if (!pool.tags.empty()) config["tags"] = pool.tags;
    if (!pool.labels.empty()) config["labels"] = pool.labels;
    return config;
}

json node_pool(const NodePoolSpec& pool) {
    return {{"name", pool.name},
            {"initialNodeCount", pool.nodes},
            {"config", node_config(pool)},
            {"management", {{"autoRepair", true}, {"autoUpgrade", false}}}};
}

std::string seconds(std::chrono::milliseconds ms) {
    return std::to_string((ms.count() + 999) / 1000) + " s";
}

}  // namespace

json create_cluster_body(const std::string& name, const NodePoolSpec& pool,
                         const std::map<std::string, std::string>& labels) {
    json cluster = {{"name", name}, {"nodePools", json::array({node_pool(pool)})}};
    if (!labels.empty()) cluster["resourceLabels"] = labels;
    return {{"cluster", cluster}};
}

json create_node_pool_body(const NodePoolSpec& pool) {
    return {{"nodePool", node_pool(pool)}};
}

GkeLocation::GkeLocation(cloud::GoogleApiClient& api, std::string project, std::string location)
    : api_(api), project_(std::move(project)), location_(std::move(location)) {}

std::string GkeLocation::cluster_path(const std::string& cluster) const {
    return "/projects/" + cloud::url_escape(project_) + "/locations/" +
           cloud::url_escape(location_) + "/clusters/" + cloud::url_escape(cluster);
}

json GkeLocation::find_cluster(const std::string& cluster) {
    try {
        return api_.call("GET", cluster_path(cluster));
    } catch (const cloud::GoogleApiError& e) {
        if (e.http_status() == 404) return nullptr;
        throw;
    }
}

json GkeLocation::find_node_pool(const std::string& cluster, const std::string& pool) {
    try {
        return api_.call("GET", cluster_path(cluster) + "/nodePools/" + cloud::url_escape(pool));
    } catch (const cloud::GoogleApiError& e) {
        if (e.http_status() == 404) return nullptr;
        throw;
    }
}

json GkeLocation::create_cluster(const json& body) {
    return api_.call("POST",
                     "/projects/" + cloud::url_escape(project_) + "/locations/" +
                         cloud::url_escape(location_) + "/clusters",
                     body);
}

json GkeLocation::create_node_pool(const std::string& cluster, const json& body) {
    return api_.call("POST", cluster_path(cluster) + "/nodePools", body);
}

json GkeLocation::set_node_pool_size(const std::string& cluster, const std::string& pool,
                                     std::int64_t nodes) {
    return api_.call("POST",
                     cluster_path(cluster) + "/nodePools/" + cloud::url_escape(pool) + ":setSize",
                     json{{"nodeCount", nodes}});
}

json GkeLocation::delete_cluster(const std::string& cluster) {
    return api_.call("DELETE", cluster_path(cluster));
}

json GkeLocation::delete_node_pool(const std::string& cluster, const std::string& pool) {
    return api_.call("DELETE", cluster_path(cluster) + "/nodePools/" + cloud::url_escape(pool));
}

json GkeLocation::operation(const std::string& name) {
    return api_.call("GET", "/projects/" + cloud::url_escape(project_) + "/locations/" +
                                cloud::url_escape(location_) + "/operations/" +
                                cloud::url_escape(name));
}

void GkeLocation::wait_operation(const json& op, const Waits& waits, const std::string& what) {
    std::string name = op.value("name", std::string());
    if (name.empty()) throw Error("GKE answered " + what + " without an operation name");
    auto deadline = Clock::now() + waits.timeout;
    json current = op;
    for (;;) {
        if (current.value("status", std::string()) == "DONE") {
            std::string message;
            if (current.contains("error") && current["error"].is_object())
                message = current["error"].value("message", std::string());
            if (message.empty()) message = current.value("statusMessage", std::string());
            if (!message.empty())
                throw Error("GKE " + what + " failed (operation " + name + "): " + message);
            return;
        }
        if (Clock::now() >= deadline)
            throw Error("GKE " + what + " not done after " + seconds(waits.timeout) +
                        " (operation " + name + ", status " +
                        current.value("status", std::string("?")) + ")");
        std::this_thread::sleep_for(waits.poll);
        current = operation(name);
    }
}

json GkeLocation::wait_running(const std::string& cluster, const Waits& waits) {
    auto deadline = Clock::now() + waits.timeout;
    for (;;) {
        json c = find_cluster(cluster);
        if (c.is_null())
            throw Error("GKE cluster " + cluster + " in " + location_ +
                        " disappeared while waiting for it to run");
        std::string status = c.value("status", std::string());
        if (status == "RUNNING") return c;
        if (status == "ERROR" || status == "DEGRADED" || status == "STOPPING")
            throw Error("GKE cluster " + cluster + " is " + status + ": " +
                        c.value("statusMessage", std::string("(no message)")));
        if (Clock::now() >= deadline)
            throw Error("GKE cluster " + cluster + " still " + status + " after " +
                        seconds(waits.timeout));
        std::this_thread::sleep_for(waits.poll);
    }
}

void GkeLocation::wait_gone(const std::string& cluster, const std::string& pool,
                            const Waits& waits) {
    auto deadline = Clock::now() + waits.timeout;
    for (;;) {
        json j = pool.empty() ? find_cluster(cluster) : find_node_pool(cluster, pool);
        if (j.is_null()) return;
        if (Clock::now() >= deadline)
            throw Error(
                "GKE " +
                (pool.empty() ? "cluster " + cluster : "node pool " + pool + " of " + cluster) +
                " still exists (" + j.value("status", std::string("?")) + ") after " +
                seconds(waits.timeout));
        std::this_thread::sleep_for(waits.poll);
    }
}

}  // namespace fluxburst::gke
