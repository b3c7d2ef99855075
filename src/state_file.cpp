#include <fluxburst/state_file.hpp>

#include <fluxburst/atomic_file.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/trusted_file.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace fluxburst {

namespace {

// The sidecar lock, held while alive. fd < 0: no lock could be created and the
// caller only reads (the file is replaced atomically, so a reader still sees a
// whole state).
class Lock {
public:
    Lock(const StateFile& file, bool exclusive) {
        std::string lock = file.lock_path();
        fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
        if (fd_ < 0 && !exclusive && (errno == EACCES || errno == EROFS || errno == ENOENT)) return;
        if (fd_ < 0)
            throw Error(fmt::format("cannot open the lock file '{}' of state file '{}': {}{}", lock,
                                    file.path(), std::strerror(errno),
                                    errno == ENOENT ? " (does its directory exist?)" : ""));
        struct stat st {};
        if (::fstat(fd_, &st) != 0) fail(file, std::strerror(errno));
        if (!S_ISREG(st.st_mode)) fail(file, "not a regular file; remove it");
        if (std::string why = trust_problem(lock, st, TrustedOwner::User); !why.empty())
            fail(file, why);
        auto deadline = std::chrono::steady_clock::now() + file.lock_timeout();
        int op = (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
        while (::flock(fd_, op) != 0) {
            if (errno != EWOULDBLOCK && errno != EINTR) fail(file, std::strerror(errno));
            if (std::chrono::steady_clock::now() >= deadline) {
                std::string holder = holder_pid();
                int ms = static_cast<int>(file.lock_timeout().count());
                std::string msg = fmt::format(
                    "state file '{}' is locked by another process{} (lock file '{}') and was not "
                    "released within {:.3g} s; wait for that command to finish{}",
                    file.path(), holder.empty() ? "" : " (pid " + holder + ")", lock, ms / 1000.0,
                    holder.empty() ? "" : ", or stop process " + holder);
                ::close(fd_);
                throw Error(msg);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (exclusive) {  // say who holds it, for the message of a waiting command
            std::string pid = std::to_string(::getpid()) + "\n";
            if (::ftruncate(fd_, 0) == 0) {
                ssize_t ignored = ::pwrite(fd_, pid.data(), pid.size(), 0);
                (void)ignored;
            }
        }
    }
    ~Lock() {
        if (fd_ >= 0) ::close(fd_);  // releases the flock
    }
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

private:
    [[noreturn]] void fail(const StateFile& file, const std::string& why) {
        ::close(fd_);
        throw Error(fmt::format("cannot lock state file '{}' with '{}': {}", file.path(),
                                file.lock_path(), why));
    }
    std::string holder_pid() const {
        char buf[32] = {};
        ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
        std::string pid;
        for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) pid += buf[i];
        return pid;
    }
    int fd_ = -1;
};

// Refuse a state file in a directory where others may replace it.
void check_directory(const std::string& path) {
    std::string dir = std::filesystem::path(path).parent_path().string();
    if (dir.empty()) dir = ".";
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) return;  // reported when the lock is created
    if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX))
        throw Error(fmt::format(
            "state file '{}' is in '{}', which every user may write (mode {:o}) and so replace "
            "the file; refusing it: run chmod o-w '{}', or keep the state file elsewhere",
            path, dir, st.st_mode & 07777, dir));
}

// The state on disk: {} when absent; the caller holds the lock.
nlohmann::json load(const std::string& path, struct stat* status) {
    std::optional<std::string> text =
        read_trusted_file(path, "state file", TrustedOwner::User, StateFile::max_size);
    if (!text) return nlohmann::json::object();
    if (status && ::stat(path.c_str(), status) != 0) *status = {};
    if (text->find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json::object();
    nlohmann::json state = nlohmann::json::parse(*text, nullptr, false);
    if (state.is_discarded() || !state.is_object())
        throw Error(fmt::format(
            "state file '{}' is not a JSON object (damaged, or not a state file); move it away "
            "(the state it held is then forgotten) or point the plugin's state_file elsewhere",
            path));
    return state;
}

}  // namespace

StateFile::StateFile(std::string path) : path_(std::move(path)) {
    if (path_.empty()) throw Error("a state file needs a path");
}

nlohmann::json StateFile::update(const std::function<void(nlohmann::json& state)>& change) {
    check_directory(path_);
    Lock lock(*this, true);
    struct stat st {};
    nlohmann::json state = load(path_, &st);
    change(state);
    // write_file_atomically keeps an existing file's mode: make that 0600 first.
    if (st.st_ino != 0 && (st.st_mode & 07777) != 0600 && ::chmod(path_.c_str(), 0600) != 0)
        throw Error(fmt::format("cannot make state file '{}' private (chmod 600): {}", path_,
                                std::strerror(errno)));
    write_file_atomically(
        path_, state.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", 0600);
    return state;
}

nlohmann::json StateFile::read() const {
    check_directory(path_);
    Lock lock(*this, false);
    return load(path_, nullptr);
}

}  // namespace fluxburst
