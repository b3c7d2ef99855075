// http_send against a local HTTPS server whose CA is generated at test time.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "http.hpp"
#include "https_server.hpp"
#include "test_tls.hpp"

using fluxburst::cloud::http_send;
using fluxburst::cloud::HttpError;
using fluxburst::cloud::HttpRequest;
using fluxburst::cloud::url_escape;
using fluxburst::cloud::url_for_message;

namespace {

struct Fixture {
    test::TlsIdentity ca = test::make_test_ca();
    test::HttpsServer server{test::make_server_cert(ca), ca.cert_pem};

    Fixture() {
        auto& http = server.http();
        http.Get("/hello", [](const httplib::Request&, httplib::Response& res) {
            res.set_header("X-Thing", "Value 1");
            res.set_content("hello", "text/plain");
        });
        http.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
            res.status = 201;
            res.set_content(req.method + " " + req.get_header_value("X-Test") + " " + req.body,
                            "text/plain");
        });
        http.Delete("/echo", [](const httplib::Request& req, httplib::Response& res) {
            res.set_content(req.method + " " + req.body, "text/plain");
        });
        http.Get("/missing", [](const httplib::Request&, httplib::Response& res) {
            res.status = 404;
            res.set_content("{\"kind\":\"Status\"}", "application/json");
        });
        http.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
            std::this_thread::sleep_for(std::chrono::milliseconds(800));
            res.set_content("late", "text/plain");
        });
        http.Get("/big", [](const httplib::Request&, httplib::Response& res) {
            res.set_content(std::string(100000, 'x'), "text/plain");
        });
        http.Get("/redirect", [](const httplib::Request&, httplib::Response& res) {
            res.set_redirect("https://elsewhere.invalid/steal");
        });
        http.Get("/whoami", [](const httplib::Request& req, httplib::Response& res) {
            res.set_content(test::HttpsServer::peer_common_name(req), "text/plain");
        });
        http.Get("/auth", [](const httplib::Request& req, httplib::Response& res) {
            res.set_content(req.get_header_value("Authorization"), "text/plain");
        });
        server.start();
    }

    HttpRequest request(const std::string& path) {
        HttpRequest r;
        r.url = server.url() + path;
        r.ca_pem = ca.cert_pem;
        r.timeout = std::chrono::milliseconds(5000);
        return r;
    }
};

