// `flux burst` inside a live instance: the command reads the enclosing instance's
// queue (FLUX_URI), marks jobs with memos, and an unreachable URI is a clear error.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../test_support.hpp"
#include "flux_instance.hpp"

namespace {
std::string exec_path() {
    return std::string(FLUX_BURST_COMMAND).substr(0, std::string(FLUX_BURST_COMMAND).rfind('/'));
}
}  // namespace

TEST_CASE("flux burst run reads the enclosing instance's queue and marks jobs with memos") {
    test::TempDir dir;
    test::write_instance_config(dir.path(), 4);
    test::SystemInstance instance(dir.path() + "/conf.d", dir.path());
    instance.start_rank(0);
    for (int i = 0; i < 2; ++i) instance.submit("-N2 --setattr=burstable --job-name=sim true");
    instance.submit("-N2 --job-name=plain true");
    instance.wait_pending(3);
    std::string env =
        "FLUX_EXEC_PATH=" + exec_path() + " FLUXBURST_PLUGIN_PATH=" + TEST_BUILD_PLUGIN_DIR + " ";

    auto select = test::sh("env " + env + test::flux() + " burst select --plugin mock --json",
                           instance.uri());
    auto plan = nlohmann::json::parse(select.out);
    CHECK(plan["selected"].size() == 2);
    CHECK(plan["dry_run"] == true);

    auto run = test::sh("env " + env + test::flux() + " burst run --plugin mock", instance.uri());
    CHECK_THAT(run.out, Catch::Contains("3 entries read, 2 selected"));
    auto memo =
        instance.flux("jobs -a --no-header -o '{name} {annotations.user.fluxburst.plugin}'");
    CHECK_THAT(memo.out, Catch::Contains("sim mock"));
    CHECK_THAT(memo.out, !Catch::Contains("plain mock"));

    // a second run (a restarted controller) bursts nothing again
    auto again =
        test::sh("env " + env + test::flux() + " burst run --plugin mock --json", instance.uri());
    CHECK(nlohmann::json::parse(again.out)["selected"].empty());

    // an unreachable instance: exit 1, naming the URI
    auto bad = test::sh(
        "env FLUX_URI=local://" + dir.path() + "/nope " + FLUX_BURST_COMMAND + " run --plugin mock",
        "", false);
    CHECK(bad.exit_status == 1);
    CHECK_THAT(bad.out + bad.err, Catch::Contains(dir.path() + "/nope"));
    instance.stop();
}

TEST_CASE("flux burst run --watch keeps a burst while its job runs, and unbursts once it ends") {
    test::TempDir dir;
    test::write_instance_config(dir.path(), 4);
    test::SystemInstance instance(dir.path() + "/conf.d", dir.path());
    instance.start_rank(0);
    instance.flux("queue stop");
    std::uint64_t id = instance.submit("-N1 --setattr=burstable --job-name=long sleep 300");
    instance.wait_pending(1);
    std::string out = dir.file("watch.out");
    std::string env = "FLUXBURST_PLUGIN_PATH=" + std::string(TEST_BUILD_PLUGIN_DIR);
    // The job is marked by the first cycle, then starts running: the Flux queue no
    // longer lists it (it lists pending jobs), yet it is not finished.
    std::string script =
        "env " + env + " " + FLUX_BURST_COMMAND +
        " run --watch --interval 0.1s --unburst-after 0.3s --plugin mock --json >>" + out +
        " 2>/dev/null & w=$!; sleep 1; " + test::flux() + " queue start; " + test::flux() +
        " job wait-event -t 30 " + std::to_string(id) + " start; sleep 1.5; echo MARK >>" + out +
        "; " + test::flux() + " cancel " + std::to_string(id) + "; sleep 2; kill -TERM $w; wait $w";
    auto r = test::sh(script, instance.uri(), false, 60);
    INFO(r.out << r.err);
    CHECK(r.exit_status == 0);
    std::string text = test::read_text(out);
    INFO(text);
    auto mark = text.find("MARK");
    REQUIRE(mark != std::string::npos);
    CHECK(text.find("\"action\":\"run\"") < mark);             // burst before
    CHECK(text.find("\"action\":\"unburst\"") > mark);         // unburst only after the job ended
    CHECK(text.find("\"action\":\"unburst\"") != std::string::npos);
    instance.stop();
}
