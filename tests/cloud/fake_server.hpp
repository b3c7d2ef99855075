// Helpers for the fake provider APIs of the cloud tests: a plain-HTTP server on
// 127.0.0.1 (the GCE metadata server is plain HTTP), and a wait until a server's
// accept loop runs (stopping one that has not started yet would hang).
#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <thread>

namespace test {

/// Wait (at most 5 s) until `server` accepts connections.
void wait_until_serving(httplib::Server& server);

class PlainHttpServer {
public:
    PlainHttpServer() = default;
    ~PlainHttpServer();
    PlainHttpServer(const PlainHttpServer&) = delete;
    PlainHttpServer& operator=(const PlainHttpServer&) = delete;

    /// Register handlers here before start().
    httplib::Server& http() { return server_; }
    /// Binds a free port on 127.0.0.1 and serves in a thread.
    void start();
    /// "127.0.0.1:PORT"
    std::string host() const { return "127.0.0.1:" + std::to_string(port_); }

private:
    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
};

}  // namespace test
