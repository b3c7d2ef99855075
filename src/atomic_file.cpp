#include <fluxburst/atomic_file.hpp>
#include <fluxburst/error.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "atomic_file_writer.hpp"

namespace fluxburst {

namespace {

// Pieces at least this large are written straight from the caller's memory;
// smaller ones are gathered into a buffer of this size first.
constexpr std::size_t buffer_size = std::size_t(1) << 20;

std::string dir_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

[[noreturn]] void fail(const std::string& what, const std::string& path, int err) {
    throw Error(fmt::format("cannot {} '{}': {}", what, path, std::strerror(err)));
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(const std::string& path, unsigned mode) : path_(path) {
    struct stat st {};
    bool existed = ::stat(path.c_str(), &st) == 0;
    if (existed) mode = st.st_mode & 07777;
    tmp_ = path + ".tmp.XXXXXX";
    fd_ = ::mkstemp(tmp_.data());
    if (fd_ < 0) fail("create a temporary file beside", path, errno);
    // Keep the old file's owner and group where allowed (root may; others may keep
    // a group they belong to), then its permission bits.
    if (existed && (st.st_uid != ::geteuid() || st.st_gid != ::getegid())) {
        if (::fchown(fd_, st.st_uid, st.st_gid) != 0)
            (void)::fchown(fd_, static_cast<uid_t>(-1), st.st_gid);
    }
    if (::fchmod(fd_, static_cast<mode_t>(mode)) != 0) abandon("set permissions for", errno);
}

AtomicFileWriter::~AtomicFileWriter() {
    if (fd_ >= 0) {
        ::close(fd_);
        ::unlink(tmp_.c_str());
    }
}

void AtomicFileWriter::abandon(const char* what, int err) {
    ::close(fd_);
    fd_ = -1;
    ::unlink(tmp_.c_str());
    fail(what, path_, err);
}

void AtomicFileWriter::write_out(const char* data, std::size_t size) {
    while (size > 0) {
        ssize_t n = ::write(fd_, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            abandon("write", errno);
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

void AtomicFileWriter::flush() {
    write_out(buffer_.data(), buffer_.size());
    buffer_.clear();
}

void AtomicFileWriter::write(std::string_view bytes) {
    if (fd_ < 0) throw Error(fmt::format("cannot write '{}': already finished", path_));
    if (buffer_.size() + bytes.size() > buffer_size) flush();
    if (bytes.size() >= buffer_size) {
        write_out(bytes.data(), bytes.size());
        return;
    }
    if (buffer_.capacity() < buffer_size) buffer_.reserve(buffer_size);
    buffer_.append(bytes);
}

void AtomicFileWriter::commit() {
    if (fd_ < 0) throw Error(fmt::format("cannot write '{}': already finished", path_));
    flush();
    if (::fsync(fd_) != 0) abandon("fsync", errno);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
        int err = errno;
        ::unlink(tmp_.c_str());
        fail("close", path_, err);
    }
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp_.c_str());
        fail("rename a temporary file over", path_, err);
    }
    int dfd = ::open(dir_of(path_).c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

void write_file_atomically(const std::string& path, std::string_view content, unsigned mode) {
    AtomicFileWriter out(path, mode);
    out.write(content);
    out.commit();
}

void write_file_atomically(const std::string& path, const std::vector<std::string_view>& pieces,
                           unsigned mode) {
    AtomicFileWriter out(path, mode);
    for (std::string_view piece : pieces) out.write(piece);
    out.commit();
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("read", path, errno ? errno : ENOENT);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) fail("read", path, errno);
    return ss.str();
}

}  // namespace fluxburst
