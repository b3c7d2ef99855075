// The bearer token an EKS cluster's Kubernetes API server accepts (what
// `aws eks get-token` prints): "k8s-aws-v1." + base64url, without padding, of a
// presigned STS GetCallerIdentity URL whose signed headers include
// x-k8s-aws-id: <cluster name>. The API server calls that URL to learn who we are.
// The URL is valid for 60 s of clock skew (X-Amz-Expires), and the server accepts
// a token for 15 minutes after its X-Amz-Date.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "aws_credentials.hpp"

namespace fluxburst::cloud {

/// The STS endpoint of a region: "https://sts.<region>.amazonaws.com".
std::string aws_sts_endpoint(const std::string& region);

/// The token for `cluster` signed at `now`; `sts_endpoint` "" means the region's.
std::string eks_token(const AwsCredentials& credentials, const std::string& region,
                      const std::string& cluster, std::chrono::system_clock::time_point now,
                      const std::string& sts_endpoint = "");

/// A token kept for at most `lifetime` (default 14 minutes, one less than the
/// server accepts) and made again after: ask it for the token before every request.
class EksTokenSource {
public:
    EksTokenSource(AwsCredentials credentials, std::string region, std::string cluster,
                   std::string sts_endpoint = "",
                   std::chrono::seconds lifetime = std::chrono::minutes(14));

    /// The current token, made again when older than the lifetime (thread-safe).
    std::string token(std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

    const std::string& cluster() const { return cluster_; }

private:
    AwsCredentials credentials_;
    std::string region_, cluster_, sts_endpoint_;
    std::chrono::seconds lifetime_;
    std::mutex mutex_;
    std::string token_;
    std::chrono::system_clock::time_point made_{};
};

}  // namespace fluxburst::cloud
