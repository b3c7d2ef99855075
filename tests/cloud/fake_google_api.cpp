#include "fake_google_api.hpp"

#include "fake_server.hpp"

namespace test {

using nlohmann::json;

std::string google_error_body(int status, const std::string& reason, const std::string& message) {
    return json{{"error",
                 {{"code", status},
                  {"message", message},
                  {"status", reason},
                  {"errors", json::array({{{"reason", reason}, {"message", message}}})}}}}
        .dump();
}

FakeGoogleApi::FakeGoogleApi(const TlsIdentity& server, const std::string& schema_path)
    : https_(server), schema_(schema_path) {}

void FakeGoogleApi::start() {
    auto h = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
    https_.http().Get(".*", h);
    https_.http().Post(".*", h);
    https_.http().Delete(".*", h);
    https_.start();
    wait_until_serving(https_.http());
}

void FakeGoogleApi::fail_next(const std::string& method, const std::string& path_part, int status,
                              const std::string& message) {
    std::lock_guard<std::mutex> lock(mutex_);
    failures_.push_back({method, path_part, message, status});
}

std::vector<std::string> FakeGoogleApi::requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
}

std::vector<std::string> FakeGoogleApi::errors() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return errors_;
}

void FakeGoogleApi::error(httplib::Response& res, int status, const std::string& reason,
                          const std::string& message) {
    res.status = status;
    res.set_content(google_error_body(status, reason, message), "application/json");
}

void FakeGoogleApi::answer(httplib::Response& res, const json& body) {
    res.set_content(body.dump(), "application/json");
}

json FakeGoogleApi::checked_body(const httplib::Request& req, httplib::Response& res,
                                 const std::string& schema, bool check_required) {
    json body = json::parse(req.body, nullptr, false);
    std::vector<std::string> problems = body.is_discarded()
                                            ? std::vector<std::string>{"not JSON"}
                                            : schema_.check(body, schema, check_required);
    if (problems.empty()) return body;
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
    errors_.push_back(schema + ": " + all);
    error(res, 400, "INVALID_ARGUMENT", "Invalid value: " + all);
    return nullptr;
}

void FakeGoogleApi::handle(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string full = req.path;
    if (!req.params.empty()) {
        full += "?";
        for (const auto& [k, v] : req.params) full += k + "=" + v + "&";
        full.pop_back();
    }
    requests_.push_back(req.method + " " + full);
    if (req.get_header_value("Authorization").rfind("Bearer ya29.test-token-", 0) != 0) {
        errors_.push_back(req.method + " " + req.path + ": no valid bearer token");
        return error(res, 401, "UNAUTHENTICATED",
                     "Request had invalid authentication credentials.");
    }
    for (auto it = failures_.begin(); it != failures_.end(); ++it) {
        if (it->method == req.method && req.path.find(it->path_part) != std::string::npos) {
            Failure f = *it;
            failures_.erase(it);
            return error(res, f.status,
                         f.status == 403 ? "PERMISSION_DENIED" : "FAILED_PRECONDITION", f.message);
        }
    }
    serve(req, res);
}

}  // namespace test