std::string error_of(const HttpRequest& request) {
    try {
        http_send(request);
    } catch (const HttpError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("http_send: GET over TLS verified against the given CA", "[http]") {
    Fixture f;
    auto res = http_send(f.request("/hello"));
    CHECK(res.status == 200);
    CHECK(res.body == "hello");
    CHECK(res.headers.at("x-thing") == "Value 1");
    CHECK(res.headers.at("content-type") == "text/plain");
}

TEST_CASE("http_send: POST and DELETE send method, headers and body", "[http]") {
    Fixture f;
    auto req = f.request("/echo");
    req.method = "POST";
    req.headers = {{"X-Test", "yes"}, {"Content-Type", "application/json"}};
    req.body = "{\"a\":1}";
    auto res = http_send(req);
    CHECK(res.status == 201);
    CHECK(res.body == "POST yes {\"a\":1}");

    req.method = "DELETE";
    req.body = "{\"propagationPolicy\":\"Foreground\"}";
    res = http_send(req);
    CHECK(res.body == "DELETE {\"propagationPolicy\":\"Foreground\"}");
}

TEST_CASE("http_send: an HTTP error status is a response, not an exception", "[http]") {
    Fixture f;
    auto res = http_send(f.request("/missing"));
    CHECK(res.status == 404);
    CHECK(res.body == "{\"kind\":\"Status\"}");
}

TEST_CASE("http_send: a server certificate from another CA is refused", "[http]") {
    Fixture f;
    auto req = f.request("/hello");
    req.ca_pem = test::make_test_ca("some other CA").cert_pem;
    std::string e = error_of(req);
    CHECK_THAT(e, Catch::Contains("GET " + f.server.url() + "/hello"));
    CHECK_THAT(e, Catch::Contains("TLS"));
    CHECK_THAT(e, Catch::Contains("given CA only"));

    // Without a CA, the system store is used, which does not know the test CA.
    req.ca_pem.clear();
    e = error_of(req);
    CHECK_THAT(e, Catch::Contains("TLS"));
    CHECK_THAT(e, Catch::Contains("system"));

    // Garbage instead of a CA.
    req.ca_pem = "not a certificate";
    CHECK_THAT(error_of(req), Catch::Contains("GET "));
}

TEST_CASE("http_send: client certificates (mutual TLS)", "[http]") {
    Fixture f;
    auto req = f.request("/whoami");
    CHECK(http_send(req).body == "");

    auto client = test::make_client_cert(f.ca, "alice", "system:masters");
    req.client_cert_pem = client.cert_pem;
    req.client_key_pem = client.key_pem;
    CHECK(http_send(req).body == "alice");

    // A certificate from another CA: the server refuses the handshake.
    auto stranger = test::make_client_cert(test::make_test_ca("stranger"), "mallory");
    req.client_cert_pem = stranger.cert_pem;
    req.client_key_pem = stranger.key_pem;
    CHECK_THAT(error_of(req), Catch::Contains("GET " + f.server.url() + "/whoami"));

    // A certificate without its key is refused before any connection.
    req.client_key_pem.clear();
    CHECK_THAT(error_of(req), Catch::Contains("needs its key"));
}

TEST_CASE("http_send: bounded in time and in response size", "[http]") {
    Fixture f;
    auto req = f.request("/slow");
    req.timeout = std::chrono::milliseconds(200);
    auto start = std::chrono::steady_clock::now();
    std::string e = error_of(req);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(700));
    CHECK_THAT(e, Catch::Contains("within 200 ms"));

    req = f.request("/big");
    req.max_response_bytes = 10000;
    CHECK_THAT(error_of(req), Catch::Contains("larger than the limit of 10000 bytes"));
    req.max_response_bytes = 200000;
    CHECK(http_send(req).body.size() == 100000);
}

TEST_CASE("http_send: redirects are returned, never followed", "[http]") {
    Fixture f;
    auto res = http_send(f.request("/redirect"));
    CHECK(res.status == 302);
    CHECK(res.headers.at("location") == "https://elsewhere.invalid/steal");
}

TEST_CASE("http_send: error messages carry no secrets", "[http]") {
    Fixture f;
    const int port = f.server.port();
    f.server.stop();  // nothing listens there now
    HttpRequest req;
    req.url = "https://user:hunter2@127.0.0.1:" + std::to_string(port) +
              "/api/v1/namespaces?token=s3cret#frag";
    req.headers = {{"Authorization", "Bearer tok3n"}};
    req.body = "b0dy";
    req.timeout = std::chrono::milliseconds(2000);
    std::string e = error_of(req);
    CHECK_THAT(e, Catch::StartsWith("GET https://...@127.0.0.1:" + std::to_string(port) +
                                    "/api/v1/namespaces?...: "));
    for (const char* secret : {"hunter2", "s3cret", "tok3n", "b0dy", "frag"})
        CHECK(e.find(secret) == std::string::npos);
}

TEST_CASE("http_send: malformed requests are refused before sending", "[http]") {
    HttpRequest req;
    req.url = "file:///etc/passwd";
    CHECK_THAT(error_of(req), Catch::Contains("must start with https:// or http://"));
    req.url = "ftp://127.0.0.1/";
    CHECK_THAT(error_of(req), Catch::Contains("must start with https://"));
    req.url = "https://127.0.0.1/\r\nX: y";
    CHECK_THAT(error_of(req), Catch::Contains("line break"));
    req.url = "https://127.0.0.1/";
    req.method = "GET /x";
    CHECK_THAT(error_of(req), Catch::Contains("invalid HTTP method"));
    req.method = "GET";
    req.headers = {{"X-A", "b\r\nInjected: yes"}};
    CHECK_THAT(error_of(req), Catch::Contains("header X-A holds a line break"));
    req.headers = {{"X A", "b"}};
    CHECK_THAT(error_of(req), Catch::Contains("invalid header name"));
    req.headers.clear();
    req.timeout = std::chrono::milliseconds(0);
    CHECK_THAT(error_of(req), Catch::Contains("timeout must be positive"));
}

TEST_CASE("http_send: AWS SigV4 signing", "[http]") {
    Fixture f;
    auto req = f.request("/auth");
    req.aws_sigv4 = "aws:amz:us-east-1:eks";
    req.aws_access_key = "AKIDEXAMPLE";
    req.aws_secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    std::string auth = http_send(req).body;
    CHECK_THAT(auth, Catch::StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"));
    CHECK_THAT(auth, Catch::Contains("/us-east-1/eks/aws4_request"));
    CHECK_THAT(auth, Catch::Contains("Signature="));
    CHECK(auth.find("wJalrXUtnFEMI") == std::string::npos);
}

TEST_CASE("url_escape: only unreserved characters pass", "[http]") {
    CHECK(url_escape("burst-0.a_b~") == "burst-0.a_b~");
    CHECK(url_escape("a/b") == "a%2Fb");
    CHECK(url_escape("../x") == "..%2Fx");
    CHECK(url_escape("a b?c=d&e#f") == "a%20b%3Fc%3Dd%26e%23f");
    CHECK(url_escape(std::string("\0\xff", 2)) == "%00%FF");
    CHECK(url_escape("%") == "%25");
    CHECK(url_escape("") == "");
    for (int c = 0; c < 256; ++c) {
        std::string escaped = url_escape(std::string(1, static_cast<char>(c)));
        for (char e : escaped)
            CHECK((std::isalnum(static_cast<unsigned char>(e)) ||
                   std::string("-._~%").find(e) != std::string::npos));
    }
}

TEST_CASE("url_for_message: drops user information and query", "[http]") {
    CHECK(url_for_message("https://h:1/p") == "https://h:1/p");
    CHECK(url_for_message("https://u:p@h/p?q=1") == "https://...@h/p?...");
    CHECK(url_for_message("https://h?x") == "https://h?...");
    CHECK(url_for_message("https://h/a#b") == "https://h/a?...");
}
