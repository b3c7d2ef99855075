// flux-burst setup PLUGIN: the lead side prepared by the tool.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using cli_test::run;

namespace {
unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

std::vector<std::string> setup_args(const std::string& dir, std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"setup",         "leadsetup",
                                     "--plugin-path", TEST_SETUP_PLUGIN_DIR,
                                     "--param",       "leadsetup.config_dir=" + dir,
                                     "--param",       "leadsetup.lead_hosts=lead[0-1]",
                                     "--param",       "leadsetup.address=34.1.2.3",
                                     "--param",       "leadsetup.port=30093"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}
}  // namespace

TEST_CASE(
    "setup writes the lead's config and certificate, prints the files and the port to open, "
    "and refuses to overwrite unless --overwrite") {
    test::TempDir tmp;
    std::string dir = tmp.file("lead");
    auto r = run(setup_args(dir));
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("leadsetup: wrote the lead's setup into " + dir));
    for (const char* f : {"/curve.cert", "/R", "/conf.d/resource.toml", "/conf.d/bootstrap.toml"})
        CHECK_THAT(r.out, Catch::Contains("  wrote " + dir + f));
    CHECK_THAT(r.out, Catch::Contains("reachable from the burst machines: 34.1.2.3:30093"));
    CHECK(mode_of(dir + "/curve.cert") == 0600);
    std::string bootstrap = test::read_text(dir + "/conf.d/bootstrap.toml");
    CHECK_THAT(bootstrap, Catch::Contains("connect = \"tcp://34.1.2.3:%p\""));
    CHECK_THAT(bootstrap, Catch::Contains("{ host = \"lead1\" }"));
    std::string cert = test::read_text(dir + "/curve.cert");

    auto again = run(setup_args(dir));
    CHECK(again.status == 1);
    CHECK_THAT(again.err, Catch::Contains("setup of plugin 'leadsetup' failed") &&
                              Catch::Contains("already holds") && Catch::Contains("overwrite"));
    CHECK(test::read_text(dir + "/curve.cert") == cert);

    auto forced = run(setup_args(dir, {"--overwrite", "--json"}));
    INFO(forced.err);
    REQUIRE(forced.status == 0);
    auto j = nlohmann::json::parse(forced.out);
    CHECK(j["plugin"] == "leadsetup");
    CHECK(j["details"]["files"].size() == 4);
    CHECK(j["details"]["listen"]["port"] == 30093);
    CHECK(test::read_text(dir + "/curve.cert") != cert);
}

TEST_CASE("setup: wrong plugins, parameters and options are usage errors, nothing written") {
    test::TempDir tmp;
    std::string dir = tmp.file("lead");
    auto none = run({"setup"});
    CHECK(none.status == 2);
    CHECK_THAT(none.err, Catch::Contains("PLUGIN"));

    auto mock = run({"setup", "mock"});
    CHECK(mock.status == 2);
    CHECK_THAT(mock.err, Catch::Contains("plugin mock has no setup step"));

    auto unknown = run({"setup", "leadsetpu", "--plugin-path", TEST_SETUP_PLUGIN_DIR});
    CHECK(unknown.status == 2);
    CHECK_THAT(unknown.err, Catch::Contains("unknown plugin 'leadsetpu'") &&
                                Catch::Contains("did you mean 'leadsetup'"));

    auto bad = run(setup_args(dir, {"--param", "leadsetup.port=abc"}));
    CHECK(bad.status == 2);
    CHECK_THAT(bad.err, Catch::Contains("port"));

    auto other = run(setup_args(dir, {"--param", "mock.max_nodes=3"}));
    CHECK(other.status == 2);
    CHECK_THAT(other.err, Catch::Contains("plugin 'mock' is not loaded"));

    auto missing = run({"setup", "leadsetup", "--plugin-path", TEST_SETUP_PLUGIN_DIR});
    CHECK(missing.status == 2);
    CHECK_THAT(missing.err, Catch::Contains("config_dir"));

    auto refused = run(setup_args(dir, {"--param", "leadsetup.port=70000"}));
    CHECK(refused.status == 1);
    CHECK_THAT(refused.err, Catch::Contains("port 70000 is outside 1-65535"));
    CHECK_FALSE(std::filesystem::exists(dir));

    auto jobs = run(setup_args(dir, {"--jobs", "x.json"}));
    CHECK(jobs.status == 2);

    auto help = run({"setup", "--help"});
    CHECK(help.status == 0);
    CHECK_THAT(help.out, Catch::Contains("--overwrite") && Catch::Contains("--param"));
    auto main_help = run({"--help"});
    CHECK_THAT(main_help.out, Catch::Contains("setup"));
}
