#include "kube_client.hpp"

#include <cctype>
#include <thread>

#include "http.hpp"

namespace fluxburst::cloud {
namespace {

const char* status_text(long status) {
    switch (status) {
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 409:
            return "Conflict";
        case 410:
            return "Gone";
        case 422:
            return "Unprocessable Entity";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "";
    }
}

/// Printable, bounded text of a body that is not a Status (an HTML error page...).
std::string excerpt(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (out.size() >= 200) {
            out += "...";
            break;
        }
        out.push_back(std::isprint(static_cast<unsigned char>(c)) ? c : ' ');
    }
    return out;
}

bool is_label_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

bool valid_label(const std::string& s) {
    if (s.empty() || s.size() > 63) return false;
    for (char c : s)
        if (!is_label_char(c)) return false;
    return s.front() != '-' && s.back() != '-';
}

}  // namespace

KubeApiError::KubeApiError(const std::string& message, long status, std::string reason)
    : fluxburst::Error(message), status_(status), reason_(std::move(reason)) {}

KubeResource KubeResource::miniclusters(const std::string& version) {
    return {"/apis/flux-framework.org/" + version, "miniclusters", true};
}

void check_label_name(const std::string& name, const std::string& what) {
    if (!valid_label(name))
        throw Error(what + " '" + name +
                    "' is not a valid Kubernetes name: use at most 63 lower-case letters, digits "
                    "and '-', starting and ending with a letter or digit");
}

