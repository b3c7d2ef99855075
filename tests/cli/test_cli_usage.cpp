// flux-burst's help text, and the usage errors that exit 2.
#include <catch2/catch.hpp>

#include "cli_runner.hpp"

using cli_test::run;

namespace {

// Exit 2, nothing on stdout, stderr says `what` and points at --help.
void check_usage_error(const std::vector<std::string>& args, const std::string& what) {
    INFO("flux-burst " << Catch::Detail::stringify(args));
    auto r = run(args);
    INFO("stderr: " << r.err);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("flux-burst: error: ") == 0);
    CHECK(r.err.find(what) != std::string::npos);
    CHECK(r.err.find("--help") != std::string::npos);
}

}  // namespace

TEST_CASE("help: --help describes subcommands, precedence, environment and exit status") {
    auto r = run({"--help"});
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());
    for (const char* text : {"plugins",
                             "select",
                             "run",
                             "request",
                             "unburst",
                             "Precedence of plugin parameters",
                             "1. the plugin's defaults",
                             "2. the config file",
                             "3. the environment",
                             "4. the command line",
                             "--param NAME.KEY=VALUE",
                             "FLUXBURST_PLUGIN_PATH",
                             "FLUXBURST_LOG_LEVEL",
                             "FLUXBURST_<KEY>",
                             "Exit status",
                             "0  success",
                             "1  runtime error",
                             "2  usage error",
                             "--jobs FILE",
                             "--mock"}) {
        INFO(text);
        CHECK(r.out.find(text) != std::string::npos);
    }
}

TEST_CASE("each subcommand has its own --help") {
    for (const char* sub : {"plugins", "select", "run", "request", "unburst"}) {
        INFO(sub);
        auto r = run({sub, "--help"});
        CHECK(r.status == 0);
        CHECK(r.out.find(std::string("flux-burst ") + sub) != std::string::npos);
        CHECK(r.out.find("--config") != std::string::npos);
        CHECK(r.out.find("See flux-burst --help for precedence") != std::string::npos);
        CHECK(r.out.find("Exit status:") == std::string::npos);  // only in the main help
    }
    auto r = run({"run", "--help"});
    for (const char* opt :
         {"--watch", "--once", "--interval", "--unburst-after", "--plugin", "--param", "--json"})
        CHECK(r.out.find(opt) != std::string::npos);
    r = run({"request", "--help"});
    CHECK(r.out.find("--nodes") != std::string::npos);
    CHECK(r.out.find("--tasks") != std::string::npos);
}

TEST_CASE("help: --version prints the version") {
    auto r = run({"--version"});
    CHECK(r.status == 0);
    CHECK(r.out.find("flux-burst 0.") == 0);
}

TEST_CASE("usage errors exit 2 with a message naming the problem") {
    check_usage_error({}, "A subcommand is required");
    check_usage_error({"frobnicate"},
                      "unknown subcommand 'frobnicate'; expected one of: plugins, setup, select");
    check_usage_error({"rnu", "--mock"}, "unknown subcommand 'rnu'; did you mean 'run'?");
    check_usage_error({"run", "--mock", "--bogus"}, "--bogus");
    check_usage_error({"run", "--mock", "--interval", "1s"}, "--interval requires --watch");
    check_usage_error({"run", "--mock", "--once", "--watch"}, "--once excludes --watch");
    check_usage_error({"run", "--mock", "--watch", "--interval", "5x"},
                      "--interval: '5x' is not a duration");
    check_usage_error({"run", "--mock", "--watch", "--interval", "0s"},
                      "--interval: must be more than 0");
    check_usage_error({"run", "--mock", "--watch", "--unburst-after", "-1s"},
                      "--unburst-after: '-1s' is negative");
    for (const char* bad : {"nan", "inf", "infinity", "-nan", "1e400", "1e308h", "nans"})
        check_usage_error({"run", "--mock", "--watch", "--unburst-after", bad},
                          "--unburst-after: '" + std::string(bad) + "' is not a duration");
    check_usage_error({"request", "--mock", "--nodes", "0"},
                      "--nodes: expected a whole number of at least 1, got '0'");
    check_usage_error({"request", "--mock", "--nodes", "two"},
                      "--nodes: expected a whole number of at least 1");
    check_usage_error({"request", "--mock"}, "--nodes is required");
    check_usage_error({"request", "--mock", "--nodes", "2", "--tasks", "-1"},
                      "--tasks: expected a whole number of at least 0");
    check_usage_error({"run", "--mock", "-v", "-q"}, "excludes");
    check_usage_error(
        {"run", "--mock", "--ordering", "fastest"},
        "--ordering: unknown ordering 'fastest'; expected one of: in_order, priority, least_waste");
    check_usage_error({"run", "--mock", "--ordering", "least_wast"}, "did you mean 'least_waste'?");
}

