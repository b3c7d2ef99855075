#include "fake_eks.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include "aws_sigv4.hpp"

namespace test {
using nlohmann::json;

namespace {

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(path);
    while (std::getline(in, part, '/'))
        if (!part.empty()) parts.push_back(part);
    return parts;
}

std::string type_of(const json& value) {
    if (value.is_object()) return "structure";
    if (value.is_array()) return "list";
    if (value.is_string()) return "string";
    if (value.is_boolean()) return "boolean";
    if (value.is_number_integer()) return "integer";
    if (value.is_number()) return "double";
    return "null";
}

std::string collapse(std::string value) {
    std::string out;
    bool space = false;
    for (char c : value) {
        if (c == ' ' || c == '\t') {
            space = true;
            continue;
        }
        if (space && !out.empty()) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

}  // namespace

std::string check_against_model(const json& shape, const json& value, const std::string& where) {
    const std::string type = shape.value("type", "");
    const std::string given = type_of(value);
    if (type == "structure") {
        if (!value.is_object()) return where + ": expected a structure, got " + given;
        if (!shape.contains("members")) return "";
        for (const auto& required : shape.value("required", json::array()))
            if (!value.contains(required.get<std::string>()))
                return where + ": missing required member " + required.get<std::string>();
        for (const auto& [key, member] : value.items()) {
            if (!shape["members"].contains(key)) return where + ": unknown member " + key;
            std::string problem =
                check_against_model(shape["members"][key], member, where + "." + key);
            if (!problem.empty()) return problem;
        }
        return "";
    }
    if (type == "list") {
        if (!value.is_array()) return where + ": expected a list, got " + given;
        for (std::size_t i = 0; i < value.size(); ++i) {
            std::string problem = check_against_model(shape["member"], value[i],
                                                      where + "[" + std::to_string(i) + "]");
            if (!problem.empty()) return problem;
        }
        return "";
    }
    if (type == "map") return value.is_object() ? "" : where + ": expected a map, got " + given;
    if (type == "string") {
        if (!value.is_string()) return where + ": expected a string, got " + given;
        if (shape.contains("enum") &&
            std::find(shape["enum"].begin(), shape["enum"].end(), value) == shape["enum"].end())
            return where + ": " + value.get<std::string>() + " is not one of " +
                   shape["enum"].dump();
        return "";
    }
    if (type == "integer" || type == "long")
        return value.is_number_integer() ? "" : where + ": expected an integer, got " + given;
    if (type == "boolean")
        return value.is_boolean() ? "" : where + ": expected a boolean, got " + given;
    return "";
}

FakeEks::FakeEks(std::string access_key, std::string region, std::string session_token)
    : access_key_(std::move(access_key)),
      region_(std::move(region)),
      session_token_(std::move(session_token)) {
    std::ifstream in(std::string(TEST_DATA_DIR) + "/aws/eks-2017-11-01.requests.json");
    model_ = json::parse(in);
    auto handler = [this](const httplib::Request& q, httplib::Response& r) { handle(q, r); };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    server_.Delete(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 5000 && !server_.is_running(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeEks::~FakeEks() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
}

std::string FakeEks::url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
}

void FakeEks::fail(const std::string& operation, int status, const std::string& type,
                   const std::string& message, int times) {
    std::lock_guard<std::mutex> lock(mutex_);
    failures_[operation] = Failure{status, type, message, times};
}

void FakeEks::cluster_statuses(const std::string& name, std::deque<std::string> statuses) {
    std::lock_guard<std::mutex> lock(mutex_);
    statuses_[name] = std::move(statuses);
}

void FakeEks::nodegroup_statuses(const std::string& cluster, const std::string& nodegroup,
                                 std::deque<std::string> statuses) {
    std::lock_guard<std::mutex> lock(mutex_);
    statuses_[cluster + "/" + nodegroup] = std::move(statuses);
}

void FakeEks::cluster_issues(const std::string& name, json issues) {
    std::lock_guard<std::mutex> lock(mutex_);
    issues_[name] = std::move(issues);
}

void FakeEks::nodegroup_issues(const std::string& cluster, const std::string& nodegroup,
                               json issues) {
    std::lock_guard<std::mutex> lock(mutex_);
    issues_[cluster + "/" + nodegroup] = std::move(issues);
}

void FakeEks::deleting_describes(int n) {
    std::lock_guard<std::mutex> lock(mutex_);
    deleting_describes_ = n;
}

void FakeEks::set_cluster_endpoint(const std::string& url, const std::string& ca_data) {
    std::lock_guard<std::mutex> lock(mutex_);
    endpoint_ = url;
    ca_data_ = ca_data;
}

void FakeEks::add_cluster(const json& cluster) {
    std::lock_guard<std::mutex> lock(mutex_);
    clusters_[cluster.at("name")] = cluster;
}

void FakeEks::add_nodegroup(const std::string& cluster, const json& nodegroup) {
    std::lock_guard<std::mutex> lock(mutex_);
    nodegroups_[cluster + "/" + nodegroup.at("nodegroupName").get<std::string>()] = nodegroup;
}

bool FakeEks::has_cluster(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    return clusters_.count(name) > 0;
}

bool FakeEks::has_nodegroup(const std::string& cluster, const std::string& nodegroup) {
    std::lock_guard<std::mutex> lock(mutex_);
    return nodegroups_.count(cluster + "/" + nodegroup) > 0;
}

json FakeEks::nodegroup(const std::string& cluster, const std::string& nodegroup) {
    std::lock_guard<std::mutex> lock(mutex_);
    return nodegroups_.at(cluster + "/" + nodegroup);
}

std::vector<FakeEks::Request> FakeEks::requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
}

std::vector<std::string> FakeEks::operations() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (const auto& r : requests_) out.push_back(r.operation);
    return out;
}

std::vector<std::string> FakeEks::violations() {
    std::lock_guard<std::mutex> lock(mutex_);
    return violations_;
}

void FakeEks::answer_error(httplib::Response& response, int status, const std::string& type,
                           const std::string& message) {
    response.status = status;
    response.set_header("x-amzn-ErrorType", type + ":http://internal.amazon.com/coral/");
    response.set_content(json{{"message", message}}.dump(), "application/json");
}

// Checks the SigV4 Authorization header the way AWS does: recomputes the signature
// from the request with the test's secret ("secret" + access key).
bool FakeEks::check_signature(const httplib::Request& request, std::string& problem) {
    const std::string authorization = request.get_header_value("Authorization");
    const std::string date = request.get_header_value("X-Amz-Date");
    const std::string prefix = "AWS4-HMAC-SHA256 Credential=" + access_key_ + "/";
    if (authorization.rfind(prefix, 0) != 0 || date.size() != 16) {
        problem = "not SigV4-signed with the test key: '" + authorization + "'";
        return false;
    }
    const std::string scope = date.substr(0, 8) + "/" + region_ + "/eks/aws4_request";
    auto field = [&](const std::string& name) {
        auto at = authorization.find(name + "=");
        if (at == std::string::npos) return std::string();
        at += name.size() + 1;
        return authorization.substr(at, authorization.find_first_of(", ", at) - at);
    };
    if (field("Credential") != access_key_ + "/" + scope) {
        problem = "credential scope is not " + access_key_ + "/" + scope;
        return false;
    }
    const std::string signed_headers = field("SignedHeaders");
    std::string canonical_headers;
    std::istringstream names(signed_headers);
    std::string name;
    bool token_signed = false;
    while (std::getline(names, name, ';')) {
        if (name == "x-amz-security-token") token_signed = true;
        canonical_headers += name + ":" + collapse(request.get_header_value(name.c_str())) + "\n";
    }
    if (!session_token_.empty() &&
        (!token_signed || request.get_header_value("X-Amz-Security-Token") != session_token_)) {
        problem = "the session token is not sent and signed";
        return false;
    }
    const std::string canonical = request.method + "\n" + request.path + "\n\n" +
                                  canonical_headers + "\n" + signed_headers + "\n" +
                                  fluxburst::cloud::sha256_hex(request.body);
    const std::string to_sign =
        "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + fluxburst::cloud::sha256_hex(canonical);
    const std::string key = fluxburst::cloud::aws_signing_key("secret" + access_key_,
                                                              date.substr(0, 8), region_, "eks");
    const std::string hex =
        fluxburst::cloud::hex_encode(fluxburst::cloud::hmac_sha256(key, to_sign));
    if (field("Signature") != hex) {
        problem = "signature does not match (canonical request:\n" + canonical + ")";
        return false;
    }
    return true;
}

json FakeEks::describe(const std::string& key, json& resource) {
    std::deque<std::string>& statuses = statuses_[key];
    if (issues_.count(key)) resource["health"] = {{"issues", issues_[key]}};
    if (!statuses.empty()) {
        resource["status"] = statuses.front();
        if (statuses.size() > 1) statuses.pop_front();
    }
    return resource;
}

void FakeEks::handle(const httplib::Request& request, httplib::Response& response) {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::vector<std::string> p = split_path(request.path);
    const std::string& m = request.method;
    std::string operation;
    if (p.size() == 1 && p[0] == "clusters" && m == "POST")
        operation = "CreateCluster";
    else if (p.size() == 2 && p[0] == "clusters" && m == "GET")
        operation = "DescribeCluster";
    else if (p.size() == 2 && p[0] == "clusters" && m == "DELETE")
        operation = "DeleteCluster";
    else if (p.size() == 3 && p[2] == "node-groups" && m == "POST")
        operation = "CreateNodegroup";
    else if (p.size() == 4 && p[2] == "node-groups" && m == "GET")
        operation = "DescribeNodegroup";
    else if (p.size() == 4 && p[2] == "node-groups" && m == "DELETE")
        operation = "DeleteNodegroup";
    else if (p.size() == 5 && p[4] == "update-config" && m == "POST")
        operation = "UpdateNodegroupConfig";
    json body = request.body.empty() ? json::object() : json::parse(request.body, nullptr, false);
    requests_.push_back(Request{operation, m, request.path, body});
    if (operation.empty()) {
        violations_.push_back("unknown call " + m + " " + request.path);
        return answer_error(response, 404, "UnknownOperationException", "no such call");
    }
    std::string problem;
    if (!check_signature(request, problem)) {
        violations_.push_back(operation + ": " + problem);
        return answer_error(response, 403, "InvalidSignatureException", problem);
    }
    problem = check_against_model(model_["operations"][operation]["input"], body, operation);
    if (!problem.empty()) {
        violations_.push_back(problem);
        return answer_error(response, 400, "InvalidParameterException", problem);
    }
    auto failure = failures_.find(operation);
    if (failure != failures_.end() && failure->second.times > 0) {
        --failure->second.times;
        return answer_error(response, failure->second.status, failure->second.type,
                            failure->second.message);
    }
    auto reply = [&](const char* key, const json& value) {
        response.status = 200;
        response.set_content(json{{key, value}}.dump(), "application/json");
    };
    const std::string cluster = p.size() >= 2 ? p[1] : body.value("name", "");
    auto found_cluster = clusters_.find(cluster);
    // A deleted resource: DELETING for a few describes, then gone.
    auto gone = [&](const std::string& key, auto& map) {
        auto d = deleting_.find(key);
        if (d == deleting_.end()) return false;
        if (d->second-- > 0) return false;
        deleting_.erase(d);
        map.erase(key);
        return true;
    };
    if (operation == "CreateCluster") {
        if (found_cluster != clusters_.end())
            return answer_error(response, 409, "ResourceInUseException",
                                "Cluster already exists with name: " + cluster);
        json c = {
            {"name", cluster},
            {"arn", "arn:aws:eks:" + region_ + ":123456789012:cluster/" + cluster},
            {"status", "CREATING"},
            {"roleArn", body["roleArn"]},
            {"resourcesVpcConfig", body["resourcesVpcConfig"]},
            {"tags", body.value("tags", json::object())},
            {"endpoint", endpoint_.empty() ? "https://" + cluster + ".fake-eks.test" : endpoint_},
            {"certificateAuthority",
             {{"data", ca_data_.empty() ? "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==" : ca_data_}}}};
        if (statuses_.count(cluster) == 0) statuses_[cluster] = {"ACTIVE"};
        clusters_[cluster] = c;
        return reply("cluster", c);
    }
    if (found_cluster == clusters_.end() ||
        (operation == "DescribeCluster" && gone(cluster, clusters_)))
        return answer_error(response, 404, "ResourceNotFoundException",
                            "No cluster found for name: " + cluster + ".");
    if (operation == "DescribeCluster")
        return reply("cluster", describe(cluster, found_cluster->second));
    if (operation == "DeleteCluster") {
        for (const auto& [key, ng] : nodegroups_)
            if (key.rfind(cluster + "/", 0) == 0)
                return answer_error(response, 409, "ResourceInUseException",
                                    "Cluster has nodegroups attached");
        if (deleting_describes_ == 0) {
            json c = found_cluster->second;
            clusters_.erase(found_cluster);
            return reply("cluster", c);
        }
        found_cluster->second["status"] = "DELETING";
        statuses_.erase(cluster);
        deleting_[cluster] = deleting_describes_;
        return reply("cluster", found_cluster->second);
    }
    const std::string name = p.size() >= 4 ? p[3] : body.value("nodegroupName", "");
    const std::string key = cluster + "/" + name;
    auto found = nodegroups_.find(key);
    if (operation == "CreateNodegroup") {
        if (found != nodegroups_.end())
            return answer_error(
                response, 409, "ResourceInUseException",
                "NodeGroup already exists with name " + name + " and cluster name " + cluster);
        if (found_cluster->second.value("status", "") != "ACTIVE")
            return answer_error(response, 400, "InvalidRequestException",
                                "Cluster '" + cluster + "' is not in ACTIVE status");
        json ng = body;
        ng.erase("clientRequestToken");
        ng["clusterName"] = cluster;
        ng["status"] = "CREATING";
        if (statuses_.count(key) == 0) statuses_[key] = {"ACTIVE"};
        nodegroups_[key] = ng;
        return reply("nodegroup", ng);
    }
    if (found == nodegroups_.end() || (operation == "DescribeNodegroup" && gone(key, nodegroups_)))
        return answer_error(response, 404, "ResourceNotFoundException",
                            "No node group found for name: " + name + ".");
    if (operation == "DescribeNodegroup") return reply("nodegroup", describe(key, found->second));
    if (operation == "DeleteNodegroup") {
        if (deleting_describes_ == 0) {
            json ng = found->second;
            nodegroups_.erase(found);
            return reply("nodegroup", ng);
        }
        found->second["status"] = "DELETING";
        statuses_.erase(key);
        deleting_[key] = deleting_describes_;
        return reply("nodegroup", found->second);
    }
    // UpdateNodegroupConfig
    if (found->second.value("status", "") != "ACTIVE")
        return answer_error(response, 409, "ResourceInUseException",
                            "Nodegroup " + name + " is not in ACTIVE status");
    const json scaling = body.value("scalingConfig", json::object());
    for (const auto& [k, v] : scaling.items()) found->second["scalingConfig"][k] = v;
    if (statuses_[key].empty() || statuses_[key].size() == 1)
        statuses_[key] = {"UPDATING", "ACTIVE"};
    reply("update", {{"id", "update-1"}, {"status", "InProgress"}, {"type", "ConfigUpdate"}});
}

}  // namespace test
