#include "fake_gke.hpp"

#include <regex>

#include "base64.hpp"
#include "fake_server.hpp"

namespace test {

using nlohmann::json;

FakeGke::FakeGke(const TlsIdentity& server)
    : FakeGoogleApi(server, TEST_DATA_DIR "/google/container-v1-cluster.json") {
    start();
}

void FakeGke::set_cluster_endpoint(const std::string& host_port, const std::string& ca_pem) {
    std::lock_guard<std::mutex> lock(mutex_);
    cluster_endpoint_ = host_port;
    cluster_ca_b64_ = fluxburst::cloud::base64_encode(ca_pem);
}

void FakeGke::add_cluster(const std::string& location, const std::string& name,
                          const std::string& pool, int nodes) {
    std::lock_guard<std::mutex> lock(mutex_);
    clusters_[location + "/" + name] = {
        {"name", name},
        {"status", "RUNNING"},
        {"endpoint", cluster_endpoint_},
        {"masterAuth", {{"clusterCaCertificate", cluster_ca_b64_}}},
        {"nodePools",
         json::array({{{"name", pool}, {"initialNodeCount", nodes}, {"status", "RUNNING"}}})}};
}

void FakeGke::fail_clusters(const std::string& status, const std::string& message) {
    std::lock_guard<std::mutex> lock(mutex_);
    fail_status_ = status;
    fail_message_ = message;
}

void FakeGke::stall(bool stall) {
    std::lock_guard<std::mutex> lock(mutex_);
    stall_ = stall;
}

std::map<std::string, json> FakeGke::clusters() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return clusters_;
}

namespace {
json* find_pool(json& cluster, const std::string& pool) {
    for (auto& p : cluster["nodePools"])
        if (p["name"] == pool) return &p;
    return nullptr;
}
}  // namespace

// One step of whatever `key` ("location/cluster" or ".../pool") is doing.
void FakeGke::tick(const std::string& key) {
    if (stall_) return;
    int n = ++ticks_[key];
    auto slash = key.find('/', key.find('/') + 1);
    std::string ckey = slash == std::string::npos ? key : key.substr(0, slash);
    auto it = clusters_.find(ckey);
    if (it == clusters_.end() || n < 2) return;
    json& c = it->second;
    if (slash == std::string::npos) {
        std::string status = c["status"];
        if (status == "PROVISIONING") {
            c["status"] = fail_status_.empty() ? "RUNNING" : fail_status_;
            if (!fail_status_.empty()) c["statusMessage"] = fail_message_;
            for (auto& p : c["nodePools"]) p["status"] = "RUNNING";
        } else if (status == "STOPPING") {
            clusters_.erase(it);
        }
        return;
    }
    std::string pool = key.substr(slash + 1);
    json* p = find_pool(c, pool);
    if (!p) return;
    if ((*p)["status"] == "PROVISIONING" || (*p)["status"] == "RECONCILING")
        (*p)["status"] = "RUNNING";
    else if ((*p)["status"] == "STOPPING") {
        json pools = json::array();
        for (auto& q : c["nodePools"])
            if (q["name"] != pool) pools.push_back(q);
        c["nodePools"] = pools;
    }
}

json FakeGke::op_json(const std::string& name, const Operation& op) const {
    return {{"name", name},
            {"operationType", op.type},
            {"location", op.location},
            {"status", op.done ? "DONE" : (op.polls == 0 ? "PENDING" : "RUNNING")},
            {"targetLink", op.cluster + (op.pool.empty() ? "" : "/nodePools/" + op.pool)}};
}

