#include "plugin_open.hpp"

#include <fluxburst/error.hpp>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fmt/format.h>

namespace fluxburst::loader {

namespace {

std::string dl_error() {
    const char* e = dlerror();
    return e ? e : "unknown dynamic loader error";
}

bool trusted_owner(uid_t uid) {
    return uid == 0 || uid == ::geteuid();
}

// The plugin file itself, checked on its open descriptor.
std::string unsafe_file_reason(const std::string& path, const struct stat& st) {
    if (!S_ISREG(st.st_mode)) return fmt::format("'{}' is not a regular file", path);
    if (st.st_mode & S_IWOTH)
        return fmt::format(
            "'{}' is writable by every user (mode {:o}); refusing to load code from it: run "
            "chmod o-w '{}'",
            path, st.st_mode & 07777, path);
    if (st.st_mode & S_IWGRP)
        return fmt::format(
            "'{}' is writable by its group (mode {:o}); refusing to load code from it: run "
            "chmod g-w '{}'",
            path, st.st_mode & 07777, path);
    if (!trusted_owner(st.st_uid))
        return fmt::format("'{}' is owned by another user (uid {}); refusing to load code from it",
                           path, st.st_uid);
    return {};
}

// Every directory from / down to the one holding `real` (a path without links).
std::string unsafe_path_reason(const std::string& real) {
    std::string dir = "/";
    std::size_t pos = 1;
    for (;;) {
        struct stat st {};
        if (::stat(dir.c_str(), &st) != 0)
            return fmt::format("cannot check directory '{}': {}", dir, std::strerror(errno));
        if (std::string why = unsafe_directory_reason(dir, st); !why.empty()) return why;
        std::size_t slash = real.find('/', pos);
        if (slash == std::string::npos) return {};
        dir = real.substr(0, slash);
        pos = slash + 1;
    }
}

// Whether the loaded library `handle` was mapped from the file with status `st`:
// the mapping holding its dynamic section, in /proc/self/maps, names the device
// and inode.
bool is_file(void* handle, const struct stat& st) {
    struct link_map* map = nullptr;
    if (::dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || !map || !map->l_ld) return false;
    auto at = reinterpret_cast<std::uintptr_t>(map->l_ld);
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        unsigned long long start = 0, end = 0, offset = 0, inode = 0;
        unsigned major_id = 0, minor_id = 0;
        char perms[8] = {};
        if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %x:%x %llu", &start, &end, perms, &offset,
                        &major_id, &minor_id, &inode) != 7)
            continue;
        if (at < start || at >= end) continue;
        return inode == st.st_ino && major_id == major(st.st_dev) && minor_id == minor(st.st_dev);
    }
    return false;
}

// The descriptor stays open while the library is loaded: the loader knows the
// library by the name /proc/self/fd/N.
struct Library {
    void* handle = nullptr;
    int fd = -1;
    ~Library() {
        if (handle) ::dlclose(handle);
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

std::string unsafe_directory_reason(const std::string& dir, const struct stat& st) {
    if (!trusted_owner(st.st_uid))
        return fmt::format(
            "directory '{}' is owned by another user (uid {}), who could replace the plugin; "
            "refusing to load code from it",
            dir, st.st_uid);
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
        return fmt::format(
            "directory '{}' is writable by {} (mode {:o}), who could replace the plugin; "
            "refusing to load code from it: run chmod go-w '{}'",
            dir, (st.st_mode & S_IWOTH) ? "every user" : "its group", st.st_mode & 07777, dir);
    return {};
}

std::shared_ptr<void> open_plugin_file(const std::string& path) {
    auto lib = std::make_shared<Library>();
    lib->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (lib->fd < 0) throw Error(fmt::format("cannot open the file: {}", std::strerror(errno)));
    struct stat st {};
    if (::fstat(lib->fd, &st) != 0)
        throw Error(fmt::format("cannot stat the file: {}", std::strerror(errno)));
    if (std::string why = unsafe_file_reason(path, st); !why.empty()) throw Error(why);
    // The directories of the file that was opened (the path may have changed since).
    std::string fd_path = "/proc/self/fd/" + std::to_string(lib->fd);
    char real[PATH_MAX] = {};
    ssize_t n = ::readlink(fd_path.c_str(), real, sizeof real - 1);
    if (n <= 0 || real[0] != '/')
        throw Error(fmt::format("cannot find where '{}' is (readlink {}: {})", path, fd_path,
                                n < 0 ? std::strerror(errno) : "no path"));
    if (std::string why = unsafe_path_reason(std::string(real, static_cast<std::size_t>(n)));
        !why.empty())
        throw Error(why);
    // The loader knows libraries by every name they were opened with: a library
    // loaded earlier as /proc/self/fd/N (N since reused, or the name added as an
    // alias when a file was opened again) would be returned instead of ours. Such a
    // name is skipped by taking another descriptor number. (The same file, known
    // by that name or by its inode, is fine: C++ plugins stay loaded once loaded.)
    void* before = nullptr;
    for (int tries = 0;; ++tries) {
        dlerror();
        void* known = ::dlopen(fd_path.c_str(), RTLD_LAZY | RTLD_NOLOAD);
        if (!known) break;
        // Found again under another name: by its inode, so ours (where /proc/self/maps
        // shows other device numbers than fstat, as on some overlay file systems).
        bool ours = is_file(known, st) || known == before;
        before = known;
        ::dlclose(known);
        if (ours) break;
        if (tries == 1024) throw Error("cannot find a free name to load it by");
        int other = ::fcntl(lib->fd, F_DUPFD_CLOEXEC, lib->fd + 1);
        if (other < 0) throw Error(fmt::format("dup: {}", std::strerror(errno)));
        ::close(lib->fd);
        lib->fd = other;
        fd_path = "/proc/self/fd/" + std::to_string(lib->fd);
    }
    dlerror();
    lib->handle = ::dlopen(fd_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib->handle) throw Error("not a loadable shared object: " + dl_error());
    void* handle = lib->handle;
    return std::shared_ptr<void>(lib, handle);
}

void* entry_point(void* handle, const char* name) {
    dlerror();
    void* sym = ::dlsym(handle, name);
    if (!sym) return nullptr;
    Dl_info info{};
    void* entry = nullptr;
    if (!::dladdr1(sym, &info, &entry, RTLD_DL_SYMENT) || !entry)
        throw Error(fmt::format("cannot tell what its symbol '{}' is", name));
    // The symbol's type is the low 4 bits of st_info (ELF32_ST_TYPE = ELF64_ST_TYPE).
    unsigned type = static_cast<const ElfW(Sym)*>(entry)->st_info & 0xf;
    if (type != STT_FUNC)
        throw Error(fmt::format(
            "its symbol '{}' is not a function (ELF symbol type {}); a plugin must define its "
            "entry points with the FLUXBURST_PLUGIN macro from <fluxburst/plugin.hpp>",
            name, type));
    struct link_map* own = nullptr;
    void* where = nullptr;
    if (::dlinfo(handle, RTLD_DI_LINKMAP, &own) != 0 ||
        !::dladdr1(sym, &info, &where, RTLD_DL_LINKMAP) || where != own)
        throw Error(
            fmt::format("its symbol '{}' is defined by another library ({}), not by the plugin",
                        name, info.dli_fname ? info.dli_fname : "unknown"));
    return sym;
}

}  // namespace fluxburst::loader
