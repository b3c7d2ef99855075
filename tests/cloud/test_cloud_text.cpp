// The small text codecs of the cloud parts (base64, RFC 3339) and run_command.
#include <catch2/catch.hpp>

#include <chrono>

#include "base64.hpp"
#include "command.hpp"
#include "rfc3339.hpp"

using namespace fluxburst::cloud;

TEST_CASE("base64: RFC 4648 vectors, both alphabets, every byte", "[cloud][text]") {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, coded] : vectors) {
        CHECK(base64_encode(plain) == coded);
        CHECK(base64_decode(coded) == std::string(plain));
    }
    std::string all;
    for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
    CHECK(base64_decode(base64_encode(all)) == all);
    CHECK(base64_decode(base64url_encode(all)) == all);
    CHECK(base64url_encode("\xfb\xff") == "-_8");
    CHECK(base64_decode("Zm9v\nYmFy\n") == std::string("foobar"));
    CHECK(base64_decode("Zg") == std::string("f"));  // padding optional
    for (const char* bad : {"Z", "Zm9v!", "Zg==Zg", "Zg===", "Z==="}) {
        CAPTURE(bad);
        CHECK_FALSE(base64_decode(bad));
    }
}

TEST_CASE("RFC 3339 timestamps", "[cloud][text]") {
    using namespace std::chrono;
    auto t = parse_rfc3339("2026-11-27T01:02:03Z");
    REQUIRE(t);
    CHECK(system_clock::to_time_t(*t) == 1795741323);
    CHECK(format_rfc3339(*t) == "2026-11-27T01:02:03Z");
    CHECK(parse_rfc3339("2026-11-27T02:02:03+01:00") == t);
    CHECK(parse_rfc3339("2026-11-27T01:02:03.5Z") == *t + milliseconds(500));
    CHECK(parse_rfc3339("2999-01-01T00:00:00Z") == system_clock::time_point::max());
    for (const char* bad : {"", "2026-11-27", "2026-11-27 01:02:03Z", "2026-13-01T00:00:00Z",
                            "2026-11-27T01:02:03", "2026-11-27T01:02:03Zx", "2026-11-27T01:02:03.Z"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_rfc3339(bad));
    }
}

TEST_CASE("run_command: no shell, environment added, bounded", "[cloud][text]") {
    using std::chrono::milliseconds;
    auto r = run_command({"sh", "-c", "echo \"$1 $X\"; echo err >&2; exit 3", "sh", "a;b $(c)"},
                         {{"X", "y z"}}, milliseconds(5000));
    CHECK(r.exit_status == 3);
    CHECK(r.out == "a;b $(c) y z\n");
    CHECK(r.err == "err\n");
    CHECK_THROWS_WITH(run_command({"sleep", "5"}, {}, milliseconds(200)),
                      Catch::Contains("did not finish within 200 ms"));
    CHECK_THROWS_WITH(run_command({"sh", "-c", "yes"}, {}, milliseconds(5000), 1000),
                      Catch::Contains("more than 1000 bytes"));
    CHECK_THROWS_WITH(run_command({"/no/such/command"}, {}, milliseconds(1000)),
                      Catch::Contains("cannot run the command '/no/such/command'"));
    CHECK_THROWS_WITH(run_command({"true"}, {{"A=B", "c"}}, milliseconds(1000)),
                      Catch::Contains("invalid environment variable name"));
}
