#include "aws_sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <ctime>

#include "http.hpp"

namespace fluxburst::cloud {

std::string hex_encode(std::string_view bytes) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(2 * bytes.size());
    for (unsigned char byte : bytes) {
        out += hex[byte >> 4];
        out += hex[byte & 15];
    }
    return out;
}

std::string aws_signing_key(const std::string& secret, const std::string& date,
                            const std::string& region, const std::string& service) {
    std::string key = hmac_sha256("AWS4" + secret, date);
    key = hmac_sha256(key, region);
    key = hmac_sha256(key, service);
    return hmac_sha256(key, "aws4_request");
}

std::string sha256_hex(std::string_view data) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
    return hex_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length))
        throw Error("HMAC-SHA256 failed (OpenSSL)");
    return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string aws_timestamp(std::chrono::system_clock::time_point time) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    if (!gmtime_r(&seconds, &utc)) throw Error("cannot convert the time to UTC");
    char text[32];
    std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
    return text;
}

namespace {

// "host[:port]" of "http(s)://host[:port]", the port kept only when not the default.
std::string host_of(const std::string& endpoint) {
    std::string rest;
    std::string default_port;
    if (endpoint.rfind("https://", 0) == 0) {
        rest = endpoint.substr(8);
        default_port = ":443";
    } else if (endpoint.rfind("http://", 0) == 0) {
        rest = endpoint.substr(7);
        default_port = ":80";
    }
    if (rest.empty() || rest.find_first_of("/?#@ \t\r\n") != std::string::npos)
        throw Error("AWS endpoint '" + endpoint +
                    "' is not of the form https://host[:port] (no path, no user)");
    if (rest.size() > default_port.size() &&
        rest.compare(rest.size() - default_port.size(), default_port.size(), default_port) == 0)
        rest.resize(rest.size() - default_port.size());
    return rest;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return text;
}

std::string join_query(const std::vector<std::pair<std::string, std::string>>& params) {
    std::string out;
    for (const auto& [key, value] : params) {
        if (!out.empty()) out += '&';
        out += url_escape(key) + '=' + url_escape(value);
    }
    return out;
}

}  // namespace

std::string aws_presign_url(const AwsCredentials& credentials, const AwsPresignRequest& request,
                            std::chrono::system_clock::time_point now) {
    if (request.expires < 1 || request.expires > 604800)
        throw Error("a presigned URL's expiry must be 1 to 604800 seconds, not " +
                    std::to_string(request.expires));
    if (request.region.empty() || request.service.empty())
        throw Error("a presigned URL needs a region and a service");
    if (request.path.empty() || request.path[0] != '/')
        throw Error("a presigned URL's path must start with '/'");
    const std::string host = host_of(request.endpoint);
    const std::string timestamp = aws_timestamp(now);
    const std::string date = timestamp.substr(0, 8);
    const std::string scope = date + "/" + request.region + "/" + request.service + "/aws4_request";

    // Signed headers: host and the request's, by lower-case name, sorted.
    std::vector<std::pair<std::string, std::string>> headers = {{"host", host}};
    for (const auto& [name, value] : request.headers) headers.emplace_back(lower(name), value);
    std::sort(headers.begin(), headers.end());
    std::string signed_headers, canonical_headers;
    for (const auto& [name, value] : headers) {
        signed_headers += (signed_headers.empty() ? "" : ";") + name;
        canonical_headers += name + ":" + value + "\n";
    }

    std::vector<std::pair<std::string, std::string>> params = request.query;
    params.emplace_back("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
    params.emplace_back("X-Amz-Credential", credentials.access_key_id + "/" + scope);
    params.emplace_back("X-Amz-Date", timestamp);
    params.emplace_back("X-Amz-Expires", std::to_string(request.expires));
    params.emplace_back("X-Amz-SignedHeaders", signed_headers);
    if (!credentials.session_token.empty())
        params.emplace_back("X-Amz-Security-Token", credentials.session_token);

    // The canonical query: encoded pairs sorted by key, then value.
    std::vector<std::pair<std::string, std::string>> encoded;
    for (const auto& [key, value] : params)
        encoded.emplace_back(url_escape(key), url_escape(value));
    std::sort(encoded.begin(), encoded.end());
    std::string canonical_query;
    for (const auto& [key, value] : encoded)
        canonical_query += (canonical_query.empty() ? "" : "&") + key + "=" + value;

    const std::string canonical_request = request.method + "\n" + request.path + "\n" +
                                          canonical_query + "\n" + canonical_headers + "\n" +
                                          signed_headers + "\n" + sha256_hex("");
    const std::string string_to_sign =
        "AWS4-HMAC-SHA256\n" + timestamp + "\n" + scope + "\n" + sha256_hex(canonical_request);
    const std::string key =
        aws_signing_key(credentials.secret_access_key, date, request.region, request.service);
    return request.endpoint + request.path + "?" + join_query(params) +
           "&X-Amz-Signature=" + hex_encode(hmac_sha256(key, string_to_sign));
}

}  // namespace fluxburst::cloud
