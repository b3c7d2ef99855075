// The Amazon EKS REST API (2017-11-01), the calls the eks plugin makes: clusters and
// managed node groups. Every request is SigV4-signed by libcurl (http_send with
// aws_sigv4 "aws:amz:<region>:eks"). Request and response bodies are the API's JSON
// (botocore's data/eks/2017-11-01/service-2.json describes them).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <fluxburst/error.hpp>

#include "aws_credentials.hpp"

namespace fluxburst::cloud {

/// AWS answered with an error: its type (ResourceInUseException, AccessDeniedException,
/// ...), HTTP status and its own message, all in what().
class AwsError : public fluxburst::Error {
public:
    AwsError(const std::string& what, long status, std::string code, std::string message);
    ~AwsError() override;
    long status() const { return status_; }
    /// The error type, e.g. "ResourceNotFoundException" ("" when AWS gave none).
    const std::string& code() const { return code_; }
    /// AWS's message, unchanged.
    const std::string& aws_message() const { return message_; }

private:
    long status_;
    std::string code_, message_;
};

/// The EKS endpoint of a region: "https://eks.<region>.amazonaws.com".
std::string aws_eks_endpoint(const std::string& region);

class EksApi {
public:
    /// `endpoint` "" means the region's; another one (http://127.0.0.1:5000 in tests,
    /// a VPC endpoint) is used as given.
    EksApi(AwsCredentials credentials, std::string region, std::string endpoint = "");

    /// CreateCluster: returns the "cluster" object.
    nlohmann::json create_cluster(const nlohmann::json& request);
    /// DescribeCluster: the "cluster" object, or nullopt when there is none by that name.
    std::optional<nlohmann::json> describe_cluster(const std::string& name);
    /// DeleteCluster: the "cluster" object (status DELETING).
    nlohmann::json delete_cluster(const std::string& name);

    /// CreateNodegroup: returns the "nodegroup" object.
    nlohmann::json create_nodegroup(const std::string& cluster, const nlohmann::json& request);
    /// DescribeNodegroup: the "nodegroup" object, or nullopt when absent.
    std::optional<nlohmann::json> describe_nodegroup(const std::string& cluster,
                                                     const std::string& nodegroup);
    nlohmann::json delete_nodegroup(const std::string& cluster, const std::string& nodegroup);
    /// UpdateNodegroupConfig: returns the "update" object.
    nlohmann::json update_nodegroup_config(const std::string& cluster, const std::string& nodegroup,
                                           const nlohmann::json& request);

    const std::string& endpoint() const { return endpoint_; }
    const std::string& region() const { return region_; }

    /// Bound of each request (default 30 s).
    std::chrono::milliseconds request_timeout{30000};
    /// Throttled (429) or unavailable (5xx) requests are tried again up to this many
    /// times in all, waiting retry_delay, then twice as long, ...
    int attempts = 3;
    std::chrono::milliseconds retry_delay{1000};

private:
    nlohmann::json call(const std::string& operation, const std::string& method,
                        const std::string& path, const nlohmann::json* body);

    AwsCredentials credentials_;
    std::string region_;
    std::string endpoint_;
};

}  // namespace fluxburst::cloud
