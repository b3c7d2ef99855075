#include <fluxburst/atomic_file.hpp>

#include <fluxburst/error.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fmt/format.h>

namespace fluxburst {

namespace {

constexpr std::size_t write_batch = 1024;  // IOV_MAX on Linux

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

void write_file_atomically(const std::string& path, std::string_view content, unsigned mode) {
    write_file_atomically(path, std::vector<std::string_view>{content}, mode);
}

void write_file_atomically(const std::string& path, const std::vector<std::string_view>& pieces,
                           unsigned mode) {
    struct stat st {};
    bool existed = ::stat(path.c_str(), &st) == 0;
    if (existed) mode = st.st_mode & 07777;
    std::string tmpl = path + ".tmp.XXXXXX";
    int fd = ::mkstemp(tmpl.data());
    if (fd < 0) fail("create a temporary file beside", path, errno);
    auto cleanup = [&](const char* what, int err) {
        ::close(fd);
        ::unlink(tmpl.c_str());
        fail(what, path, err);
    };
    // Keep the old file's owner and group where allowed (root may; others may keep
    // a group they belong to), then its permission bits.
    if (existed && (st.st_uid != ::geteuid() || st.st_gid != ::getegid())) {
        if (::fchown(fd, st.st_uid, st.st_gid) != 0)
            (void)::fchown(fd, static_cast<uid_t>(-1), st.st_gid);
    }
    if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) cleanup("set permissions for", errno);
    // Many pieces (a rewritten jobs file has two per marked job): write them in
    // batches with writev, resuming after a short write.
    std::vector<iovec> batch;
    std::size_t next = 0;
    while (next < pieces.size() || !batch.empty()) {
        while (batch.size() < write_batch && next < pieces.size()) {
            std::string_view piece = pieces[next++];
            if (!piece.empty())
                batch.push_back(iovec{const_cast<char*>(piece.data()), piece.size()});
        }
        if (batch.empty()) break;
        ssize_t n = ::writev(fd, batch.data(), static_cast<int>(batch.size()));
        if (n < 0) {
            if (errno == EINTR) continue;
            cleanup("write", errno);
        }
        auto done = static_cast<std::size_t>(n);
        std::size_t i = 0;
        while (i < batch.size() && done >= batch[i].iov_len) done -= batch[i++].iov_len;
        if (i < batch.size()) {
            batch[i].iov_base = static_cast<char*>(batch[i].iov_base) + done;
            batch[i].iov_len -= done;
        }
        batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(i));
    }
    if (::fsync(fd) != 0) cleanup("fsync", errno);
    if (::close(fd) != 0) {
        int err = errno;
        ::unlink(tmpl.c_str());
        fail("close", path, err);
    }
    if (::rename(tmpl.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmpl.c_str());
        fail("rename a temporary file over", path, err);
    }
    int dfd = ::open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
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
