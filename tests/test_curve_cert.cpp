// CURVE certificates: Z85, generation, the file format Flux reads, private writes.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fluxburst/curve_cert.hpp>
#include <fluxburst/error.hpp>
#include <set>

#include "test_support.hpp"

namespace {
unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 0777;
}
}  // namespace

TEST_CASE("curve cert: Z85 matches the specification's test vector and round-trips") {
    // ZeroMQ RFC 32: 86 4F D2 6F B5 59 F7 5B encodes as "HelloWorld".
    const std::string bytes = "\x86\x4F\xD2\x6F\xB5\x59\xF7\x5B";
    CHECK(fluxburst::z85_encode(bytes) == "HelloWorld");
    CHECK(fluxburst::z85_decode("HelloWorld") == bytes);
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    CHECK(fluxburst::z85_decode(fluxburst::z85_encode(all)) == all);
    CHECK_THROWS_AS(fluxburst::z85_encode("abc"), fluxburst::Error);
    CHECK_THROWS_AS(fluxburst::z85_decode("abcd"), fluxburst::Error);
    CHECK_THROWS_AS(fluxburst::z85_decode("abc\"d"), fluxburst::Error);
    CHECK_THROWS_AS(fluxburst::z85_decode(std::string("abc\0d", 5)), fluxburst::Error);
    CHECK_THROWS_AS(fluxburst::z85_decode("#####"), fluxburst::Error);  // > 32 bits
}

TEST_CASE("curve cert: generated pairs are fresh, valid and parse back") {
    std::set<std::string> seen;
    for (int i = 0; i < 20; ++i) {
        fluxburst::CurveCert c = fluxburst::generate_curve_cert("burst");
        CHECK(c.public_key.size() == 40);
        CHECK(c.secret_key.size() == 40);
        CHECK(seen.insert(c.secret_key).second);
        fluxburst::CurveCert back =
            fluxburst::parse_curve_cert(fluxburst::curve_cert_text(c), "test");
        CHECK(back.public_key == c.public_key);
        CHECK(back.secret_key == c.secret_key);
        CHECK(back.name == "burst");
    }
    std::string text = fluxburst::curve_cert_text(fluxburst::generate_curve_cert("x"));
    CHECK_THAT(text, Catch::Contains("curve\n    public-key = \""));
    CHECK_THROWS_WITH(fluxburst::curve_cert_text({"a\"b", "", ""}), Catch::Contains("quote"));
}

TEST_CASE("curve cert: files that are not a valid certificate are refused, naming them") {
    fluxburst::CurveCert a = fluxburst::generate_curve_cert("a");
    fluxburst::CurveCert b = fluxburst::generate_curve_cert("b");
    CHECK_THROWS_WITH(fluxburst::parse_curve_cert("", "/x/cert"),
                      Catch::Contains("/x/cert: not a CURVE certificate"));
    CHECK_THROWS_WITH(fluxburst::parse_curve_cert("curve\n    public-key = \"abc\"\n", "c"),
                      Catch::Contains("not a CURVE certificate"));
    fluxburst::CurveCert mixed = a;
    mixed.secret_key = b.secret_key;
    CHECK_THROWS_WITH(fluxburst::parse_curve_cert(fluxburst::curve_cert_text(mixed), "m"),
                      Catch::Contains("does not belong"));
    fluxburst::CurveCert junk = a;
    junk.public_key = std::string(40, '"');
    CHECK_THROWS_AS(fluxburst::parse_curve_cert(fluxburst::curve_cert_text(junk), "j"),
                    fluxburst::Error);
}

TEST_CASE("curve cert: written 0600 whatever the umask, an existing file kept unless overwrite") {
    test::TempDir dir;
    std::string path = dir.file("curve.cert");
    mode_t old = ::umask(0);
    fluxburst::CurveCert a = fluxburst::generate_curve_cert("a");
    fluxburst::write_curve_cert(path, a);
    ::umask(old);
    CHECK(mode_of(path) == 0600);
    CHECK(fluxburst::parse_curve_cert(test::read_text(path), path).secret_key == a.secret_key);

    fluxburst::CurveCert b = fluxburst::generate_curve_cert("b");
    CHECK_THROWS_WITH(fluxburst::write_curve_cert(path, b),
                      Catch::Contains(path) && Catch::Contains("already exists"));
    CHECK(fluxburst::parse_curve_cert(test::read_text(path), path).secret_key == a.secret_key);
    // A symlink in its place is not followed.
    std::string link = dir.file("link.cert");
    std::filesystem::create_symlink(dir.file("elsewhere"), link);
    CHECK_THROWS_AS(fluxburst::write_curve_cert(link, b), fluxburst::Error);
    CHECK_FALSE(std::filesystem::exists(dir.file("elsewhere")));

    fluxburst::write_curve_cert(path, b, true);
    CHECK(fluxburst::parse_curve_cert(test::read_text(path), path).secret_key == b.secret_key);
    CHECK(mode_of(path) == 0600);
    // No temporary file is left behind.
    int files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
        (void)e;
        ++files;
    }
    CHECK(files == 2);
    CHECK_THROWS_WITH(fluxburst::write_curve_cert(dir.file("no/such/dir.cert"), b),
                      Catch::Contains("cannot create the certificate"));
}
