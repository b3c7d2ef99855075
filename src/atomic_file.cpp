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

namespace fluxburst {

namespace {

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
    if (::stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;
    std::string tmpl = path + ".tmp.XXXXXX";
    int fd = ::mkstemp(tmpl.data());
    if (fd < 0) fail("create a temporary file beside", path, errno);
    auto cleanup = [&](const char* what, int err) {
        ::close(fd);
        ::unlink(tmpl.c_str());
        fail(what, path, err);
    };
    if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) cleanup("set permissions for", errno);
    for (std::string_view content : pieces) {
        const char* p = content.data();
        std::size_t left = content.size();
        while (left > 0) {
            ssize_t n = ::write(fd, p, left);
            if (n < 0) {
                if (errno == EINTR) continue;
                cleanup("write", errno);
            }
            p += n;
            left -= static_cast<std::size_t>(n);
        }
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
