#include <fluxburst/trusted_file.hpp>

#include <fluxburst/error.hpp>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

namespace fluxburst {

namespace {

// `path` as one shell word, for a command in a message (quoted only when needed).
std::string shell_word(const std::string& path) {
    bool plain = !path.empty() && path.find_first_not_of(
                                      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"
                                      "NOPQRSTUVWXYZ0123456789/._-+,:@%=") == std::string::npos;
    if (plain) return path;
    std::string out = "'";
    for (char c : path) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

}  // namespace

std::string trust_problem(const std::string& path, const struct stat& st, TrustedOwner owner,
                          TrustedContent content) {
    uid_t me = ::geteuid();
    bool owner_ok = st.st_uid == me || (owner == TrustedOwner::UserOrRoot && st.st_uid == 0);
    if (!owner_ok)
        return fmt::format(
            "'{}' is owned by uid {}, not by this user (uid {}){}; refusing to trust it: "
            "have it owned by uid {} (chown), or use a file of your own",
            path, st.st_uid, me, owner == TrustedOwner::UserOrRoot ? " or root" : "", me);
    if (content == TrustedContent::Secret && (st.st_mode & 077))
        return fmt::format(
            "'{}' holds secrets but its {} may {} it (mode {:04o}); refused, as ssh refuses such "
            "a key: run chmod 600 {}",
            path, (st.st_mode & 007) ? "other users" : "group",
            (st.st_mode & (S_IWGRP | S_IWOTH)) ? "change" : "read", st.st_mode & 07777,
            shell_word(path));
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return fmt::format(
            "'{}' is writable by {} (mode {:o}); refusing to trust it: run chmod go-w '{}'", path,
            (st.st_mode & S_IWOTH) ? "every user" : "its group", st.st_mode & 07777, path);
    return {};
}

std::optional<std::string> read_trusted_file(const std::string& path, const std::string& what,
                                             TrustedOwner owner, std::size_t max_size,
                                             TrustedContent content) {
    bool secret = content == TrustedContent::Secret;
    int fd = ::open(path.c_str(),
                    O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (secret ? O_NOFOLLOW : 0));
    if (fd < 0) {
        if (errno == ENOENT) return std::nullopt;
        struct stat link {};
        if (secret && errno == ELOOP && ::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode))
            throw Error(fmt::format(
                "{} '{}' is a symbolic link; a file holding secrets is read only from the file "
                "itself: give the path of the file it points to",
                what, path));
        throw Error(fmt::format("cannot read {} '{}': {}", what, path, std::strerror(errno)));
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        throw Error(fmt::format("cannot stat {} '{}': {}", what, path, std::strerror(errno)));
    if (S_ISDIR(st.st_mode))
        throw Error(
            fmt::format("cannot read {} '{}': it is a directory, not a regular file", what, path));
    if (!S_ISREG(st.st_mode))
        throw Error(fmt::format(
            "cannot read {} '{}': it is not a regular file (a FIFO, device or socket); give the "
            "path of a file",
            what, path));
    if (std::string why = trust_problem(path, st, owner, content); !why.empty())
        throw Error(fmt::format("{} {}", what, why));
    if (static_cast<std::size_t>(st.st_size) > max_size)
        throw Error(fmt::format("{} '{}' is {} bytes, more than the {} allowed", what, path,
                                st.st_size, max_size));
    std::string text;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error(fmt::format("cannot read {} '{}': {}", what, path, std::strerror(errno)));
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > max_size)
            throw Error(
                fmt::format("{} '{}' is more than the {} bytes allowed", what, path, max_size));
    }
    return text;
}

}  // namespace fluxburst
