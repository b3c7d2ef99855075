// The local plugin's commands cannot be made to run anything else: every value is
// one shell word, launch output and state file contents are checked, the built-in
// stop runs without a shell. (No Flux needed; tests/flux runs the plugin itself.)
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fluxburst/error.hpp>

#include "../plugins/local/command_runner.hpp"
#include "../plugins/local/launch_state.hpp"
#include "../plugins/local/local_config.hpp"
#include "../plugins/local/node_plan.hpp"
#include "../plugins/local/setup_files.hpp"
#include "../plugins/local/templates.hpp"
#include "test_support.hpp"

namespace local = fluxburst::local;
using nlohmann::json;

namespace {

// Payloads that run `touch <target>` when spliced into a shell command unquoted,
// or inside single or double quotes.
std::vector<std::string> injections(const std::string& target) {
    return {"$(touch " + target + ")",
            "`touch " + target + "`",
            "x; touch " + target,
            "x && touch " + target,
            "x | touch " + target,
            "x\ntouch " + target,
            "x' ; touch " + target + " ; '",
            "x\" ; touch " + target + " ; \"",
            "x'$(touch " + target + ")'",
            "x\"$(touch " + target + ")\"",
            "> " + target,
            "x >" + target,
            "$(IFS=_;c=touch_" + target + ";$c)",
            "-n; touch " + target,
            "\\'; touch " + target + " #",
            "x\\",
            "'",
            "",
            " ",
            "*",
            "~",
            "a b\tc"};
}

bool exists(const std::string& path) {
    return ::access(path.c_str(), F_OK) == 0;
}

}  // namespace

TEST_CASE("local: every template value reaches the command as one word, verbatim") {
    test::TempDir dir;
    std::string target = dir.file("pwned");
    for (const auto& name : local::stop_placeholders()) {
        for (const auto& payload : injections(target)) {
            CAPTURE(name, payload);
            std::map<std::string, std::string> values;
            for (const auto& n : local::stop_placeholders()) values[n] = "v";
            values[name] = payload;
            std::string tmpl = "printf '[%s]' {" + name + "}";
            REQUIRE_NOTHROW(local::placeholders_in(tmpl, local::stop_placeholders(), "t"));
            auto r = local::run_command(local::expand(tmpl, values), 10);
            CHECK(r.ok());
            CHECK(r.out == "[" + payload + "]");  // one argument, unchanged
            CHECK_FALSE(exists(target));
        }
    }
    CHECK(local::shell_quote("fake[1-2]") == "'fake[1-2]'");
    CHECK(local::shell_quote("node-1.example.com") == "node-1.example.com");
    CHECK(local::shell_quote("it's") == "'it'\\''s'");
    CHECK(local::shell_quote("") == "''");
}

TEST_CASE("local: a placeholder inside quotes is refused (its value is quoted already)") {
    for (std::string tmpl : {"echo '{host}'", "echo \"{host}\"", "srun --requires='host:{hosts}'",
                             "sh -c \"start {host}\"", "echo 'a'\"{host}\""}) {
        CAPTURE(tmpl);
        CHECK_THROWS_WITH(local::placeholders_in(tmpl, local::launch_placeholders(), "launch"),
                          Catch::Contains("inside") && Catch::Contains("quotes") &&
                              Catch::Contains("remove the quotes"));
    }
    for (std::string tmpl : {"echo 'a' {host} \"b\"", "echo \\'{host}", "echo \"it's\" {host}",
                             "echo 'say \"' {host}", "echo {{x}} {host}"}) {
        CAPTURE(tmpl);
        CHECK_NOTHROW(local::placeholders_in(tmpl, local::launch_placeholders(), "launch"));
    }
    std::map<std::string, std::string> v;
    for (const auto& n : local::launch_placeholders()) v[n] = "x";
    v["hosts"] = "fake[1-2]";
    CHECK_THAT(local::expand(local::default_launch_command, v),
               Catch::Contains("--requires=host:'fake[1-2]' "));
}

TEST_CASE("local: launch output is one safe token or refused") {
    for (std::string ok : {"", "123",
                           "\xc6\x92"
                           "2Xm8Yq1",
                           "f2Xm8Yq1", "job-1.2", "a:b@c/d+e=f,g%h", "0"}) {
        CAPTURE(ok);
        CHECK(local::is_safe_output(ok));
    }
    test::TempDir dir;
    for (const auto& bad : injections(dir.file("pwned"))) {
        if (bad.empty()) continue;
        CAPTURE(bad);
        CHECK_FALSE(local::is_safe_output(bad));
    }
    for (std::string bad :
         std::vector<std::string>{"--all", "-x", "a b", "a\nb", "\x1b[2J", std::string(300, 'a'),
                                  "a'b", "\xc6", "\xff", "ƒ ƒ", ".hidden", "/abs", "a\tb"}) {
        CAPTURE(bad);
        CHECK_FALSE(local::is_safe_output(bad));
    }
}