void check_object_name(const std::string& name, const std::string& what) {
    bool ok = !name.empty() && name.size() <= 253;
    std::size_t start = 0;
    while (ok) {
        const auto dot = name.find('.', start);
        const std::string part = name.substr(start, dot == std::string::npos ? dot : dot - start);
        ok = valid_label(part);
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    if (!ok)
        throw Error(what + " '" + name +
                    "' is not a valid Kubernetes object name: use at most 253 lower-case "
                    "letters, digits, '-' and '.', starting and ending with a letter or digit");
}

KubeClient::KubeClient(KubeConnection connection) : connection_(std::move(connection)) {
    while (!connection_.server.empty() && connection_.server.back() == '/')
        connection_.server.pop_back();
    if (connection_.server.empty()) throw Error("Kubernetes connection without a server URL");
}

std::string KubeClient::collection_path(const KubeResource& resource, const std::string& ns) const {
    if (!resource.namespaced) return resource.api_path + "/" + resource.plural;
    check_label_name(ns, "namespace");
    return resource.api_path + "/namespaces/" + url_escape(ns) + "/" + resource.plural;
}

std::string KubeClient::object_path(const KubeResource& resource, const std::string& ns,
                                    const std::string& name) const {
    check_object_name(name, resource.plural + " name");
    return collection_path(resource, ns) + "/" + url_escape(name);
}

KubeClient::Reply KubeClient::send(const std::string& method, const std::string& path,
                                   const std::string& query, const nlohmann::json* body) {
    Reply reply = send_once(method, path, query, body);
    if (reply.status == 401 && connection_.forget_credentials) {
        // Cached credentials (an exec plugin's token) may have been revoked or expired
        // early: fetch new ones once, as kubectl does.
        connection_.forget_credentials();
        reply = send_once(method, path, query, body);
    }
    return reply;
}

KubeClient::Reply KubeClient::send_once(const std::string& method, const std::string& path,
                                        const std::string& query, const nlohmann::json* body) {
    HttpRequest request;
    request.method = method;
    request.url = connection_.server + path + (query.empty() ? "" : "?" + query);
    request.ca_pem = connection_.ca_pem;
    request.timeout = connection_.request_timeout;
    request.max_response_bytes = 16u << 20;
    request.headers.emplace_back("Accept", "application/json");
    if (connection_.credentials) {
        KubeCredentials c = connection_.credentials();
        if (!c.token.empty()) request.headers.emplace_back("Authorization", "Bearer " + c.token);
        request.client_cert_pem = std::move(c.client_cert_pem);
        request.client_key_pem = std::move(c.client_key_pem);
    }
    if (body) {
        request.headers.emplace_back("Content-Type", "application/json");
        request.body = body->dump();
    }
    HttpResponse response;
    try {
        response = http_send(request);
    } catch (const HttpError& e) {
        throw HttpError(std::string(e.what()) + " (Kubernetes API server from " +
                        connection_.origin + ")");
    }
    Reply reply{response.status, nlohmann::json()};
    if (!response.body.empty()) {
        reply.body = nlohmann::json::parse(response.body, nullptr, false);
        if (reply.body.is_discarded()) {
            if (response.status < 400)
                throw Error(method + " " + connection_.server + path +
                            ": the API server's answer is not JSON: " + excerpt(response.body));
            reply.body = response.body;  // kept as text for the error message
        }
    }
    return reply;
}

void KubeClient::fail(const std::string& method, const std::string& path, long status,
                      const nlohmann::json& body) const {
    std::string reason, message;
    if (body.is_object() && body.value("kind", "") == "Status") {
        reason = body.value("reason", "");
        message = body.value("message", "");
        const auto details = body.value("details", nlohmann::json::object());
        if (details.is_object() && details.contains("causes") && details["causes"].is_array()) {
            for (const auto& cause : details["causes"]) {
                if (!cause.is_object()) continue;
                const std::string field = cause.value("field", "");
                const std::string text = cause.value("message", "");
                if (text.empty() || message.find(text) != std::string::npos) continue;
                message += "; " + (field.empty() ? "" : field + ": ") + text;
            }
        }
    } else if (body.is_string()) {
        message = excerpt(body.get<std::string>());
    }
    std::string text = method + " " + connection_.server + path + ": ";
    text += message.empty() ? "the API server refused the request" : message;
    text += " (HTTP " + std::to_string(status);
    if (const char* s = status_text(status); *s) text += std::string(" ") + s;
    if (!reason.empty() && reason != status_text(status)) text += ", " + reason;
    text += ")";
    if (status == 401)
        text += "; the credentials from " + connection_.origin +
                " were not accepted: the token may have expired or belong to another cluster";
    else if (status == 403)
        text += "; the account from " + connection_.origin +
                " lacks the RBAC permission for this (see README: kubernetes plugin)";
    throw KubeApiError(text, status, reason);
}

KubeClient::Created KubeClient::create(const KubeResource& resource, const std::string& ns,
                                       const nlohmann::json& object, nlohmann::json* created) {
    const std::string path = collection_path(resource, ns);
    Reply r = send("POST", path, "", &object);
    if (r.status == 409 && r.body.is_object() && r.body.value("reason", "") == "AlreadyExists")
        return Created::AlreadyExisted;
    if (r.status < 200 || r.status >= 300) fail("POST", path, r.status, r.body);
    if (created) *created = std::move(r.body);
    return Created::Yes;
}

std::optional<nlohmann::json> KubeClient::get(const KubeResource& resource, const std::string& ns,
                                              const std::string& name) {
    const std::string path = object_path(resource, ns, name);
    Reply r = send("GET", path, "", nullptr);
    if (r.status == 404) return std::nullopt;
    if (r.status < 200 || r.status >= 300) fail("GET", path, r.status, r.body);
    return std::move(r.body);
}

std::optional<nlohmann::json> KubeClient::get_path(const std::string& path) {
    Reply r = send("GET", path, "", nullptr);
    if (r.status == 404) return std::nullopt;
    if (r.status < 200 || r.status >= 300) fail("GET", path, r.status, r.body);
    return std::move(r.body);
}

nlohmann::json KubeClient::list(const KubeResource& resource, const std::string& ns,
                                const std::string& label_selector,
                                const std::string& field_selector) {
    const std::string path = collection_path(resource, ns);
    std::string query;
    if (!label_selector.empty()) query = "labelSelector=" + url_escape(label_selector);
    if (!field_selector.empty())
        query +=
            (query.empty() ? "" : "&") + std::string("fieldSelector=") + url_escape(field_selector);
    Reply r = send("GET", path, query, nullptr);
    if (r.status < 200 || r.status >= 300) fail("GET", path, r.status, r.body);
    if (!r.body.is_object() || !r.body.contains("items"))
        throw Error("GET " + connection_.server + path + ": the answer is not a list");
    nlohmann::json items = r.body["items"];
    if (items.is_null()) items = nlohmann::json::array();
    if (!items.is_array())
        throw Error("GET " + connection_.server + path + ": the list's items are not an array");
    return items;
}

bool KubeClient::remove(const KubeResource& resource, const std::string& ns,
                        const std::string& name) {
    const std::string path = object_path(resource, ns, name);
    const nlohmann::json options = {
        {"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", "Background"}};
    Reply r = send("DELETE", path, "", &options);
    if (r.status == 404) return false;
    if (r.status < 200 || r.status >= 300) fail("DELETE", path, r.status, r.body);
    return true;
}

bool KubeClient::wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                          std::chrono::milliseconds interval) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (done()) return true;
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return false;
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(interval, deadline - now));
    }
}

}  // namespace fluxburst::cloud
