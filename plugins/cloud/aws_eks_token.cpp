#include "aws_eks_token.hpp"

#include "aws_sigv4.hpp"
#include "base64.hpp"

namespace fluxburst::cloud {

std::string aws_sts_endpoint(const std::string& region) {
    return "https://sts." + region + ".amazonaws.com";
}

std::string eks_token(const AwsCredentials& credentials, const std::string& region,
                      const std::string& cluster, std::chrono::system_clock::time_point now,
                      const std::string& sts_endpoint) {
    if (cluster.empty()) throw Error("an EKS token needs the cluster's name");
    AwsPresignRequest request;
    request.endpoint = sts_endpoint.empty() ? aws_sts_endpoint(region) : sts_endpoint;
    request.query = {{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}};
    request.headers = {{"x-k8s-aws-id", cluster}};
    request.region = region;
    request.service = "sts";
    request.expires = 60;
    return "k8s-aws-v1." + base64url_encode(aws_presign_url(credentials, request, now));
}

EksTokenSource::EksTokenSource(AwsCredentials credentials, std::string region, std::string cluster,
                               std::string sts_endpoint, std::chrono::seconds lifetime)
    : credentials_(std::move(credentials)),
      region_(std::move(region)),
      cluster_(std::move(cluster)),
      sts_endpoint_(std::move(sts_endpoint)),
      lifetime_(lifetime) {}

std::string EksTokenSource::token(std::chrono::system_clock::time_point now) {
    std::lock_guard<std::mutex> lock(mutex_);
    // A clock set back also makes a new one (a token "from the future" would be refused).
    if (token_.empty() || now < made_ || now - made_ >= lifetime_) {
        token_ = eks_token(credentials_, region_, cluster_, now, sts_endpoint_);
        made_ = now;
    }
    return token_;
}

}  // namespace fluxburst::cloud