TEST_CASE("local: hosts known only by rank, or with odd names, never reach a command") {
    CHECK(local::is_host_name("node-1.example.com"));
    CHECK(local::is_host_name("fake0"));
    for (std::string bad : std::vector<std::string>{"rank 3", "", "-oProxyCommand=x", "a;b", "a b",
                                                    "$(x)", "a\nb", std::string(254, 'a')}) {
        CAPTURE(bad);
        CHECK_FALSE(local::is_host_name(bad));
    }
    fluxburst::ResourceStatus s;
    s.hosts = {"node0", "", "node2", "bad host"};  // rank 1: no name; rank 3: not a name
    s.all = {0, 1, 2, 3};
    s.down = {1, 2, 3};
    CHECK(local::startable_ranks(s, {}, {}) == std::vector<std::int64_t>{2});
    auto plan = local::plan(s, 3, {}, {});
    CHECK(plan.ranks == std::vector<std::int64_t>{2});
}

TEST_CASE("local: a state file's launches are checked before any command sees them") {
    test::TempDir dir;
    std::string target = dir.file("pwned");
    json good = {{"hosts", {"fake1"}},
                 {"ranks", {1}},
                 {"output", "f2Xm8Yq1"},
                 {"default_launcher", true},
                 {"time", 1.0}};
    CHECK(local::launches_from_state({{"launches", {good}}}).size() == 1);
    CHECK(local::launches_from_state(json::object()).empty());
    for (const auto& payload : injections(target)) {
        if (payload.empty()) continue;
        CAPTURE(payload);
        json bad_output = good;
        bad_output["output"] = payload;
        CHECK_THROWS_AS(local::launches_from_state({{"launches", {bad_output}}}), fluxburst::Error);
        json bad_host = good;
        bad_host["hosts"] = {payload};
        CHECK_THROWS_AS(local::launches_from_state({{"launches", {bad_host}}}), fluxburst::Error);
        CHECK_THROWS_AS(local::cancel_argv("/bin/flux", "local:///x", payload), fluxburst::Error);
    }
    json not_a_job = good;
    not_a_job["output"] = "banner";  // the default launcher prints a job id
    CHECK_THROWS_WITH(local::launches_from_state({{"launches", {not_a_job}}}),
                      Catch::Contains("not a job id"));
    json mismatch = good;
    mismatch["ranks"] = {1, 2};
    CHECK_THROWS_WITH(local::launches_from_state({{"launches", {mismatch}}}),
                      Catch::Contains("differ in length"));
    CHECK_THROWS_AS(local::launches_from_state({{"launches", 3}}), fluxburst::Error);
    CHECK_THROWS_AS(local::launches_from_state({{"launches", {{{"hosts", 1}}}}}), fluxburst::Error);
    // The built-in cancel: an argument vector, the job one argument.
    CHECK(
        local::cancel_argv("/f/flux", "ssh://h/x", "f2Xm8Yq1") ==
        std::vector<std::string>{"/f/flux", "proxy", "ssh://h/x", "/f/flux", "cancel", "f2Xm8Yq1"});
    CHECK_FALSE(exists(target));
    // Round trip.
    auto launches = local::launches_from_state({{"launches", {good}}});
    CHECK(local::launches_from_state(local::state_json(launches)).front().output == "f2Xm8Yq1");
}

TEST_CASE("local: commands without a shell take their arguments verbatim") {
    test::TempDir dir;
    std::string target = dir.file("pwned");
    auto r = local::run_argv({"/bin/echo", "$(touch " + target + ")", "; touch " + target}, 10);
    CHECK(r.ok());
    CHECK(r.out == "$(touch " + target + ") ; touch " + target + "\n");
    CHECK_FALSE(exists(target));
    CHECK(local::describe_argv({"/bin/echo", "a b", "c"}) == "/bin/echo 'a b' c");
    auto missing = local::run_argv({"/no/such/program"}, 10);
    CHECK(missing.exit_status == 127);
}

TEST_CASE("local: a launch's age is measured on the boot clock, not the wall clock") {
    local::Launch l;
    l.started = {1000.0, 50.0, "boot-a"};
    // The wall clock stepped back an hour, or forward a day: the boot clock decides.
    CHECK(l.age({1000.0 - 3600, 80.0, "boot-a"}) == Approx(30.0));
    CHECK(l.age({1000.0 + 86400, 80.0, "boot-a"}) == Approx(30.0));
    // Launched before this boot (or on another machine): at least the time since boot.
    CHECK(l.age({1000.0 - 3600, 80.0, "boot-b"}) == Approx(80.0));
    CHECK(l.age({1000.0 + 500, 80.0, "boot-b"}) == Approx(500.0));
    // A state file from before boot ids were recorded.
    local::Launch old;
    old.started.wall = 1000.0;
    CHECK(old.age({1000.0 + 20, 5.0, "boot-a"}) == Approx(20.0));
    CHECK(old.age({1000.0 - 3600, 5.0, "boot-a"}) == Approx(5.0));
    auto now = local::Clocks::now();
    CHECK(now.since_boot > 0);
    CHECK_FALSE(now.boot_id.empty());
}
