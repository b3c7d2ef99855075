#include "file_lock.hpp"

#include <fluxburst/error.hpp>

#include <cerrno>
#include <cstring>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

namespace fluxburst {

namespace {

std::string read_note(int fd) {
    char buf[512];
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return {};
    std::string note(buf, static_cast<std::size_t>(n));
    while (!note.empty() && (note.back() == '\n' || note.back() == ' ')) note.pop_back();
    return note;
}

}  // namespace

FileLock::FileLock(std::string path, std::chrono::milliseconds wait, const std::string& what)
    : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ < 0)
        throw QueueError(fmt::format("{}: cannot open the lock file '{}': {}", what, path_,
                                     std::strerror(errno)));
    auto deadline = std::chrono::steady_clock::now() + wait;
    auto pause = std::chrono::milliseconds(1);
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        if (err == EINTR) continue;
        if (err != EWOULDBLOCK || std::chrono::steady_clock::now() >= deadline) {
            std::string note = err == EWOULDBLOCK ? read_note(fd_) : std::strerror(err);
            ::close(fd_);
            fd_ = -1;
            if (err != EWOULDBLOCK)
                throw QueueError(fmt::format("{}: cannot lock '{}': {}", what, path_, note));
            throw QueueBusyError(
                fmt::format("{}: the lock file '{}' is held by another process{}{}", what, path_,
                            note.empty() ? "" : ": ", note));
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(50));
    }
}

FileLock::~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
}

void FileLock::write_note(const std::string& note) {
    if (::ftruncate(fd_, 0) != 0) return;
    std::string text = note + "\n";
    ssize_t n = ::pwrite(fd_, text.data(), text.size(), 0);
    (void)n;  // the note is informative only
}

}  // namespace fluxburst
