// An HTTPS server on 127.0.0.1 for the cloud tests (cpp-httplib), serving with a
// certificate from test_tls, optionally verifying client certificates.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <thread>

#include "test_tls.hpp"

namespace test {

class HttpsServer {
public:
    /// client_ca_pem: when not empty, clients may present a certificate, verified
    /// against this CA (see peer_common_name); clients without one are still served.
    explicit HttpsServer(const TlsIdentity& server, const std::string& client_ca_pem = "");
    ~HttpsServer();
    HttpsServer(const HttpsServer&) = delete;
    HttpsServer& operator=(const HttpsServer&) = delete;

    /// Register handlers here before start().
    httplib::Server& http() { return *server_; }
    /// Binds `port` (0: a free one) on 127.0.0.1 and serves in a thread.
    void start(int port = 0);
    /// Stops serving (idempotent); the port then refuses connections.
    void stop();
    int port() const { return port_; }
    /// "https://127.0.0.1:<port>"
    std::string url() const;

    /// The CN of the request's verified client certificate, "" without one.
    static std::string peer_common_name(const httplib::Request& request);

private:
    std::unique_ptr<httplib::SSLServer> server_;
    std::thread thread_;
    int port_ = 0;
};

}  // namespace test
