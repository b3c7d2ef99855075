#include <catch2/catch.hpp>

#include <fluxburst/error.hpp>
#include <fluxburst/state_file.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

#include "test_support.hpp"

using fluxburst::StateFile;
using nlohmann::json;

namespace {
unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}
}  // namespace

TEST_CASE("state file: absent reads as {}, an update creates it private (0600)") {
    test::TempDir dir;
    StateFile f(dir.file("state.json"));
    CHECK(f.path() == dir.file("state.json"));
    CHECK(f.read() == json::object());
    json written = f.update([](json& s) { s["count"] = 1; });
    CHECK(written == json{{"count", 1}});
    CHECK(json::parse(test::read_text(f.path())) == json{{"count", 1}});
    CHECK(mode_of(f.path()) == 0600);
    CHECK(f.read() == json{{"count", 1}});
}

TEST_CASE("state file: an earlier file's mode is not kept, a writable one is refused") {
    test::TempDir dir;
    StateFile f(dir.file("state.json"));
    test::write_text(f.path(), "{\"a\": 1}");
    ::chmod(f.path().c_str(), 0644);
    f.update([](json& s) { s["b"] = 2; });
    CHECK(mode_of(f.path()) == 0600);
    CHECK(f.read() == json{{"a", 1}, {"b", 2}});

    for (unsigned mode : {0666u, 0620u, 0602u}) {
        CAPTURE(mode);
        ::chmod(f.path().c_str(), mode);
        CHECK_THROWS_WITH(f.update([](json& s) { s["c"] = 3; }),
                          Catch::Contains(f.path()) && Catch::Contains("chmod go-w"));
        CHECK_THROWS_WITH(f.read(), Catch::Contains("refusing to trust it"));
        CHECK(json::parse(test::read_text(f.path())) == json{{"a", 1}, {"b", 2}});
    }
}

TEST_CASE("state file: a file owned by another user is refused") {
    if (::geteuid() != 0) {
        WARN("not root: cannot make a file owned by another user; skipped");
        return;
    }
    test::TempDir dir;
    StateFile f(dir.file("state.json"));
    test::write_text(f.path(), "{\"launches\": []}");
    ::chmod(f.path().c_str(), 0600);
    REQUIRE(::chown(f.path().c_str(), 65534, 65534) == 0);
    CHECK_THROWS_WITH(f.update([](json&) {}),
                      Catch::Contains("owned by uid 65534") && Catch::Contains(f.path()));
    CHECK_THROWS_WITH(f.read(), Catch::Contains("owned by uid 65534"));
    // The lock file too.
    StateFile g(dir.file("other.json"));
    test::write_text(g.lock_path(), "");
    REQUIRE(::chown(g.lock_path().c_str(), 65534, 65534) == 0);
    CHECK_THROWS_WITH(g.update([](json&) {}), Catch::Contains(g.lock_path()));
}

TEST_CASE("state file: damaged content, a FIFO, a directory are refused, nothing written") {
    test::TempDir dir;
    for (std::string text : {"{\"a\": ", "[1, 2]", "3", "not json", "\"text\""}) {
        CAPTURE(text);
        StateFile f(dir.file("bad.json"));
        test::write_text(f.path(), text);
        ::chmod(f.path().c_str(), 0600);
        CHECK_THROWS_WITH(f.update([](json& s) { s["x"] = 1; }),
                          Catch::Contains("bad.json") && Catch::Contains("not a JSON object") &&
                              Catch::Contains("move it away"));
        CHECK(test::read_text(f.path()) == text);
    }
    StateFile fifo(dir.file("fifo.json"));
    REQUIRE(::mkfifo(fifo.path().c_str(), 0600) == 0);
    CHECK_THROWS_WITH(fifo.read(), Catch::Contains("not a regular file"));
    std::string sub = dir.file("sub");
    REQUIRE(::mkdir(sub.c_str(), 0700) == 0);
    StateFile d(sub);
    CHECK_THROWS_WITH(d.update([](json&) {}), Catch::Contains("is a directory"));
    StateFile empty(dir.file("empty.json"));
    test::write_text(empty.path(), "");
    ::chmod(empty.path().c_str(), 0600);
    CHECK(empty.read() == json::object());
}

