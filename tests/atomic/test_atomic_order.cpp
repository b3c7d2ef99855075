// The order of the system calls behind write_file_atomically, observed by
// interposing write, writev, fsync and rename in this executable (libfluxburst's calls
// reach these definitions first; each forwards to the next definition).
//
// What a reader or a crash relies on: every byte is written to the temporary
// file, the file is fsync'ed, only then renamed over the target, and the
// directory is fsync'ed after the rename. Moving the rename earlier, or dropping
// either fsync, must fail here.
#include <catch2/catch.hpp>

#include <fluxburst/atomic_file.hpp>

#include <dlfcn.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace {

struct Call {
    std::string what;  // "write", "fsync-file", "fsync-dir", "rename"
    int fd = -1;
    std::string to;  // rename target
};

bool recording = false;
std::vector<Call> calls;

template <class F>
F next(const char* name) {
    return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" ssize_t write(int fd, const void* buf, size_t n) {
    static auto real = next<ssize_t (*)(int, const void*, size_t)>("write");
    if (recording && fd > 2) calls.push_back({"write", fd, {}});
    return real(fd, buf, n);
}

// Many pieces are written with writev (the same step as write, for the order).
extern "C" ssize_t writev(int fd, const struct iovec* iov, int count) {
    static auto real = next<ssize_t (*)(int, const struct iovec*, int)>("writev");
    if (recording && fd > 2) calls.push_back({"write", fd, {}});
    return real(fd, iov, count);
}

extern "C" int fsync(int fd) {
    static auto real = next<int (*)(int)>("fsync");
    if (recording) {
        struct stat st {};
        bool dir = ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
        calls.push_back({dir ? "fsync-dir" : "fsync-file", fd, {}});
    }
    return real(fd);
}

extern "C" int rename(const char* from, const char* to) {
    static auto real = next<int (*)(const char*, const char*)>("rename");
    if (recording) calls.push_back({"rename", -1, to});
    return real(from, to);
}

namespace {

std::vector<Call> observe(const std::string& path, const std::vector<std::string_view>& pieces) {
    calls.clear();
    recording = true;
    try {
        fluxburst::write_file_atomically(path, pieces, 0600);
    } catch (...) {
        recording = false;
        throw;
    }
    recording = false;
    return calls;
}

std::string sequence(const std::vector<Call>& seen) {
    std::string out;
    for (const Call& c : seen) {
        if (!out.empty() && c.what == "write" && out.size() >= 5 &&
            out.compare(out.size() - 5, 5, "write") == 0)
            continue;  // consecutive writes count as one step
        if (!out.empty()) out += ' ';
        out += c.what;
    }
    return out;
}

}  // namespace

TEST_CASE("write_file_atomically writes everything, fsyncs, renames, then fsyncs the directory") {
    test::TempDir dir;
    std::string path = dir.file("state.json");
    test::write_text(path, "old content");
    std::string big(1 << 20, 'x');  // several write() calls' worth on some systems
    auto seen = observe(path, {"{\"a\":", big, "}"});
    CHECK(sequence(seen) == "write fsync-file rename fsync-dir");
    // The data went to one descriptor, the one fsync'ed before the rename.
    int data_fd = -1;
    for (const Call& c : seen) {
        if (c.what == "write") {
            if (data_fd == -1) data_fd = c.fd;
            CHECK(c.fd == data_fd);
        }
        if (c.what == "fsync-file") CHECK(c.fd == data_fd);
        if (c.what == "rename") CHECK(c.to == path);
    }
    CHECK(test::read_text(path) == "{\"a\":" + big + "}");
}

TEST_CASE("write_file_atomically keeps the order for an empty file and for a new file") {
    test::TempDir dir;
    std::string path = dir.file("new.json");
    auto seen = observe(path, {std::string_view{}});
    // Nothing to write, but the file must still be made durable before it appears.
    CHECK(sequence(seen) == "fsync-file rename fsync-dir");
    CHECK(test::read_text(path).empty());
}
