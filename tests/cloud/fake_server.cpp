#include "fake_server.hpp"

#include <chrono>
#include <stdexcept>

#include "test_tls.hpp"

namespace test {

FakeServer::FakeServer(const TestTls* tls) : tls_(tls != nullptr) {
    if (tls)
        server_ =
            std::make_unique<httplib::SSLServer>(tls->cert_file.c_str(), tls->key_file.c_str());
    else
        server_ = std::make_unique<httplib::Server>();
    if (!server_->is_valid()) throw std::runtime_error("fake server: TLS setup failed");
}

FakeServer::~FakeServer() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
}

void FakeServer::start() {
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("fake server: cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // stop() is a no-op until the accept loop runs: wait for it (bounded).
    for (int i = 0; i < 5000 && !server_->is_running(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

std::string FakeServer::url() const {
    return (tls_ ? "https://" : "http://") + host();
}

std::string FakeServer::host() const {
    return "127.0.0.1:" + std::to_string(port_);
}

}  // namespace test
