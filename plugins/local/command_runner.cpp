#include "command_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include <fluxburst/error.hpp>

#include "templates.hpp"

extern char** environ;

namespace fluxburst::local {

std::string CommandResult::describe() const {
    std::string what;
    if (timed_out)
        what = "timed out";
    else if (exit_status >= 128)
        what = "killed by signal " + std::to_string(exit_status - 128);
    else
        what = "exit status " + std::to_string(exit_status);
    std::string tail = err;
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.pop_back();
    if (tail.size() > 400) tail = "..." + tail.substr(tail.size() - 400);
    if (!tail.empty()) what += ": " + tail;
    return what;
}

namespace {

struct Pipe {
    int fd[2] = {-1, -1};
    Pipe() {
        if (::pipe2(fd, O_CLOEXEC) < 0) throw Error(std::string("pipe: ") + std::strerror(errno));
    }
    ~Pipe() {
        for (int f : fd)
            if (f >= 0) ::close(f);
    }
    void close_end(int i) {
        if (fd[i] >= 0) ::close(fd[i]);
        fd[i] = -1;
    }
};

// Read what is available without blocking; false at end of file.
bool drain(int fd, std::string& into) {
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n > 0) {
            into.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) return false;
        if (errno == EINTR) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK;
    }
}

}  // namespace

CommandResult run_command(const std::string& command, double timeout,
                          const std::map<std::string, std::optional<std::string>>& env) {
    return run_argv({"/bin/sh", "-c", command}, timeout, env);
}

std::string describe_argv(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) out += (out.empty() ? "" : " ") + shell_quote(a);
    return out;
}

CommandResult run_argv(const std::vector<std::string>& args, double timeout,
                       const std::map<std::string, std::optional<std::string>>& env) {
    if (args.empty()) throw Error("run_argv: no program");
    // The child's environment and arguments, prepared before fork.
    std::vector<std::string> vars;
    for (char** e = environ; e && *e; ++e) {
        std::string var = *e;
        std::string name = var.substr(0, var.find('='));
        if (!env.count(name)) vars.push_back(var);
    }
    for (const auto& [name, value] : env)
        if (value) vars.push_back(name + "=" + *value);
    std::vector<char*> envp;
    for (auto& v : vars) envp.push_back(v.data());
    envp.push_back(nullptr);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);

    Pipe out, err;
    pid_t pid = ::fork();
    if (pid < 0) throw Error(std::string("cannot start a shell: fork: ") + std::strerror(errno));
    if (pid == 0) {
        ::setsid();
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, 0);
        ::dup2(out.fd[1], 1);
        ::dup2(err.fd[1], 2);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    out.close_end(1);
    err.close_end(1);
    ::fcntl(out.fd[0], F_SETFL, O_NONBLOCK);
    ::fcntl(err.fd[0], F_SETFL, O_NONBLOCK);

    CommandResult result;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
    bool out_open = true, err_open = true, exited = false;
    int status = 0;
    while (!exited) {
        pollfd fds[2];
        int n = 0;
        if (out_open) fds[n++] = {out.fd[0], POLLIN, 0};
        if (err_open) fds[n++] = {err.fd[0], POLLIN, 0};
        ::poll(fds, static_cast<nfds_t>(n), 50);
        if (out_open) out_open = drain(out.fd[0], result.out);
        if (err_open) err_open = drain(err.fd[0], result.err);
        pid_t w = ::waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            exited = true;
            break;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            result.timed_out = true;
            ::kill(-pid, SIGTERM);
            auto grace = std::chrono::steady_clock::now() + std::chrono::seconds(2);
            while (::waitpid(pid, &status, WNOHANG) == 0 &&
                   std::chrono::steady_clock::now() < grace)
                ::usleep(20000);
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            exited = true;
        }
    }
    // The shell is gone: take what its output pipes hold now, not waiting for
    // background children that inherited them.
    if (out_open) drain(out.fd[0], result.out);
    if (err_open) drain(err.fd[0], result.err);
    if (WIFEXITED(status))
        result.exit_status = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        result.exit_status = 128 + WTERMSIG(status);
    return result;
}

std::optional<std::string> find_program(const std::string& name) {
    auto usable = [](const std::string& p) {
        struct stat st {};
        return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
    };
    if (name.find('/') != std::string::npos) {
        if (usable(name)) return name;
        return std::nullopt;
    }
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        std::size_t end = dirs.find(':', start);
        if (end == std::string::npos) end = dirs.size();
        std::string dir = dirs.substr(start, end - start);
        if (dir.empty()) dir = ".";
        std::string candidate = dir + "/" + name;
        if (usable(candidate)) return candidate;
        start = end + 1;
    }
    return std::nullopt;
}

}  // namespace fluxburst::local
