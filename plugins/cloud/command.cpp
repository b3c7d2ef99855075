#include "command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include <fluxburst/error.hpp>

extern char** environ;

namespace fluxburst::cloud {
namespace {

struct Pipe {
    int fd[2] = {-1, -1};
    Pipe() {
        if (::pipe2(fd, O_CLOEXEC) != 0)
            throw Error(std::string("cannot create a pipe: ") + std::strerror(errno));
    }
    ~Pipe() { close_all(); }
    void close_end(int i) {
        if (fd[i] >= 0) ::close(fd[i]);
        fd[i] = -1;
    }
    void close_all() {
        close_end(0);
        close_end(1);
    }
};

struct SpawnActions {
    posix_spawn_file_actions_t actions;
    SpawnActions() { posix_spawn_file_actions_init(&actions); }
    ~SpawnActions() { posix_spawn_file_actions_destroy(&actions); }
};

struct SpawnAttr {
    posix_spawnattr_t attr;
    SpawnAttr() { posix_spawnattr_init(&attr); }
    ~SpawnAttr() { posix_spawnattr_destroy(&attr); }
};

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv,
                          const std::vector<std::pair<std::string, std::string>>& env,
                          std::chrono::milliseconds timeout, std::size_t max_output) {
    if (argv.empty() || argv[0].empty()) throw Error("no command to run");
    const std::string& name = argv[0];

    // The environment: ours, with `env` replacing or adding variables.
    std::map<std::string, std::string> vars;
    for (char** e = environ; e && *e; ++e) {
        std::string entry(*e);
        const auto eq = entry.find('=');
        if (eq == std::string::npos) continue;
        vars[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    for (const auto& [k, v] : env) {
        if (k.empty() || k.find('=') != std::string::npos || k.find('\0') != std::string::npos ||
            v.find('\0') != std::string::npos)
            throw Error("command '" + name + "': invalid environment variable name '" + k + "'");
        vars[k] = v;
    }
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : vars) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> args(argv);
    std::vector<char*> argp;
    for (auto& a : args) {
        if (a.find('\0') != std::string::npos)
            throw Error("command '" + name + "': an argument holds a NUL byte");
        argp.push_back(a.data());
    }
    argp.push_back(nullptr);

    Pipe out, err;
    SpawnActions fa;
    posix_spawn_file_actions_addopen(&fa.actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa.actions, out.fd[1], 1);
    posix_spawn_file_actions_adddup2(&fa.actions, err.fd[1], 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    posix_spawn_file_actions_addclosefrom_np(&fa.actions, 3);
#endif
    SpawnAttr sa;
    posix_spawnattr_setflags(
        &sa.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&sa.attr, 0);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&sa.attr, &none);
    posix_spawnattr_setsigdefault(&sa.attr, &all);

    pid_t pid = -1;
    const int rc =
        ::posix_spawnp(&pid, name.c_str(), &fa.actions, &sa.attr, argp.data(), envp.data());
    if (rc != 0)
        throw Error("cannot run the command '" + name + "': " + std::strerror(rc) +
                    (name.find('/') == std::string::npos ? " (searched in PATH)" : ""));
    out.close_end(1);
    err.close_end(1);

    CommandResult result;
    std::string why_killed;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool out_open = true, err_open = true;
    while (out_open || err_open) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            why_killed = "did not finish within " + std::to_string(timeout.count()) + " ms";
            break;
        }
        pollfd fds[2] = {{out_open ? out.fd[0] : -1, POLLIN, 0},
                         {err_open ? err.fd[0] : -1, POLLIN, 0}};
        const int n = ::poll(fds, 2, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            why_killed = std::string("poll failed: ") + std::strerror(errno);
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[8192];
            const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
            if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (got <= 0) {
                (i == 0 ? out_open : err_open) = false;
                continue;
            }
            std::string& sink = i == 0 ? result.out : result.err;
            if (sink.size() + static_cast<std::size_t>(got) > max_output) {
                why_killed = std::string("wrote more than ") + std::to_string(max_output) +
                             " bytes to " + (i == 0 ? "stdout" : "stderr");
                out_open = err_open = false;
                break;
            }
            sink.append(buf, static_cast<std::size_t>(got));
        }
    }
    if (!why_killed.empty()) ::kill(-pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!why_killed.empty()) throw Error("the command '" + name + "' " + why_killed);
    if (WIFEXITED(status))
        result.exit_status = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        result.exit_status = 128 + WTERMSIG(status);
    return result;
}

}  // namespace fluxburst::cloud
