// --param NAME.KEY=VALUE: parsing, typing by the plugin's schema, precedence, and
// the errors (exit 2, nothing written).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using cli_test::run;

namespace {

struct Files {
    test::TempDir dir;
    std::string jobs = cli_test::copy_valid_jobs(dir);
    std::string state = dir.file("state.json");
    std::string original = test::read_text(jobs);
};

nlohmann::json run_json(const std::vector<std::string>& args, const cli_test::Env& env = {}) {
    std::vector<std::string> all = args;
    all.push_back("--json");
    auto r = run(all, env);
    INFO("stderr: " << r.err);
    REQUIRE(r.status == 0);
    return nlohmann::json::parse(r.out);
}

std::vector<std::string> assigned_names(const nlohmann::json& report) {
    std::vector<std::string> names;
    for (const auto& a : report["assignments"]) names.push_back(a["name"]);
    return names;
}

}  // namespace

TEST_CASE("bad --param values exit 2 naming the argument, plugin and key - no file is written") {
    Files f;
    auto check = [&](const std::string& param, const std::string& what,
                     const cli_test::Env& env = {}) {
        INFO("--param " << param);
        auto r = run({"run", "--jobs", f.jobs, "--plugin", "mock", "--param",
                      "mock.state_file=" + f.state, "--param", param},
                     env);
        INFO("stderr: " << r.err);
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK(r.err.find(what) != std::string::npos);
        CHECK(test::read_text(f.jobs) == f.original);
        CHECK(test::read_text(f.state).empty());  // never created
    };
    check("max_nodes",
          "--param 'max_nodes': no '=' before the value; expected --param NAME.KEY=VALUE");
    check("max_nodes=4", "--param 'max_nodes=4': no plugin name before the key (NAME.)");
    check(".max_nodes=4", "the plugin name is empty");
    check("mock.=4", "the key is empty");
    check("local.max_nodes=4",
          "--param 'local.max_nodes=4': plugin 'local' is not loaded (loaded: mock)");
    check("mock.max_node=4",
          "plugin 'mock': unknown parameter 'max_node' (--param 'mock.max_node=4'); did you mean "
          "'max_nodes'?");
    check("mock.colour=red",
          "plugin 'mock': unknown parameter 'colour' (--param 'mock.colour=red')");
    check("mock.max_nodes=four",
          "parameter 'max_nodes' (--param 'mock.max_nodes=four') expects an integer, got 'four'");
    check("mock.max_nodes=2.5", "expects an integer, got '2.5'");
    check("mock.max_nodes=0", "validate() refused: max_nodes must be at least 1, got 0");
    check("mock.fail_on=always", "fail_on must be");
    check("mock.max_nodes=4", "(environment FLUXBURST_PRIORITY) expects an integer, got 'high'",
          {{"FLUXBURST_PRIORITY", "high"}});
    // found by fuzz_param_arg: bytes that are not UTF-8 made an unexpected JSON error (exit 1)
    check("mock.cluster_prefix=\xac\xac",
          "parameter 'cluster_prefix' (--param 'mock.cluster_prefix=");
    check("mock.max_nodes=4", "(environment FLUXBURST_CLUSTER_PREFIX) is not valid UTF-8",
          {{"FLUXBURST_CLUSTER_PREFIX", "\xac"}});
}

TEST_CASE("param values are typed by the plugin's schema") {
    test::TempDir dir;
    std::string good = cli_test::good_plugins();
    // recorder: capacity integer, known_capacity boolean, label string (required),
    // ratio number, hosts list.
    auto r =
        run({"request", "--mock", "--plugin-path", good, "--plugin", "recorder", "--nodes", "2"});
    CHECK(r.status == 2);
    CHECK(r.err.find("required parameter 'label' is missing") != std::string::npos);

    r = run({"request", "--mock", "--plugin-path", good, "--plugin", "recorder", "--nodes", "2",
             "--param", "recorder.label=x", "--param", "recorder.known_capacity=maybe"});
    CHECK(r.status == 2);
    CHECK(r.err.find("expects a boolean") != std::string::npos);
    r = run({"request", "--mock", "--plugin-path", good, "--plugin", "recorder", "--nodes", "2",
             "--param", "recorder.label=x", "--param", "recorder.ratio=half"});
    CHECK(r.status == 2);
    CHECK(r.err.find("expects a number") != std::string::npos);

    r = run({"request", "--mock", "--plugin-path", good, "--plugin", "recorder", "--nodes", "2",
             "--param", "recorder.label=x", "--param", "recorder.known_capacity=no", "--param",
             "recorder.ratio=0.25", "--param", "recorder.hosts=a,b", "--param",
             "recorder.capacity=9"});
    CHECK(r.status == 0);
    CHECK(r.out.find("ran for 0 jobs") != std::string::npos);
}

TEST_CASE("param: --param overrides FLUXBURST_<KEY>, which overrides the defaults") {
    Files f;
    std::vector<std::string> args{"select", "--jobs", f.jobs, "--plugin", "mock"};
    // Default max_nodes 8: sim (2) and four (4) are accepted, big (16) is not.
    CHECK(assigned_names(run_json(args)) == std::vector<std::string>{"sim", "four"});
    // The environment: 2.
    CHECK(assigned_names(run_json(args, {{"FLUXBURST_MAX_NODES", "2"}})) ==
          std::vector<std::string>{"sim"});
    // The command line wins over the environment.
    auto with_param = args;
    with_param.insert(with_param.end(), {"--param", "mock.max_nodes=16"});
    CHECK(assigned_names(run_json(with_param, {{"FLUXBURST_MAX_NODES", "2"}})) ==
          std::vector<std::string>{"sim", "big", "four"});
    // The last --param for a key wins.
    with_param.insert(with_param.end(), {"--param", "mock.max_nodes=3"});
    CHECK(assigned_names(run_json(with_param)) == std::vector<std::string>{"sim"});
}
