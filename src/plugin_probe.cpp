// Listing plugins without trusting them: each file is loaded in a child process,
// which reports its description through a pipe.
#include "loader.hpp"

#include <fluxburst/error.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

namespace fluxburst::loader {

namespace {

constexpr std::size_t max_report = std::size_t{16} << 20;  // a description, as JSON
constexpr std::size_t max_children = 8;

nlohmann::json to_json(const PluginDescription& d) {
    return {{"name", d.name},
            {"version", d.version},
            {"description", d.description},
            {"path", d.path},
            {"parameters", schema_to_json(d.parameters)},
            {"error", d.error}};
}

PluginDescription broken(const Found& found, const std::string& why) {
    PluginDescription d;
    d.name = found.name;
    d.path = found.path;
    d.error = fmt::format("plugin '{}' ({}): {}", found.name, found.path, why);
    return d;
}

struct Child {
    const Found* found = nullptr;
    std::size_t index = 0;
    pid_t pid = -1;
    int fd = -1;
    std::string report;
    bool eof = false;
    int status = 0;
    bool exited = false;
    bool timed_out = false;
    std::chrono::steady_clock::time_point deadline;
};

// In the child: describe the plugin, write the description, leave at once.
[[noreturn]] void child_main(const Found& found, int fd) {
    ::setpgid(0, 0);  // a hang is killed with whatever it started
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {  // what the plugin prints must not mix with the listing
        ::dup2(devnull, 0);
        ::dup2(devnull, 1);
        ::dup2(devnull, 2);
    }
    std::string text;
    try {
        text =
            to_json(describe(found)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (...) {
        ::_exit(3);
    }
    const char* p = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) ::_exit(4);
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    ::_exit(0);
}

void start(Child& c, std::chrono::milliseconds timeout) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        c.exited = c.eof = true;
        c.status = -1;
        return;
    }
    c.pid = ::fork();
    if (c.pid == 0) {
        ::close(fds[0]);
        child_main(*c.found, fds[1]);
    }
    ::close(fds[1]);
    if (c.pid < 0) {
        ::close(fds[0]);
        c.exited = c.eof = true;
        c.status = -1;
        return;
    }
    c.fd = fds[0];
    ::fcntl(c.fd, F_SETFL, O_NONBLOCK);
    c.deadline = std::chrono::steady_clock::now() + timeout;
}

void read_some(Child& c) {
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(c.fd, buf, sizeof buf);
        if (n > 0) {
            if (c.report.size() < max_report) c.report.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) c.eof = true;
        return;
    }
}

PluginDescription result(const Child& c, std::chrono::milliseconds timeout) {
    const Found& f = *c.found;
    if (c.timed_out)
        return broken(f, fmt::format("loading it did not finish within {:g} s (it hangs in its "
                                     "constructor?); it was killed",
                                     static_cast<double>(timeout.count()) / 1000));
    if (c.status == -1) return broken(f, "cannot start a process to look at it");
    if (WIFSIGNALED(c.status))
        return broken(f, fmt::format("loading it killed the process with signal {} ({})",
                                     WTERMSIG(c.status), ::strsignal(WTERMSIG(c.status))));
    if (WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0) {
        nlohmann::json j = nlohmann::json::parse(c.report, nullptr, false);
        if (j.is_object()) {
            try {
                PluginDescription d;
                d.name = j.at("name").get<std::string>();
                d.version = j.at("version").get<std::string>();
                d.description = j.at("description").get<std::string>();
                d.path = j.at("path").get<std::string>();
                d.error = j.at("error").get<std::string>();
                if (d.error.empty()) d.parameters = schema_from_json(j.at("parameters"), d.name);
                return d;
            } catch (const std::exception&) {
            }
        }
        return broken(f,
                      "loading it ended the process (exit status 0) before it could be "
                      "described (its constructor calls exit?)");
    }
    return broken(f, fmt::format("loading it ended the process with exit status {} (its "
                                 "constructor calls exit?)",
                                 WEXITSTATUS(c.status)));
}

}  // namespace

std::vector<PluginDescription> probe(const std::vector<Found>& found,
                                     std::chrono::milliseconds timeout) {
    std::vector<PluginDescription> out(found.size());
    // Buffered output would be written again by a child that calls exit().
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    std::vector<Child> running;
    std::size_t next = 0;
    while (next < found.size() || !running.empty()) {
        while (next < found.size() && running.size() < max_children) {
            Child c;
            c.found = &found[next];
            c.index = next++;
            start(c, timeout);
            running.push_back(std::move(c));
        }
        std::vector<pollfd> fds;
        for (const auto& c : running)
            if (!c.eof) fds.push_back({c.fd, POLLIN, 0});
        if (!fds.empty()) ::poll(fds.data(), fds.size(), 20);
        auto now = std::chrono::steady_clock::now();
        for (auto& c : running) {
            if (!c.eof) read_some(c);
            if (!c.exited && c.pid > 0) {
                pid_t w = ::waitpid(c.pid, &c.status, WNOHANG);
                if (w == c.pid) c.exited = true;
            }
            if (!c.exited && now >= c.deadline) {
                ::kill(-c.pid, SIGKILL);
                ::kill(c.pid, SIGKILL);
                ::waitpid(c.pid, &c.status, 0);
                c.exited = c.eof = c.timed_out = true;
            }
            // A child that exited may have left a grandchild holding the pipe.
            if (c.exited && !c.eof) {
                read_some(c);
                c.eof = true;
            }
        }
        for (auto it = running.begin(); it != running.end();) {
            if (it->exited && it->eof) {
                if (it->fd >= 0) ::close(it->fd);
                out[it->index] = result(*it, timeout);
                it = running.erase(it);
            } else {
                ++it;
            }
        }
        if (fds.empty() && !running.empty()) ::usleep(20000);
    }
    return out;
}

}  // namespace fluxburst::loader
