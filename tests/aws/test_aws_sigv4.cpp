// SigV4 presigning and the EKS token, compared with what the AWS CLI produced at a
// fixed time with fake keys (tests/data/aws/eks_token_vectors.json, made by
// tests/data/aws/make_vectors.py).
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "aws_eks_token.hpp"
#include "aws_sigv4.hpp"

using fluxburst::cloud::AwsCredentials;
using nlohmann::json;
namespace cloud = fluxburst::cloud;

namespace {

json vectors() {
    std::ifstream in(std::string(TEST_DATA_DIR) + "/aws/eks_token_vectors.json");
    REQUIRE(in);
    return json::parse(in);
}

std::chrono::system_clock::time_point parse_time(const std::string& text) {
    std::tm tm{};
    REQUIRE(strptime(text.c_str(), "%Y%m%dT%H%M%SZ", &tm) != nullptr);
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

AwsCredentials credentials_of(const json& c) {
    AwsCredentials credentials;
    credentials.access_key_id = c.at("access_key");
    credentials.secret_access_key = c.at("secret_key");
    credentials.session_token = c.at("session_token");
    return credentials;
}

}  // namespace

TEST_CASE("EKS token: identical to the AWS CLI's at a fixed time", "[aws][sigv4]") {
    const json v = vectors();
    const auto when = parse_time(v.at("time"));
    REQUIRE(v.at("cases").size() >= 2);
    for (const auto& c : v.at("cases")) {
        INFO(c.at("name").get<std::string>());
        CHECK(cloud::eks_token(credentials_of(c), c.at("region"), c.at("cluster"), when) ==
              c.at("token").get<std::string>());
    }
}

TEST_CASE("SigV4 presigned URL: identical to the AWS CLI's", "[aws][sigv4]") {
    const json v = vectors();
    for (const auto& c : v.at("cases")) {
        INFO(c.at("name").get<std::string>());
        cloud::AwsPresignRequest request;
        request.endpoint = "https://sts." + c.at("region").get<std::string>() + ".amazonaws.com";
        request.query = {{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}};
        request.headers = {{"X-K8s-Aws-Id", c.at("cluster")}};  // names are case-insensitive
        request.region = c.at("region");
        request.service = "sts";
        request.expires = v.at("expires");
        CHECK(cloud::aws_presign_url(credentials_of(c), request, parse_time(v.at("time"))) ==
              c.at("url").get<std::string>());
    }
}

TEST_CASE("SigV4 presigning: any change of input changes the signature", "[aws][sigv4]") {
    const json v = vectors();
    const json& c = v.at("cases").at(0);
    const auto when = parse_time(v.at("time"));
    const std::string base =
        cloud::eks_token(credentials_of(c), c.at("region"), c.at("cluster"), when);
    AwsCredentials other_secret = credentials_of(c);
    other_secret.secret_access_key += "x";
    CHECK(cloud::eks_token(other_secret, c.at("region"), c.at("cluster"), when) != base);
    CHECK(cloud::eks_token(credentials_of(c), c.at("region"), "other", when) != base);
    CHECK(cloud::eks_token(credentials_of(c), "us-west-2", c.at("cluster"), when) != base);
    CHECK(cloud::eks_token(credentials_of(c), c.at("region"), c.at("cluster"),
                           when + std::chrono::seconds(1)) != base);
}

TEST_CASE("SigV4 primitives: known digests and encoding", "[aws][sigv4]") {
    CHECK(cloud::sha256_hex("") ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // RFC 4231, test case 2.
    const std::string hex =
        cloud::hex_encode(cloud::hmac_sha256("Jefe", "what do ya want for nothing?"));
    CHECK(hex == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(cloud::aws_timestamp(std::chrono::system_clock::from_time_t(0)) == "19700101T000000Z");
}

TEST_CASE("SigV4 presigning: bad endpoints and expiries are errors", "[aws][sigv4]") {
    AwsCredentials credentials{"AKID", "secret", "", "test"};
    cloud::AwsPresignRequest request;
    request.region = "us-east-1";
    request.service = "sts";
    const auto now = std::chrono::system_clock::now();
    for (const char* endpoint : {"", "sts.amazonaws.com", "ftp://x", "https://", "https://a/b",
                                 "https://user@host", "https://h?x=1", "https://a b"}) {
        INFO(endpoint);
        request.endpoint = endpoint;
        CHECK_THROWS_AS(cloud::aws_presign_url(credentials, request, now), fluxburst::Error);
    }
    request.endpoint = "https://sts.us-east-1.amazonaws.com";
    for (std::int64_t expires : {0, -1, 604801}) {
        request.expires = expires;
        CHECK_THROWS_WITH(cloud::aws_presign_url(credentials, request, now),
                          Catch::Contains("expiry"));
    }
    request.expires = 60;
    CHECK_NOTHROW(cloud::aws_presign_url(credentials, request, now));
    // A default port is not part of the signed host; another one is.
    request.endpoint = "https://sts.us-east-1.amazonaws.com:443";
    const std::string with_default = cloud::aws_presign_url(credentials, request, now);
    request.endpoint = "https://sts.us-east-1.amazonaws.com";
    const std::string without = cloud::aws_presign_url(credentials, request, now);
    CHECK(with_default.substr(with_default.find("X-Amz-Signature")) ==
          without.substr(without.find("X-Amz-Signature")));
    request.endpoint = "http://127.0.0.1:5000";
    const std::string other_port = cloud::aws_presign_url(credentials, request, now);
    CHECK(other_port.rfind("http://127.0.0.1:5000/?X-Amz-Algorithm=AWS4-HMAC-SHA256&", 0) == 0);
}

TEST_CASE("EKS token source: kept, then made again before the server would refuse it",
          "[aws][eks-token]") {
    AwsCredentials credentials{"AKID", "secret", "", "test"};
    cloud::EksTokenSource source(credentials, "us-east-1", "c1");
    const auto t0 = std::chrono::system_clock::from_time_t(1700000000);
    const std::string first = source.token(t0);
    CHECK(first.rfind("k8s-aws-v1.", 0) == 0);
    CHECK(first.find('=') == std::string::npos);
    CHECK(first.find('+') == std::string::npos);
    CHECK(first.find('/') == std::string::npos);
    CHECK(source.token(t0 + std::chrono::minutes(13)) == first);
    const std::string second = source.token(t0 + std::chrono::minutes(14));
    CHECK(second != first);
    CHECK(second ==
          cloud::eks_token(credentials, "us-east-1", "c1", t0 + std::chrono::minutes(14)));
    // A clock set back does not keep a token dated in the future.
    CHECK(source.token(t0) == first);
}