TEST_CASE("state file: a change that throws writes nothing") {
    test::TempDir dir;
    StateFile f(dir.file("state.json"));
    f.update([](json& s) { s["n"] = 1; });
    CHECK_THROWS_WITH(f.update([](json& s) {
        s["n"] = 2;
        throw fluxburst::Error("no");
    }),
                      "no");
    CHECK(f.read() == json{{"n", 1}});
}

TEST_CASE("state file: a missing directory and a world-writable one are refused") {
    test::TempDir dir;
    StateFile missing(dir.file("nope/state.json"));
    CHECK(missing.read() == json::object());
    CHECK_THROWS_WITH(missing.update([](json&) {}),
                      Catch::Contains("nope/state.json") && Catch::Contains("directory exist"));
    std::string open_dir = dir.file("open");
    REQUIRE(::mkdir(open_dir.c_str(), 0777) == 0);
    ::chmod(open_dir.c_str(), 0777);
    StateFile f(open_dir + "/state.json");
    CHECK_THROWS_WITH(f.update([](json&) {}), Catch::Contains("chmod o-w"));
    ::chmod(open_dir.c_str(), 01777);  // sticky, as /tmp: others cannot replace our file
    f.update([](json& s) { s["ok"] = true; });
    CHECK(f.read() == json{{"ok", true}});
}

TEST_CASE("state file: a symlinked lock file is refused") {
    test::TempDir dir;
    StateFile f(dir.file("state.json"));
    REQUIRE(::symlink(dir.file("elsewhere").c_str(), f.lock_path().c_str()) == 0);
    CHECK_THROWS_WITH(f.update([](json&) {}), Catch::Contains(f.lock_path()));
    CHECK(::access(dir.file("elsewhere").c_str(), F_OK) != 0);
}

TEST_CASE("state file: a held lock is waited for, for a bounded time, naming its holder") {
    test::TempDir dir;
    StateFile f(dir.file("state.json"));
    f.update([](json& s) { s["n"] = 0; });  // creates the lock file, writing our pid
    int fd = ::open(f.lock_path().c_str(), O_RDWR | O_CLOEXEC);
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX) == 0);
    f.set_lock_timeout(std::chrono::milliseconds(200));
    auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH(f.update([](json& s) { s["n"] = 1; }),
                      Catch::Contains(f.lock_path()) && Catch::Contains("locked by another") &&
                          Catch::Contains("pid " + std::to_string(::getpid())));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
    CHECK_THROWS_WITH(f.read(), Catch::Contains("locked by another"));  // shared waits too
    ::close(fd);
    CHECK(f.update([](json& s) { s["n"] = 1; }) == json{{"n", 1}});
}

TEST_CASE("state file: parallel processes never lose an update") {
    test::TempDir dir;
    std::string path = dir.file("state.json");
    const int processes = 8, each = 25;
    std::vector<pid_t> children;
    for (int p = 0; p < processes; ++p) {
        pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            int code = 0;
            try {
                StateFile f(path);
                for (int i = 0; i < each; ++i)
                    f.update([&](json& s) {
                        s["count"] = s.value("count", 0) + 1;
                        json& by = s["by"];
                        if (!by.is_object()) by = json::object();
                        by[std::to_string(p)] = by.value(std::to_string(p), 0) + 1;
                    });
            } catch (const std::exception& e) {
                std::fprintf(stderr, "child %d: %s\n", p, e.what());
                code = 1;
            }
            ::_exit(code);
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    json s = StateFile(path).read();
    CHECK(s["count"] == processes * each);
    CHECK(s["by"].size() == static_cast<std::size_t>(processes));
}
