// Trusted files: settings (config, state) refused when others may write them;
// secrets (credentials) also when others may read them, and never through a link.
#include <catch2/catch.hpp>

#include <fluxburst/error.hpp>
#include <fluxburst/trusted_file.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "test_support.hpp"

using fluxburst::read_trusted_file;
using fluxburst::TrustedContent;
using fluxburst::TrustedOwner;

namespace {
std::optional<std::string> read_secret(const std::string& path) {
    return read_trusted_file(path, "credentials file", TrustedOwner::User, 1024,
                             TrustedContent::Secret);
}
std::optional<std::string> read_settings(const std::string& path) {
    return read_trusted_file(path, "config file", TrustedOwner::User, 1024);
}
}  // namespace

TEST_CASE("trusted file, secret: any permission for group or others is refused, as ssh does") {
    test::TempDir dir;
    std::string path = dir.file("key");
    test::write_text(path, "secret");
    for (unsigned mode : {0600u, 0400u, 0700u}) {
        CAPTURE(mode);
        REQUIRE(::chmod(path.c_str(), mode) == 0);
        CHECK(read_secret(path) == std::string("secret"));
    }
    // Each permission bit of the group and of others, alone.
    for (unsigned bit = 1; bit <= 040; bit <<= 1) {
        unsigned mode = 0600 | bit;
        CAPTURE(mode);
        REQUIRE(::chmod(path.c_str(), mode) == 0);
        CHECK_THROWS_WITH(read_secret(path), Catch::Contains("credentials file '" + path + "'") &&
                                                 Catch::Contains("refused") &&
                                                 Catch::Contains("chmod 600 " + path));
    }
    // Settings may be read by others, not written.
    REQUIRE(::chmod(path.c_str(), 0644) == 0);
    CHECK(read_settings(path) == std::string("secret"));
    REQUIRE(::chmod(path.c_str(), 0664) == 0);
    CHECK_THROWS_WITH(read_settings(path), Catch::Contains("chmod go-w"));
    // The fix shown is a command that works for any path.
    std::string odd = dir.file("my key's");
    test::write_text(odd, "secret");
    REQUIRE(::chmod(odd.c_str(), 0644) == 0);
    CHECK_THROWS_WITH(read_secret(odd),
                      Catch::Contains("chmod 600 '" + dir.path() + "/my key'\\''s'"));
}

TEST_CASE("trusted file, secret: read from the file itself, never through a link") {
    test::TempDir dir;
    std::string real = dir.file("real"), link = dir.file("link");
    test::write_text(real, "secret");
    REQUIRE(::chmod(real.c_str(), 0600) == 0);
    REQUIRE(::symlink(real.c_str(), link.c_str()) == 0);
    CHECK_THROWS_WITH(read_secret(link), Catch::Contains("'" + link + "' is a symbolic link"));
    CHECK(read_settings(link) == std::string("secret"));  // settings may be linked
    CHECK_FALSE(read_secret(dir.file("absent")).has_value());
    CHECK_THROWS_WITH(read_secret(dir.path()), Catch::Contains("not a regular file"));
    if (::geteuid() == 0) {
        REQUIRE(::chown(real.c_str(), 65534, 65534) == 0);
        CHECK_THROWS_WITH(read_secret(real), Catch::Contains("owned by uid 65534"));
    }
}
