// AWS Signature Version 4 query presigning (a "presigned URL"), the part of SigV4
// libcurl does not do. Requests themselves are signed by libcurl (HttpRequest's
// aws_sigv4); a presigned URL is needed for the EKS token (aws_eks_token.hpp).
//
// Follows the AWS CLI (botocore's SigV4QueryAuth) exactly: operation parameters
// first, then X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders,
// -Security-Token (temporary credentials only) and -Signature, the payload hash
// being that of an empty body. tests/data/aws/eks_token_vectors.json holds vectors
// the AWS CLI produced.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws_credentials.hpp"

namespace fluxburst::cloud {

struct AwsPresignRequest {
    std::string method = "GET";
    /// Scheme and authority, no path: "https://sts.us-east-1.amazonaws.com".
    std::string endpoint;
    /// Absolute path, already in its URI form ("/").
    std::string path = "/";
    /// The operation's query parameters, in order (unencoded).
    std::vector<std::pair<std::string, std::string>> query;
    /// Headers to sign besides host (lower-case names); the user of the URL must send
    /// them with the same values.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string region;
    std::string service;
    /// Seconds the URL stays valid (X-Amz-Expires), 1 to 604800.
    std::int64_t expires = 60;
};

/// The presigned URL for `request`, signed with `credentials` at `now`. Throws
/// fluxburst::Error when the endpoint is not http(s)://host[:port] or a value is out
/// of range.
std::string aws_presign_url(const AwsCredentials& credentials, const AwsPresignRequest& request,
                            std::chrono::system_clock::time_point now);

/// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

/// The raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);

/// Lower-case hex of `bytes`.
std::string hex_encode(std::string_view bytes);

/// SigV4's signing key: HMAC chain of "AWS4" + secret over date (YYYYMMDD), region,
/// service and "aws4_request".
std::string aws_signing_key(const std::string& secret, const std::string& date,
                            const std::string& region, const std::string& service);

/// "20261127T000000Z" for `time`.
std::string aws_timestamp(std::chrono::system_clock::time_point time);

}  // namespace fluxburst::cloud
