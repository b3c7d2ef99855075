#include "local_launch.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fluxburst/error.hpp>
#include <fluxburst/job.hpp>

extern char** environ;

namespace fluxburst::local {

namespace {

bool ascii_alnum(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// At most 80 bytes of `text` for a message, control characters shown as '?'.
std::string excerpt(const std::string& text) {
    std::string out = text.substr(0, 80);
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return out + (text.size() > 80 ? "..." : "");
}

std::string join(const std::set<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "{" : ", {") + n + "}";
    return out;
}

}  // namespace

const std::set<std::string>& launch_placeholders() {
    static const std::set<std::string> names = {
        "flux",  "flux_root", "flux_uri", "instance_uri", "config_dir", "config_path",   "hosts",
        "ranks", "nodes",     "host",     "rank",         "port",       "network_device"};
    return names;
}

const std::set<std::string>& stop_placeholders() {
    static const std::set<std::string> names = [] {
        std::set<std::string> n = launch_placeholders();
        n.insert("launch_output");
        return n;
    }();
    return names;
}

const char* const default_launch_command =
    "{flux} proxy {flux_uri} {flux} submit --job-name=fluxburst-local -N {nodes} "
    "--requires=host:{hosts} {flux} start --config-path={config_path} -Sbroker.rc2_none";

std::set<std::string> placeholders_in(const std::string& tmpl, const std::set<std::string>& allowed,
                                      const std::string& what) {
    std::set<std::string> found;
    char quote = 0;  // ' or " while inside quotes
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
        char c = tmpl[i];
        if ((c == '{' || c == '}') && i + 1 < tmpl.size() && tmpl[i + 1] == c) {
            ++i;
            continue;
        }
        if (c == '\\' && quote != '\'') {
            ++i;  // the next character is literal
            continue;
        }
        if ((c == '\'' || c == '"') && (quote == 0 || quote == c)) {
            quote = quote ? 0 : c;
            continue;
        }
        if (c == '}')
            throw Error(what + ": unmatched '}' at offset " + std::to_string(i) +
                        " (write '}}' for a brace)");
        if (c != '{') continue;
        auto close = tmpl.find('}', i);
        if (close == std::string::npos)
            throw Error(what + ": unclosed '{' at offset " + std::to_string(i) +
                        " (write '{{' for a brace)");
        std::string name = tmpl.substr(i + 1, close - i - 1);
        if (!allowed.count(name))
            throw Error(what + ": unknown placeholder {" + name + "}; known: " + join(allowed));
        if (quote)
            throw Error(what + ": placeholder {" + name + "} at offset " + std::to_string(i) +
                        " is inside " + (quote == '\'' ? "single" : "double") +
                        " quotes; every value is shell-quoted already: remove the quotes around "
                        "it");
        found.insert(name);
        i = close;
    }
    return found;
}

bool runs_per_host(const std::string& tmpl) {
    return tmpl.find("{host}") != std::string::npos || tmpl.find("{rank}") != std::string::npos;
}

std::string expand(const std::string& tmpl, const std::map<std::string, std::string>& values) {
    std::string out;
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
        char c = tmpl[i];
        if ((c == '{' || c == '}') && i + 1 < tmpl.size() && tmpl[i + 1] == c) {
            out += c;
            ++i;
            continue;
        }
        if (c != '{') {
            out += c;
            continue;
        }
        auto close = tmpl.find('}', i);
        if (close == std::string::npos) throw Error("unclosed '{' in command template");
        std::string name = tmpl.substr(i + 1, close - i - 1);
        auto it = values.find(name);
        if (it == values.end()) throw Error("no value for placeholder {" + name + "}");
        out += shell_quote(it->second);
        i = close;
    }
    return out;
}

std::string shell_quote(const std::string& value) {
    auto plain = [](unsigned char c) {
        return ascii_alnum(c) || (c != 0 && std::strchr("_./:=@%+,-", c) != nullptr);
    };
    if (!value.empty() && std::all_of(value.begin(), value.end(), plain)) return value;
    std::string out = "'";
    for (char c : value) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

bool is_host_name(const std::string& name) {
    if (name.empty() || name.size() > 253 || name[0] == '-') return false;
    return std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return ascii_alnum(c) || c == '.' || c == '-' || c == '_';
    });
}

bool is_safe_output(const std::string& output) {
    static const std::string f = "\xc6\x92";  // ƒ, as Flux prints job ids
    if (output.size() > 256) return false;
    for (std::size_t i = 0; i < output.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(output[i]);
        if (output.compare(i, f.size(), f) == 0) {
            ++i;
            continue;
        }
        if (ascii_alnum(c)) continue;
        if (i > 0 && c != 0 && std::strchr("._:@/+=,%-", c)) continue;
        return false;
    }
    return true;
}

// ---- launches -------------------------------------------------------------------

