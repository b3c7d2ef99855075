#include "cli_runner.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

extern char** environ;

namespace cli_test {

namespace {

int decode(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

pid_t spawn(const std::vector<std::string>& args, const Env& env, const std::string& cwd,
            const std::string& out, const std::string& err) {
    std::vector<std::string> argv_s{FLUX_BURST_BIN};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid > 0) return pid;
    // The child: a clean environment, output to files.
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    int fo = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fo < 0 || fe < 0 || ::dup2(fo, 1) < 0 || ::dup2(fe, 2) < 0) ::_exit(126);
    std::vector<std::string> drop;
    for (char** e = environ; *e; ++e) {
        std::string var(*e);
        std::string name = var.substr(0, var.find('='));
        if (name.rfind("FLUXBURST_", 0) == 0 || name == "FLUX_URI") drop.push_back(name);
    }
    for (const auto& name : drop) ::unsetenv(name.c_str());
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
}

}  // namespace

Result run(const std::vector<std::string>& args, const Env& env, const std::string& cwd) {
    test::TempDir dir;
    pid_t pid = spawn(args, env, cwd, dir.file("out"), dir.file("err"));
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    }
    return Result{decode(status), test::read_text(dir.file("out")),
                  test::read_text(dir.file("err"))};
}

Process::Process(const std::vector<std::string>& args, const Env& env) {
    pid_ = spawn(args, env, "", dir_.file("out"), dir_.file("err"));
}

Process::~Process() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
}

void Process::signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
}

int Process::wait(double seconds) {
    int status = 0;
    bool done = wait_for(
        [&] {
            pid_t r = ::waitpid(pid_, &status, WNOHANG);
            return r == pid_;
        },
        seconds);
    if (!done) return -1;
    pid_ = -1;
    return decode(status);
}

std::string Process::out() const {
    return test::read_text(dir_.file("out"));
}
std::string Process::err() const {
    return test::read_text(dir_.file("err"));
}

bool wait_for(const std::function<bool()>& cond, double seconds) {
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<long>(seconds * 1000));
    while (true) {
        if (cond()) return true;
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

std::string data(const std::string& name) {
    return std::string(TEST_DATA_DIR) + "/" + name;
}

std::string copy_data(const test::TempDir& dir, const std::string& name, const std::string& as) {
    std::string path = dir.file(as.empty() ? name : as);
    test::write_text(path, test::read_text(data(name)));
    return path;
}

std::string copy_valid_jobs(const test::TempDir& dir, const std::string& as) {
    nlohmann::json doc = nlohmann::json::parse(test::read_text(data("jobs.json")));
    nlohmann::json valid = nlohmann::json::array();
    for (const auto& job : doc["jobs"])
        if (job.contains("id") && job.contains("spec") && job["spec"].is_object())
            valid.push_back(job);
    doc["jobs"] = valid;
    std::string path = dir.file(as);
    test::write_text(path, doc.dump(1) + "\n");
    return path;
}

std::string good_plugins() {
    return TEST_GOOD_PLUGIN_DIR;
}
std::string broken_plugins() {
    return TEST_BROKEN_PLUGIN_DIR;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

std::vector<std::string> words(const std::string& line) {
    std::vector<std::string> out;
    std::istringstream in(line);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

std::vector<std::vector<std::string>> table_rows(const std::string& text,
                                                 const std::string& first_column) {
    std::vector<std::vector<std::string>> rows;
    bool in_table = false;
    for (const auto& line : lines(text)) {
        if (!in_table) {
            auto w = words(line);
            in_table = !w.empty() && w[0] == first_column;
            continue;
        }
        if (line.empty()) break;
        rows.push_back(words(line));
    }
    return rows;
}

}  // namespace cli_test
