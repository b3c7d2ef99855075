#include "fake_compute.hpp"

#include <regex>

#include "fake_server.hpp"

namespace test {

using nlohmann::json;

FakeCompute::FakeCompute(const TlsIdentity& server)
    : FakeGoogleApi(server, TEST_DATA_DIR "/google/compute-v1-instance.json") {
    start();
}

void FakeCompute::set_quota(int n) {
    std::lock_guard<std::mutex> lock(mutex_);
    quota_ = n;
}

void FakeCompute::stall_operations(bool stall) {
    std::lock_guard<std::mutex> lock(mutex_);
    stall_ = stall;
}

void FakeCompute::add_instance(const std::string& zone, const std::string& name, json labels) {
    std::lock_guard<std::mutex> lock(mutex_);
    instances_[zone + "/" + name] = {{"name", name}, {"labels", labels}, {"status", "RUNNING"}};
}

std::map<std::string, json> FakeCompute::instances() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return instances_;
}

json FakeCompute::last_insert() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_insert_;
}

// Each poll moves an operation one step: PENDING -> RUNNING -> DONE; the
// resource changes when it is DONE.
void FakeCompute::advance(Operation& op) {
    ++op.polls;
    if (op.done || stall_ || op.polls < 2) return;
    op.done = true;
    if (!op.error_code.empty()) return;
    if (op.type == "delete") instances_.erase(op.zone + "/" + op.target);
    if (op.type == "insert") instances_[op.zone + "/" + op.target]["status"] = "RUNNING";
}

json FakeCompute::operation_json(const std::string& name, const Operation& op) const {
    std::string status = op.done ? "DONE" : (op.polls == 0 ? "PENDING" : "RUNNING");
    json j = {{"kind", "compute#operation"},
              {"name", name},
              {"zone", op.zone},
              {"operationType", op.type},
              {"targetLink", op.target},
              {"status", status}};
    if (op.done && !op.error_code.empty()) {
        j["error"] = {
            {"errors", json::array({{{"code", op.error_code}, {"message", op.error_message}}})}};
        j["httpErrorStatusCode"] = 403;
        j["httpErrorMessage"] = "FORBIDDEN";
    }
    return j;
}

void FakeCompute::serve(const httplib::Request& req, httplib::Response& res) {
    auto answer = [&](int status, const json& body) {
        res.status = status;
        FakeGoogleApi::answer(res, body);
    };
    auto error = [&](int status, const std::string& reason, const std::string& message) {
        FakeGoogleApi::error(res, status, reason, message);
    };
    static const std::regex route(
        "/compute/v1/projects/([a-z0-9-]+)/zones/([a-z0-9-]+)/(instances|operations)(?:/([^/]+))?");
    std::smatch m;
    if (!std::regex_match(req.path, m, route))
        return error(404, "notFound", "The requested URL " + req.path + " was not found");
    std::string project = m[1], zone = m[2], kind = m[3], name = m[4];
    std::string resource = "projects/" + project + "/zones/" + zone + "/" + kind + "/" + name;
    auto new_operation = [&](const std::string& type, const std::string& target) {
        std::string op_name = "operation-" + std::to_string(++next_op_);
        Operation op;
        op.zone = zone;
        op.type = type;
        op.target = target;
        operations_[op_name] = op;
        return op_name;
    };
    if (kind == "operations") {
        if (req.method != "GET" || name.empty()) return error(405, "badRequest", "bad method");
        auto it = operations_.find(name);
        if (it == operations_.end() || it->second.zone != zone)
            return error(404, "notFound", "The resource '" + resource + "' was not found");
        advance(it->second);
        return answer(200, operation_json(name, it->second));
    }
    std::string key = zone + "/" + name;
    if (req.method == "POST" && name.empty()) {
        bool from_template = req.has_param("sourceInstanceTemplate");
        json body = checked_body(req, res, "Instance", !from_template);
        if (body.is_null()) return;
        if (!body.contains("name")) return error(400, "invalid", "Instance.name: required");
        last_insert_ = body;
        std::string vm = body["name"];
        if (instances_.count(zone + "/" + vm))
            return error(409, "alreadyExists",
                         "The resource 'projects/" + project + "/zones/" + zone + "/instances/" +
                             vm + "' already exists");
        std::string op = new_operation("insert", vm);
        if (static_cast<int>(instances_.size()) >= quota_) {
            operations_[op].error_code = "QUOTA_EXCEEDED";
            operations_[op].error_message =
                "Quota 'CPUS' exceeded.  Limit: " + std::to_string(quota_ * 8) + ".0 in region " +
                zone.substr(0, zone.rfind('-')) + ".";
        } else {
            body["status"] = "PROVISIONING";
            instances_[zone + "/" + vm] = body;
        }
        return answer(200, operation_json(op, operations_[op]));
    }
    if (name.empty()) return error(405, "badRequest", "bad method");
    auto it = instances_.find(key);
    if (it == instances_.end())
        return error(404, "notFound", "The resource '" + resource + "' was not found");
    if (req.method == "GET") return answer(200, it->second);
    if (req.method == "DELETE") {
        std::string op = new_operation("delete", name);
        return answer(200, operation_json(op, operations_[op]));
    }
    return error(405, "badRequest", "bad method");
}

}  // namespace test
