// HTTP(S) requests for the cloud plugins: a small libcurl wrapper.
//
// One call, one request, no redirects followed, every request bounded in time and in
// response size. TLS is verified: against the given CA only when one is given, else
// against the system store. Error messages name the method and the URL without its
// query or user information (where secrets travel), never a header or the body.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fluxburst/error.hpp>

namespace fluxburst::cloud {

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    /// Extra request headers, sent as given (names and values must not hold CR or LF).
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    /// Trust only this CA (PEM, one or more certificates); empty: the system store.
    std::string ca_pem;
    /// Mutual TLS: client certificate and its private key (PEM), both or neither.
    std::string client_cert_pem, client_key_pem;
    /// AWS Signature Version 4, e.g. "aws:amz:us-east-1:eks" (CURLOPT_AWS_SIGV4),
    /// signed with aws_access_key/aws_secret_key.
    std::string aws_sigv4;
    std::string aws_access_key, aws_secret_key;
    /// Whole request, connection included.
    std::chrono::milliseconds timeout{30000};
    /// A larger response (headers and body) is an HttpError.
    std::size_t max_response_bytes = 64u << 20;
};

struct HttpResponse {
    long status = 0;
    std::string body;
    /// Response headers by lower-case name (the last one wins when repeated).
    std::map<std::string, std::string> headers;
};

/// The request could not be made or its response not received: connection,
/// TLS verification, timeout, response too large. The message names the method and
/// the URL (without query) and says what went wrong. HTTP error statuses are not
/// HttpErrors: they are responses.
class HttpError : public fluxburst::Error {
public:
    using fluxburst::Error::Error;
};

/// Sends the request and returns the response, whatever its status.
HttpResponse http_send(const HttpRequest& request);

/// Percent-encodes everything but the unreserved characters (A-Z a-z 0-9 - . _ ~):
/// safe as one URL path segment or one query value.
std::string url_escape(std::string_view text);

/// The URL as error messages show it: scheme, host and path; user information and
/// query replaced by "...".
std::string url_for_message(std::string_view url);

}  // namespace fluxburst::cloud
