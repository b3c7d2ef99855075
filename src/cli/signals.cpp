#include "signals.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <fmt/format.h>

#include <fluxburst/error.hpp>

namespace fluxburst::cli::signals {

namespace {

volatile std::sig_atomic_t requested = 0;
int wake_pipe[2] = {-1, -1};  // the handler writes a byte; the sleeper polls the read end

extern "C" void on_stop(int sig) {
    int saved = errno;
    requested = sig;
    if (wake_pipe[1] >= 0) {
        char c = 1;
        ssize_t n = ::write(wake_pipe[1], &c, 1);  // non-blocking; a full pipe is fine
        (void)n;
    }
    errno = saved;
}

}  // namespace

void install_stop_handlers() {
    if (wake_pipe[0] >= 0) return;
    if (::pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        throw Error(
            fmt::format("cannot create a pipe for signal handling: {}", std::strerror(errno)));
    struct sigaction sa {};
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    // SA_RESETHAND: a second signal gets the default action and stops at once.
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    for (int sig : {SIGINT, SIGTERM}) {
        if (::sigaction(sig, &sa, nullptr) != 0)
            throw Error(fmt::format("cannot install a handler for signal {}: {}", sig,
                                    std::strerror(errno)));
    }
}

bool stop_requested() {
    return requested != 0;
}

int stop_signal() {
    return requested;
}

int stop_fd() {
    return wake_pipe[0];
}

bool sleep_unless_stopped(double seconds) {
    using Clock = std::chrono::steady_clock;
    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(seconds));
    while (!stop_requested()) {
        auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return false;
        struct pollfd pfd {
            wake_pipe[0], POLLIN, 0
        };
        int timeout = left > 1000000 ? 1000000 : static_cast<int>(left) + 1;
        int rc = ::poll(wake_pipe[0] >= 0 ? &pfd : nullptr, wake_pipe[0] >= 0 ? 1 : 0, timeout);
        if (rc < 0 && errno != EINTR) return stop_requested();
    }
    return true;
}

}  // namespace fluxburst::cli::signals
