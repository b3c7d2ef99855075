// An in-process HTTP(S) server on 127.0.0.1 for the cloud plugins' tests: routes
// are registered on server(), then start() binds a free port and serves from a
// thread until destruction.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <thread>

namespace test {

struct TestTls;

class FakeServer {
public:
    /// HTTPS with the test certificate when `tls` is given, plain HTTP otherwise.
    explicit FakeServer(const TestTls* tls = nullptr);
    ~FakeServer();
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;

    httplib::Server& server() { return *server_; }
    void start();
    int port() const { return port_; }
    /// "https://127.0.0.1:PORT" (or http://).
    std::string url() const;
    /// "127.0.0.1:PORT"
    std::string host() const;

private:
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = 0;
    bool tls_ = false;
};

}  // namespace test
