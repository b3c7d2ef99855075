// The local plugin's logic that needs no Flux: templates, node choice, the
// configuration files, commands. (The plugin itself is tested in tests/flux.)
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <fluxburst/error.hpp>
#include <fluxburst/flux.hpp>

#include "../plugins/local/command_runner.hpp"
#include "../plugins/local/launch_state.hpp"
#include "../plugins/local/local_config.hpp"
#include "../plugins/local/node_plan.hpp"
#include "../plugins/local/setup_files.hpp"
#include "../plugins/local/templates.hpp"
#include "test_support.hpp"

namespace local = fluxburst::local;
namespace fp = fluxburst::flux_protocol;
using nlohmann::json;

namespace {
fluxburst::ResourceStatus sample_status() {
    auto s = fp::parse_sched_resource_status(json::parse(
        test::read_text(std::string(TEST_DATA_DIR) + "/sched.resource-status.response.json")));
    fp::add_resource_module_status(
        s, json::parse(
               test::read_text(std::string(TEST_DATA_DIR) + "/resource.status.response.json")));
    return s;  // fake[0-3], rank 0 free, 1-3 down and offline
}
}  // namespace

TEST_CASE("local: command templates") {
    CHECK(local::placeholders_in("{flux} start {hosts} {{x}}", local::launch_placeholders(), "t") ==
          std::set<std::string>{"flux", "hosts"});
    CHECK_THROWS_WITH(
        local::placeholders_in("run {hots}", local::launch_placeholders(), "launch_command"),
        Catch::Contains("launch_command: unknown placeholder {hots}") &&
            Catch::Contains("{hosts}"));
    CHECK_THROWS_WITH(local::placeholders_in("run {hosts", local::launch_placeholders(), "t"),
                      Catch::Contains("unclosed"));
    CHECK_THROWS_WITH(local::placeholders_in("run }", local::launch_placeholders(), "t"),
                      Catch::Contains("unmatched"));
    CHECK_THROWS_AS(
        local::placeholders_in("kill {launch_output}", local::launch_placeholders(), "t"),
        fluxburst::Error);
    CHECK_NOTHROW(local::placeholders_in("kill {launch_output}", local::stop_placeholders(), "t"));
    CHECK_NOTHROW(
        local::placeholders_in(local::default_launch_command, local::launch_placeholders(), "t"));
    CHECK(local::expand("a {x} {{y}} {x}", {{"x", "1"}}) == "a 1 {y} 1");
    CHECK_THROWS_AS(local::expand("{z}", {}), fluxburst::Error);
    CHECK(local::runs_per_host("ssh {host} start"));
    CHECK(local::runs_per_host("start --rank={rank}"));
    CHECK_FALSE(local::runs_per_host("srun -w {hosts}"));
    CHECK_FALSE(local::runs_per_host(local::default_launch_command));
}

TEST_CASE("local: which nodes a burst starts") {
    auto s = sample_status();
    auto p = local::plan(s, 3, {}, {});
    CHECK(p.free == 1);
    CHECK(p.needed == 2);
    CHECK(p.ranks == std::vector<std::int64_t>{1, 2});
    CHECK(p.short_by == 0);

    CHECK(local::plan(s, 1, {}, {}).needed == 0);  // the free node is enough
    CHECK(local::plan(s, 1, {}, {}).ranks.empty());

    auto big = local::plan(s, 6, {}, {});
    CHECK(big.needed == 5);
    CHECK(big.ranks == std::vector<std::int64_t>{1, 2, 3});
    CHECK(big.short_by == 2);

    // Only allowed hosts; ranks launched earlier and not up yet count as coming.
    auto allowed = local::plan(s, 3, {"fake0", "fake3"}, {});
    CHECK(allowed.ranks == std::vector<std::int64_t>{3});
    CHECK(allowed.short_by == 1);
    auto starting = local::plan(s, 3, {}, {1});
    CHECK(starting.starting == 1);
    CHECK(starting.needed == 1);
    CHECK(starting.ranks == std::vector<std::int64_t>{2});

    // A drained node whose broker runs gains nothing from a new broker.
    s.offline = {2, 3};
    CHECK(local::startable_ranks(s, {}, {}) == std::vector<std::int64_t>{2, 3});
}

TEST_CASE("local: the configuration path") {
    CHECK(local::config_path("/cfg") == "/cfg/conf.d");
}

TEST_CASE("local: running commands") {
    auto ok = local::run_command("echo out; echo err >&2", 10);
    CHECK(ok.ok());
    CHECK(ok.out == "out\n");
    CHECK(ok.err == "err\n");
    auto bad = local::run_command("echo nope >&2; exit 4", 10);
    CHECK(bad.exit_status == 4);
    CHECK(bad.describe() == "exit status 4: nope");

    {
        test::EnvVar set("FLUXBURST_TEST_VAR", "outer");
        auto env = local::run_command("echo ${FLUXBURST_TEST_VAR:-unset} $EXTRA", 10,
                                      {{"FLUXBURST_TEST_VAR", std::nullopt}, {"EXTRA", "x"}});
        CHECK(env.out == "unset x\n");
    }

    auto t0 = std::chrono::steady_clock::now();
    auto slow = local::run_command("sleep 30", 0.3);
    CHECK(slow.timed_out);
    CHECK_FALSE(slow.ok());
    CHECK_THAT(slow.describe(), Catch::StartsWith("timed out"));
    // A background child keeping the pipes open does not hold up the result.
    auto bg = local::run_command("sleep 30 & echo $!", 10);
    CHECK(bg.ok());
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(took < 8);
    ::kill(std::stoi(bg.out), SIGKILL);

    CHECK(local::find_program("sh"));
    CHECK_FALSE(local::find_program("no-such-program-fluxburst"));
    CHECK(local::find_program("/bin/sh") == std::optional<std::string>("/bin/sh"));
}
