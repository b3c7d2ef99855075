#include <catch2/catch.hpp>

#include <fluxburst/atomic_file.hpp>
#include <fluxburst/error.hpp>

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "test_support.hpp"

TEST_CASE("write_file_atomically replaces content and keeps the mode") {
    test::TempDir dir;
    std::string path = dir.file("state.json");
    fluxburst::write_file_atomically(path, "one", 0600);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    fluxburst::write_file_atomically(path, "two");
    CHECK(fluxburst::read_file(path) == "two");
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("write_file_atomically names the path on failure") {
    CHECK_THROWS_WITH(fluxburst::write_file_atomically("/nonexistent-dir/x.json", "x"),
                      Catch::Contains("/nonexistent-dir/x.json"));
    CHECK_THROWS_WITH(fluxburst::read_file("/nonexistent-dir/x.json"),
                      Catch::Contains("cannot read '/nonexistent-dir/x.json'"));
}

namespace {
std::vector<std::string> names_in(const std::string& dir) {
    std::vector<std::string> names;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d)) {
            std::string n = e->d_name;
            if (n != "." && n != "..") names.push_back(n);
        }
        ::closedir(d);
    }
    return names;
}
}  // namespace

TEST_CASE("a write that fails part-way throws and leaves the old file byte for byte") {
    test::TempDir dir;
    std::string path = dir.file("jobs.json");
    std::string old("[{\"id\": 1}]\n\0binary\xff tail", 25);
    test::write_text(path, old);

    // A file size limit makes write() fail with EFBIG part-way through the content.
    struct rlimit saved {};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
    auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = saved;
    small.rlim_cur = 64 * 1024;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    std::string big(1 << 20, 'y');
    bool threw = false;
    std::string message;
    try {
        fluxburst::write_file_atomically(path, std::vector<std::string_view>{"[", big, "]"});
    } catch (const fluxburst::Error& e) {
        threw = true;
        message = e.what();
    }
    ::setrlimit(RLIMIT_FSIZE, &saved);
    ::signal(SIGXFSZ, old_handler);

    CHECK(threw);
    CHECK_THAT(message, Catch::Contains("cannot write") && Catch::Contains(path));
    CHECK(fluxburst::read_file(path) == old);
    // The temporary file is gone: the directory holds the target alone.
    CHECK(names_in(dir.path()) == std::vector<std::string>{"jobs.json"});
}
