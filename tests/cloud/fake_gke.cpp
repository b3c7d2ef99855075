#include "fake_gke.hpp"

#include <regex>

#include "base64.hpp"
#include "fake_compute.hpp"  // google_error_body
#include "fake_server.hpp"

namespace test {

using nlohmann::json;

FakeGke::FakeGke(const TlsIdentity& server)
    : https_(server), schema_(TEST_DATA_DIR "/google/container-v1-cluster.json") {
    auto h = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
    https_.http().Get(".*", h);
    https_.http().Post(".*", h);
    https_.http().Delete(".*", h);
    https_.start();
    wait_until_serving(https_.http());
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

void FakeGke::fail_next(const std::string& method, const std::string& path_part, int status,
                        const std::string& message) {
    std::lock_guard<std::mutex> lock(mutex_);
    failures_.push_back({method, path_part, message, status});
}

void FakeGke::stall(bool stall) {
    std::lock_guard<std::mutex> lock(mutex_);
    stall_ = stall;
}

std::map<std::string, json> FakeGke::clusters() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return clusters_;
}

std::vector<std::string> FakeGke::requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
}

std::vector<std::string> FakeGke::errors() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return errors_;
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

void FakeGke::handle(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(req.method + " " + req.path);
    auto answer = [&](const json& body) { res.set_content(body.dump(), "application/json"); };
    auto error = [&](int status, const std::string& reason, const std::string& message) {
        res.status = status;
        res.set_content(google_error_body(status, reason, message), "application/json");
    };
    if (req.get_header_value("Authorization").rfind("Bearer ya29.test-token-", 0) != 0) {
        errors_.push_back(req.path + ": no valid bearer token");
        return error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
    }
    for (auto it = failures_.begin(); it != failures_.end(); ++it) {
        if (it->method == req.method && req.path.find(it->path_part) != std::string::npos) {
            Failure f = *it;
            failures_.erase(it);
            return error(f.status, f.status == 403 ? "PERMISSION_DENIED" : "FAILED_PRECONDITION",
                         f.message);
        }
    }
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
    auto body_of = [&](const std::string& schema) -> json {
        json body = json::parse(req.body, nullptr, false);
        std::vector<std::string> problems = body.is_discarded()
                                                ? std::vector<std::string>{"not JSON"}
                                                : schema_.check(body, schema);
        if (problems.empty()) return body;
        std::string all;
        for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
        errors_.push_back(schema + ": " + all);
        error(400, "INVALID_ARGUMENT", "Invalid JSON payload received. " + all);
        return nullptr;
    };
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
