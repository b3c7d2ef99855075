// What the fake Google APIs (Compute Engine, GKE) share: an HTTPS server on
// 127.0.0.1, a bearer token from the fake OAuth endpoint required, every request
// logged, request bodies checked against a trimmed discovery document, Google's error
// shape, and an HTTP error for the next request of a kind, on demand.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "discovery_schema.hpp"
#include "https_server.hpp"

namespace test {

/// Google's error body: {"error": {"code", "message", "status", "errors": [{"reason"}]}}.
std::string google_error_body(int status, const std::string& reason, const std::string& message);

class FakeGoogleApi {
public:
    virtual ~FakeGoogleApi() = default;
    FakeGoogleApi(const FakeGoogleApi&) = delete;
    FakeGoogleApi& operator=(const FakeGoogleApi&) = delete;

    /// The next request with this method whose path contains `path_part` answers
    /// `status` with Google's error body and `message`.
    void fail_next(const std::string& method, const std::string& path_part, int status,
                   const std::string& message);
    /// "METHOD path?query" of every request, in order.
    std::vector<std::string> requests() const;
    /// Bodies refused by the schema, and requests without a valid token.
    std::vector<std::string> errors() const;

protected:
    /// `schema_path`: the trimmed discovery document the bodies are checked against.
    FakeGoogleApi(const TlsIdentity& server, const std::string& schema_path);
    /// Registers the handlers and serves; derived constructors call it last.
    void start();
    /// Answers a request that has a token and no injected failure (mutex_ held).
    virtual void serve(const httplib::Request& req, httplib::Response& res) = 0;
    /// Google's error answer.
    static void error(httplib::Response& res, int status, const std::string& reason,
                      const std::string& message);
    static void answer(httplib::Response& res, const nlohmann::json& body);
    /// The request's body if it is a valid `schema`; otherwise answers 400 with the
    /// problems (recorded in errors()) and returns null.
    nlohmann::json checked_body(const httplib::Request& req, httplib::Response& res,
                                const std::string& schema, bool check_required = true);
    std::string url() const { return https_.url(); }

    mutable std::mutex mutex_;
    std::vector<std::string> errors_;

private:
    void handle(const httplib::Request& req, httplib::Response& res);
    struct Failure {
        std::string method, path_part, message;
        int status;
    };
    HttpsServer https_;
    DiscoverySchema schema_;
    std::vector<Failure> failures_;
    std::vector<std::string> requests_;
};

}  // namespace test
