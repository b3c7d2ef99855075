#include <catch2/catch.hpp>

#include <fluxburst/atomic_file.hpp>
#include <fluxburst/error.hpp>

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