Clocks Clocks::now() {
    Clocks c;
    c.wall =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    timespec ts{};
    if (::clock_gettime(CLOCK_BOOTTIME, &ts) == 0)
        c.since_boot = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
    static const std::string boot_id = [] {
        std::string id;
        if (std::FILE* f = std::fopen("/proc/sys/kernel/random/boot_id", "re")) {
            char buf[64] = {};
            if (std::fgets(buf, sizeof buf, f)) id = buf;
            std::fclose(f);
        }
        while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
        return id;
    }();
    c.boot_id = boot_id;
    return c;
}

double Launch::age(const Clocks& now) const {
    if (!started.boot_id.empty() && started.boot_id == now.boot_id &&
        now.since_boot >= started.since_boot)
        return now.since_boot - started.since_boot;
    // Launched before this machine's boot (or elsewhere): it is at least that old.
    return std::max(now.wall - started.wall, now.since_boot);
}

nlohmann::json to_json(const Launch& l) {
    return {{"hosts", l.hosts},
            {"ranks", l.ranks},
            {"output", l.output},
            {"default_launcher", l.default_launcher},
            {"time", l.started.wall},
            {"boot_time", l.started.since_boot},
            {"boot_id", l.started.boot_id}};
}

Launch launch_from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw Error("a launch is not an object");
    Launch l;
    try {
        l.hosts = j.at("hosts").get<std::vector<std::string>>();
        l.ranks = j.at("ranks").get<std::vector<std::int64_t>>();
        l.output = j.value("output", "");
        l.default_launcher = j.value("default_launcher", false);
        l.started.wall = j.value("time", 0.0);
        l.started.since_boot = j.value("boot_time", 0.0);
        l.started.boot_id = j.value("boot_id", "");
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("a launch has a missing or mistyped field: ") + e.what());
    }
    if (l.hosts.size() != l.ranks.size()) throw Error("hosts and ranks differ in length");
    for (const auto& h : l.hosts)
        if (!is_host_name(h)) throw Error("'" + h + "' is not a host name");
    for (auto r : l.ranks)
        if (r < 0) throw Error("rank " + std::to_string(r) + " is negative");
    if (!is_safe_output(l.output))
        throw Error("launch output '" + excerpt(l.output) +
                    "' is not one token of letters, digits and ._:@/+=,%-");
    if (l.default_launcher && !l.output.empty() && !parse_job_id(l.output))
        throw Error("launch output '" + excerpt(l.output) +
                    "' of the default launcher is not a job id");
    return l;
}

std::vector<Launch> launches_from_state(const nlohmann::json& state) {
    std::vector<Launch> out;
    if (state.empty()) return out;
    if (!state.is_object() || !state.contains("launches") || !state["launches"].is_array())
        throw Error("no list of launches");
    for (const auto& l : state["launches"]) out.push_back(launch_from_json(l));
    return out;
}

nlohmann::json state_json(const std::vector<Launch>& launches) {
    nlohmann::json j = {{"plugin", "local"}, {"launches", nlohmann::json::array()}};
    for (const auto& l : launches) j["launches"].push_back(to_json(l));
    return j;
}

std::vector<std::string> cancel_argv(const std::string& flux, const std::string& parent_uri,
                                     const std::string& job) {
    if (!parse_job_id(job) || !is_safe_output(job))
        throw Error("'" + excerpt(job) + "' is not a Flux job id; not cancelling it");
    return {flux, "proxy", parent_uri, flux, "cancel", job};
}

std::vector<std::int64_t> startable_ranks(const ResourceStatus& status,
                                          const std::set<std::string>& allowed,
                                          const std::set<std::int64_t>& starting) {
    std::vector<std::int64_t> out;
    for (std::int64_t rank : status.down) {
        if (starting.count(rank)) continue;
        // A drained node that is online gains nothing from a new broker.
        if (status.have_offline &&
            !std::binary_search(status.offline.begin(), status.offline.end(), rank))
            continue;
        if (!is_host_name(status.host(rank))) continue;  // no host a command could reach
        if (!allowed.empty() && !allowed.count(status.host(rank))) continue;
        out.push_back(rank);
    }
    return out;
}

Plan plan(const ResourceStatus& status, std::int64_t wanted, const std::set<std::string>& allowed,
          const std::set<std::int64_t>& starting) {
    Plan p;
    p.wanted = wanted;
    p.free = status.free_nodes();
    for (std::int64_t r : starting)
        if (std::binary_search(status.down.begin(), status.down.end(), r)) ++p.starting;
    p.needed = std::max<std::int64_t>(0, wanted - p.free - p.starting);
    if (p.needed == 0) return p;
    std::vector<std::int64_t> can = startable_ranks(status, allowed, starting);
    std::size_t take = std::min<std::size_t>(can.size(), static_cast<std::size_t>(p.needed));
    p.ranks.assign(can.begin(), can.begin() + static_cast<std::ptrdiff_t>(take));
    p.short_by = p.needed - static_cast<std::int64_t>(take);
    return p;
}

std::string config_path(const std::string& config_dir) {
    return config_dir + "/conf.d";
}

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
