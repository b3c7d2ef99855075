#include "fake_server.hpp"

#include <chrono>
#include <stdexcept>

namespace test {

void wait_until_serving(httplib::Server& server) {
    for (int i = 0; i < 5000 && !server.is_running(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

PlainHttpServer::~PlainHttpServer() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
}

void PlainHttpServer::start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("test HTTP server: cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    wait_until_serving(server_);
}

}  // namespace test
