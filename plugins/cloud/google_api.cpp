#include "google_api.hpp"

#include "http.hpp"

namespace fluxburst::cloud {

namespace {

using nlohmann::json;

std::string excerpt(const std::string& body) {
    constexpr std::size_t max = 300;
    std::string s = body.substr(0, max);
    for (auto& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    return body.size() > max ? s + "..." : s;
}

// Google's error body: {"error": {"code", "message", "status", "errors": [{"reason"}]}}.
GoogleApiError api_error(const std::string& method, const std::string& url, long http_status,
                         const std::string& body) {
    std::string status, message;
    json j = json::parse(body, nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].is_object()) {
        const json& e = j["error"];
        if (e.contains("message") && e["message"].is_string()) message = e["message"];
        if (e.contains("status") && e["status"].is_string()) status = e["status"];
        if (status.empty() && e.contains("errors") && e["errors"].is_array() &&
            !e["errors"].empty() && e["errors"][0].is_object() &&
            e["errors"][0].contains("reason") && e["errors"][0]["reason"].is_string())
            status = e["errors"][0]["reason"];
    }
    if (message.empty()) message = body.empty() ? "(empty answer)" : excerpt(body);
    std::string text = method + " " + url + ": HTTP " + std::to_string(http_status) +
                       (status.empty() ? "" : " " + status) + ": " + message;
    return GoogleApiError(http_status, status, message, text);
}

}  // namespace

GoogleApiError::GoogleApiError(long http_status, std::string status, std::string message,
                               const std::string& text)
    : Error(text),
      http_status_(http_status),
      status_(std::move(status)),
      message_(std::move(message)) {}

GoogleApiError::~GoogleApiError() = default;

GoogleApiClient::GoogleApiClient(GoogleAuth& auth, std::string base_url, std::string ca_pem,
                                 std::chrono::milliseconds timeout)
    : auth_(auth), base_url_(std::move(base_url)), ca_pem_(std::move(ca_pem)), timeout_(timeout) {
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

json GoogleApiClient::call(const std::string& method, const std::string& path, const json& body) {
    HttpRequest req;
    req.method = method;
    req.url = base_url_ + path;
    req.ca_pem = ca_pem_;
    req.timeout = timeout_;
    if (!body.is_null()) {
        req.body = body.dump();
        req.headers.emplace_back("Content-Type", "application/json");
    }
    HttpResponse resp;
    for (int attempt = 0;; ++attempt) {
        auto headers = req.headers;
        req.headers.emplace_back("Authorization", "Bearer " + auth_.access_token());
        try {
            resp = http_send(req);
        } catch (const std::exception& e) {
            throw Error(std::string("Google API request failed: ") + e.what());
        }
        req.headers = headers;
        if (resp.status == 401 && attempt == 0) {
            auth_.invalidate();  // revoked or expired early: one retry with a new token
            continue;
        }
        break;
    }
    if (resp.status >= 400 || resp.status < 200)
        throw api_error(method, req.url, resp.status, resp.body);
    if (resp.body.empty()) return json::object();
    json j = json::parse(resp.body, nullptr, false);
    if (j.is_discarded())
        throw Error(method + " " + req.url + ": the answer is not JSON: " + excerpt(resp.body));
    return j;
}

}  // namespace fluxburst::cloud