void FakeGke::serve(const httplib::Request& req, httplib::Response& res) {
    auto answer = [&](const json& body) { FakeGoogleApi::answer(res, body); };
    auto error = [&](int status, const std::string& reason, const std::string& message) {
        FakeGoogleApi::error(res, status, reason, message);
    };
    static const std::regex route(
        "/v1/projects/([a-z0-9-]+)/locations/([a-z0-9-]+)/(clusters|operations)"
        "(?:/([a-z0-9-]+)(?:/nodePools(?:/([a-z0-9-]+)(:setSize)?)?)?)?");
    std::smatch m;
    if (!std::regex_match(req.path, m, route))
        return error(404, "NOT_FOUND", "no such URL " + req.path);
    std::string location = m[2], kind = m[3], name = m[4], pool = m[5];
    bool set_size = m[6].matched;
    bool pools = req.path.find("/nodePools") != std::string::npos;
    auto new_op = [&](const std::string& type, const std::string& cluster, const std::string& p) {
        std::string op = "operation-" + std::to_string(++next_op_);
        Operation o;
        o.location = location;
        o.type = type;
        o.cluster = cluster;
        o.pool = p;
        operations_[op] = o;
        return op_json(op, o);
    };
    auto body_of = [&](const std::string& schema) { return checked_body(req, res, schema); };
    if (kind == "operations") {
        auto it = operations_.find(name);
        if (it == operations_.end())
            return error(404, "NOT_FOUND", "Operation " + name + " not found");
        Operation& op = it->second;
        if (!stall_) {
            ++op.polls;
            std::string key =
                op.location + "/" + op.cluster + (op.pool.empty() ? "" : "/" + op.pool);
            tick(key);
            if (op.polls >= 2) op.done = true;
        }
        return answer(op_json(name, op));
    }
    std::string key = location + "/" + name;
    if (req.method == "POST" && name.empty()) {
        json body = body_of("CreateClusterRequest");
        if (body.is_null()) return;
        json c = body["cluster"];
        std::string cname = c.value("name", "");
        if (clusters_.count(location + "/" + cname))
            return error(409, "ALREADY_EXISTS",
                         "Already exists: projects/" + std::string(m[1]) + "/locations/" +
                             location + "/clusters/" + cname + ".");
        c["status"] = "PROVISIONING";
        c["endpoint"] = cluster_endpoint_;
        c["masterAuth"] = {{"clusterCaCertificate", cluster_ca_b64_}};
        for (auto& p : c["nodePools"]) p["status"] = "PROVISIONING";
        clusters_[location + "/" + cname] = c;
        return answer(new_op("CREATE_CLUSTER", cname, ""));
    }
    auto it = clusters_.find(key);
    if (it == clusters_.end())
        return error(404, "NOT_FOUND",
                     "Not found: projects/" + std::string(m[1]) + "/locations/" + location +
                         "/clusters/" + name + ".");
    json& c = it->second;
    if (!pools) {
        if (req.method == "GET") {
            json copy = c;
            tick(key);
            return answer(copy);
        }
        if (req.method == "DELETE") {
            c["status"] = "STOPPING";
            return answer(new_op("DELETE_CLUSTER", name, ""));
        }
        return error(405, "INVALID_ARGUMENT", "bad method");
    }
    if (pool.empty() && req.method == "POST") {
        json body = body_of("CreateNodePoolRequest");
        if (body.is_null()) return;
        json p = body["nodePool"];
        if (find_pool(c, p.value("name", "")))
            return error(409, "ALREADY_EXISTS", "Already exists: node pool " + p.value("name", ""));
        p["status"] = "PROVISIONING";
        c["nodePools"].push_back(p);
        return answer(new_op("CREATE_NODE_POOL", name, p["name"]));
    }
    json* p = find_pool(c, pool);
    if (!p) return error(404, "NOT_FOUND", "Not found: node pool " + pool + ".");
    if (set_size && req.method == "POST") {
        json body = body_of("SetNodePoolSizeRequest");
        if (body.is_null()) return;
        (*p)["initialNodeCount"] = body["nodeCount"];
        (*p)["status"] = "RECONCILING";
        return answer(new_op("SET_NODE_POOL_SIZE", name, pool));
    }
    if (req.method == "GET") {
        json copy = *p;
        tick(key + "/" + pool);
        return answer(copy);
    }
    if (req.method == "DELETE") {
        (*p)["status"] = "STOPPING";
        return answer(new_op("DELETE_NODE_POOL", name, pool));
    }
    return error(405, "INVALID_ARGUMENT", "bad method");
}

}  // namespace test