TEST_CASE("without a job source or a plugin the error names the options") {
    check_usage_error({"run", "--plugin", "mock"}, "no job source: give --jobs FILE");
    auto r = run({"select", "--plugin", "mock"});
    CHECK(r.err.find("--mock") != std::string::npos);
    CHECK(r.err.find("--config") != std::string::npos);

    check_usage_error({"run", "--jobs", cli_test::data("jobs.json")},
                      "no plugin to load: give --plugin NAME");
    check_usage_error({"run", "--jobs", cli_test::data("jobs.json"), "--mock"},
                      "--jobs and --mock");
    check_usage_error({"run", "--mock", "--plugin", "mock", "--plugin", "mock"},
                      "plugin 'mock' is given twice");
    check_usage_error({"unburst"}, "no plugin to load");
}

TEST_CASE("an unknown plugin is a usage error with a suggestion") {
    check_usage_error({"run", "--mock", "--plugin", "mokc"},
                      "unknown plugin 'mokc': no libfluxburst_mokc.so in ");
    check_usage_error({"run", "--mock", "--plugin", "mokc"}, "did you mean 'mock'?");
    check_usage_error({"run", "--mock", "--plugin", "slurm"}, "available: ");
    check_usage_error({"run", "--mock", "--plugin", "slurm"}, "mock");
    check_usage_error({"plugins", "mokc"}, "unknown plugin 'mokc'");
    check_usage_error({"run", "--mock", "--plugin-path", "/nonexistent/dir"},
                      "--plugin-path '/nonexistent/dir': no such directory");
}

TEST_CASE("logs go to stderr - -v raises and -q lowers the level") {
    test::TempDir dir;
    std::string jobs = cli_test::copy_valid_jobs(dir);
    std::string malformed = cli_test::copy_data(dir, "jobs.json", "malformed.json");
    auto r = run({"select", "--jobs", jobs, "--plugin", "mock"});
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());  // warn is the default level
    CHECK(r.out.find("flux-burst:") == std::string::npos);

    r = run({"select", "--jobs", malformed, "--plugin", "mock"});
    CHECK(r.err.find("warning: jobs file '" + malformed + "': job entry 6 skipped") !=
          std::string::npos);
    CHECK(r.err.find("info:") == std::string::npos);
    CHECK(r.out.find("flux-burst:") == std::string::npos);

    r = run({"select", "--jobs", jobs, "--plugin", "mock", "-v"});
    CHECK(r.err.find("info: loaded plugin 'mock'") != std::string::npos);
    CHECK(r.out.find("flux-burst:") == std::string::npos);

    r = run({"select", "--jobs", malformed, "--plugin", "mock", "-q"});
    CHECK(r.err.find("warning") == std::string::npos);
    CHECK(r.err.find("error: jobs file '" + malformed + "': 2 entries could not be used") !=
          std::string::npos);

    r = run({"select", "--jobs", jobs, "--plugin", "mock"}, {{"FLUXBURST_LOG_LEVEL", "info"}});
    CHECK(r.err.find("info: loaded plugin 'mock'") != std::string::npos);
    r = run({"select", "--jobs", jobs, "--plugin", "mock", "-q"},
            {{"FLUXBURST_LOG_LEVEL", "info"}});
    CHECK(r.status == 0);
    CHECK(r.err.empty());
}
