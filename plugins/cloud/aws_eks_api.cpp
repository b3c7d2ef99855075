#include "aws_eks_api.hpp"

#include <thread>

#include "http.hpp"

namespace fluxburst::cloud {

AwsError::AwsError(const std::string& what, long status, std::string code, std::string message)
    : Error(what), status_(status), code_(std::move(code)), message_(std::move(message)) {}
AwsError::~AwsError() = default;

std::string aws_eks_endpoint(const std::string& region) {
    return "https://eks." + region + ".amazonaws.com";
}

namespace {

bool retryable(long status) {
    return status == 429 || (status >= 500 && status <= 504);
}

// AWS's error type and message from a rest-json error response.
std::pair<std::string, std::string> error_of(const HttpResponse& response) {
    std::string code, message;
    auto header = response.headers.find("x-amzn-errortype");
    if (header != response.headers.end()) code = header->second.substr(0, header->second.find(':'));
    nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
    if (body.is_object()) {
        for (const char* key : {"message", "Message"})
            if (body.contains(key) && body[key].is_string()) message = body[key];
        if (code.empty())
            for (const char* key : {"__type", "code", "Code"})
                if (body.contains(key) && body[key].is_string()) {
                    code = body[key];
                    code =
                        code.substr(code.find('#') == std::string::npos ? 0 : code.find('#') + 1);
                    break;
                }
    } else {
        message = response.body.substr(0, 300);
    }
    return {code, message};
}

}  // namespace

EksApi::EksApi(AwsCredentials credentials, std::string region, std::string endpoint)
    : credentials_(std::move(credentials)),
      region_(std::move(region)),
      endpoint_(endpoint.empty() ? aws_eks_endpoint(region_) : std::move(endpoint)) {
    while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

nlohmann::json EksApi::call(const std::string& operation, const std::string& method,
                            const std::string& path, const nlohmann::json* body) {
    HttpRequest request;
    request.method = method;
    request.url = endpoint_ + path;
    request.aws_sigv4 = "aws:amz:" + region_ + ":eks";
    request.aws_access_key = credentials_.access_key_id;
    request.aws_secret_key = credentials_.secret_access_key;
    if (!credentials_.session_token.empty())
        request.headers.emplace_back("x-amz-security-token", credentials_.session_token);
    request.headers.emplace_back("accept", "application/json");
    if (body) {
        request.headers.emplace_back("content-type", "application/json");
        request.body = body->dump();
    }
    request.timeout = request_timeout;
    request.max_response_bytes = 8u << 20;
    auto delay = retry_delay;
    for (int attempt = 1;; ++attempt) {
        HttpResponse response = http_send(request);
        if (response.status >= 200 && response.status < 300) {
            nlohmann::json result = nlohmann::json::parse(response.body, nullptr, false);
            if (!result.is_object())
                throw AwsError("EKS " + operation + " at " + url_for_message(request.url) +
                                   ": the answer is not a JSON object",
                               response.status, "", "");
            return result;
        }
        if (retryable(response.status) && attempt < attempts) {
            std::this_thread::sleep_for(delay);
            delay *= 2;
            continue;
        }
        auto [code, message] = error_of(response);
        throw AwsError("EKS " + operation + " failed: " + (code.empty() ? "error" : code) +
                           " (HTTP " + std::to_string(response.status) + ")" +
                           (message.empty() ? "" : ": " + message),
                       response.status, code, message);
    }
}

nlohmann::json EksApi::create_cluster(const nlohmann::json& request) {
    return call("CreateCluster " + request.value("name", ""), "POST", "/clusters", &request)
        .value("cluster", nlohmann::json::object());
}

std::optional<nlohmann::json> EksApi::describe_cluster(const std::string& name) {
    try {
        return call("DescribeCluster " + name, "GET", "/clusters/" + url_escape(name), nullptr)
            .value("cluster", nlohmann::json::object());
    } catch (const AwsError& e) {
        if (e.code() == "ResourceNotFoundException") return std::nullopt;
        throw;
    }
}

nlohmann::json EksApi::delete_cluster(const std::string& name) {
    return call("DeleteCluster " + name, "DELETE", "/clusters/" + url_escape(name), nullptr)
        .value("cluster", nlohmann::json::object());
}

nlohmann::json EksApi::create_nodegroup(const std::string& cluster, const nlohmann::json& request) {
    return call("CreateNodegroup " + cluster + "/" + request.value("nodegroupName", ""), "POST",
                "/clusters/" + url_escape(cluster) + "/node-groups", &request)
        .value("nodegroup", nlohmann::json::object());
}

std::optional<nlohmann::json> EksApi::describe_nodegroup(const std::string& cluster,
                                                         const std::string& nodegroup) {
    try {
        return call("DescribeNodegroup " + cluster + "/" + nodegroup, "GET",
                    "/clusters/" + url_escape(cluster) + "/node-groups/" + url_escape(nodegroup),
                    nullptr)
            .value("nodegroup", nlohmann::json::object());
    } catch (const AwsError& e) {
        if (e.code() == "ResourceNotFoundException") return std::nullopt;
        throw;
    }
}

nlohmann::json EksApi::delete_nodegroup(const std::string& cluster, const std::string& nodegroup) {
    return call("DeleteNodegroup " + cluster + "/" + nodegroup, "DELETE",
                "/clusters/" + url_escape(cluster) + "/node-groups/" + url_escape(nodegroup),
                nullptr)
        .value("nodegroup", nlohmann::json::object());
}

nlohmann::json EksApi::update_nodegroup_config(const std::string& cluster,
                                               const std::string& nodegroup,
                                               const nlohmann::json& request) {
    return call("UpdateNodegroupConfig " + cluster + "/" + nodegroup, "POST",
                "/clusters/" + url_escape(cluster) + "/node-groups/" + url_escape(nodegroup) +
                    "/update-config",
                &request)
        .value("update", nlohmann::json::object());
}

}  // namespace fluxburst::cloud
