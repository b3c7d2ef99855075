// Each kind of error the command can meet, and the exit status it gives (the table
// in src/cli/exit_codes.cpp and the README's "Errors" table); a parameter's four
// layers as a user sets them.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using cli_test::run;

TEST_CASE("each kind of error exits with its status and names what failed") {
    test::TempDir dir;
    std::string jobs = cli_test::copy_valid_jobs(dir);
    std::string config = dir.file("burst.toml");
    test::write_text(config, "[burst]\nintervall = 3\n");
    std::string broken = cli_test::broken_plugins();
    std::string lead = dir.file("lead");
    struct Case {
        const char* kind;
        std::vector<std::string> args;
        int status;
        std::string says;
    };
    const std::vector<Case> cases = {
        {"usage", {"run", "--jobs", jobs, "--mock", "--plugin", "mock"}, 2, "--jobs and --mock"},
        {"bad_config",
         {"run", "--mock", "--config", config},
         2,
         "config file '" + config + "', line 2: unknown key 'intervall'"},
        {"bad_parameter",
         {"run", "--mock", "--param", "mock.max_nodes=lots"},
         2,
         "(--param 'mock.max_nodes=lots') expects an integer"},
        {"plugin_not_found", {"run", "--mock", "--plugin", "mokc"}, 2, "unknown plugin 'mokc'"},
        {"plugin_refused",
         {"run", "--mock", "--plugin-path", broken, "--plugin", "throwvalidate"},
         2,
         "validate() refused"},
        {"plugin_unsupported", {"setup", "mock"}, 2, "plugin mock has no setup step"},
        {"plugin_broken",
         {"run", "--mock", "--plugin-path", broken, "--plugin", "text"},
         1,
         "plugin 'text' ("},
        {"plugin_failed",
         {"setup", "leadsetup", "--plugin-path", TEST_SETUP_PLUGIN_DIR, "--param",
          "leadsetup.config_dir=" + lead, "--param", "leadsetup.lead_hosts=lead[0-1]", "--param",
          "leadsetup.address=34.1.2.3", "--param", "leadsetup.port=70000"},
         1,
         "setup of plugin 'leadsetup' failed"},
        {"bad_queue",
         {"run", "--jobs", dir.file("missing.json"), "--plugin", "mock"},
         1,
         dir.file("missing.json")},
    };
    for (const auto& c : cases) {
        INFO(c.kind);
        auto r = run(c.args);
        INFO("stderr: " << r.err);
        CHECK(r.status == c.status);
        CHECK_THAT(r.err, Catch::StartsWith("flux-burst: error: ") && Catch::Contains(c.says));
        // A usage error (2) points at --help; a failure (1) does not.
        CHECK((r.err.find("Run 'flux-burst --help' for usage.") != std::string::npos) ==
              (c.status == 2));
    }
#if CLI_TEST_HAVE_FLUX
    // unreachable: the enclosing instance named by FLUX_URI is not there.
    auto r =
        run({"run", "--plugin", "mock"}, {{"FLUX_URI", "local://" + dir.file("no-such-sock")}});
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::Contains("cannot connect to the Flux instance"));
#endif
}

TEST_CASE("a parameter's layers: default < config file < environment < --param") {
    test::TempDir dir;
    std::string jobs = cli_test::copy_valid_jobs(dir);
    std::string config = dir.file("burst.toml");
    std::string state = dir.file("state.json");
    // The cluster a cycle creates is named after cluster_prefix.
    auto cluster = [&](const std::vector<std::string>& more, const cli_test::Env& env) {
        test::write_text(jobs, test::read_text(cli_test::copy_valid_jobs(dir, "fresh.json")));
        std::vector<std::string> args = {"run", "--jobs", jobs, "--plugin", "mock", "--json"};
        args.insert(args.end(), more.begin(), more.end());
        auto r = run(args, env);
        INFO("stderr: " << r.err);
        REQUIRE(r.status == 0);
        return nlohmann::json::parse(r.out)["plugins"][0]["details"]["name"].get<std::string>();
    };
    test::write_text(config, "[plugin.mock]\ncluster_prefix = \"config\"\n");
    const std::vector<std::string> with_config = {"--config", config};
    const std::vector<std::string> with_param = {"--config", config, "--param",
                                                 "mock.cluster_prefix=option"};
    CHECK(cluster({}, {}) == "mock-0");             // the plugin's default
    CHECK(cluster(with_config, {}) == "config-0");  // the config file
    CHECK(cluster(with_config, {{"FLUXBURST_CLUSTER_PREFIX", "shared"}}) == "shared-0");
    CHECK(cluster(with_config, {{"FLUXBURST_CLUSTER_PREFIX", "shared"},
                                {"FLUXBURST_MOCK_CLUSTER_PREFIX", "own"}}) == "own-0");
    CHECK(cluster(with_param, {{"FLUXBURST_MOCK_CLUSTER_PREFIX", "own"}}) == "option-0");
}
