// The controller on a live Flux instance (label "flux"): one controller per
// instance, woken by the job manager's events journal, marks that are its own
// memos, and a restart that unbursts what finished meanwhile.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <fluxburst/controller.hpp>
#include <fluxburst/flux_queue.hpp>
#include <fluxburst/fluxburst.hpp>
#include <memory>
#include <thread>

#include "../controller_support.hpp"
#include "../test_support.hpp"
#include "flux_instance.hpp"

using fluxburst::Controller;
using fluxburst::ControllerOptions;
using fluxburst::FluxQueue;
using fluxburst::JobId;
using fluxburst::QueueBusyError;
using test::ScriptedPlugin;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// No polling: with an interval of an hour, only the journal can start a cycle
// or tell that a served job ended.
ControllerOptions event_driven(const std::string& identity, const std::string& state = "") {
    ControllerOptions o;
    o.identity = identity;
    o.state_path = state;
    o.policy.interval = 3600;
    o.policy.unburst_after = 0;
    return o;
}

// Step the controller (waiting for its queue's events in between) until `done`
// or `timeout` seconds; returns whether `done` became true.
template <typename Done>
bool step_until(Controller& c, Done done, double timeout = 10) {
    auto start = Clock::now();
    while (!done()) {
        if (since(start) > timeout) return false;
        c.wait(0.2);
        c.step();
    }
    return true;
}

// A job's fluxburst memo field, as `flux jobs` shows it (job-list may lag: bounded wait).
std::string memo_field(test::SystemInstance& instance, JobId id, const std::string& field,
                       const std::string& expected) {
    std::string got;
    auto start = Clock::now();
    do {
        got = instance
                  .flux("jobs -a --no-header -o '{annotations.user.fluxburst." + field + "}' " +
                        std::to_string(id))
                  .out;
        while (!got.empty() && (got.back() == '\n' || got.back() == ' ')) got.pop_back();
        if (got == expected) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (since(start) < 10);
    return got;
}

}  // namespace

TEST_CASE("flux controller: one per instance, a second one is refused with the holder's name") {
    test::TempDir dir;
    test::write_instance_config(dir.path(), 4);
    test::SystemInstance instance(dir.path() + "/conf.d", dir.path());
    instance.start_rank(0);

    ScriptedPlugin first_plugin("mock");
    auto first = std::make_unique<Controller>(std::make_shared<FluxQueue>(instance.uri()),
                                              std::vector<fluxburst::BurstPlugin*>{&first_plugin},
                                              event_driven("the first controller (test)"));
    std::thread serving([&] { first->run({}); });  // answers who holds the instance

    ScriptedPlugin second_plugin("mock");
    try {
        Controller second(std::make_shared<FluxQueue>(instance.uri()), {&second_plugin},
                          event_driven("the second controller (test)"));
        FAIL("a second controller was allowed on the same instance");
    } catch (const QueueBusyError& e) {
        CHECK_THAT(e.what(), Catch::Contains("the first controller (test)") &&
                                 Catch::Contains("fluxburst-controller"));
    }
    // The command, as cron would run it next to a service: refused, nothing marked.
    JobId id = instance.submit("-N2 --setattr=system.burstable=1 true");
    auto once = test::sh(std::string(FLUX_BURST_COMMAND) + " run --once --plugin mock",
                         instance.uri(), false);
    CHECK(once.exit_status != 0);
    CHECK_THAT(once.out + once.err, Catch::Contains("the first controller (test)"));

    // The first one bursts the job it was woken for (the command did not mark it).
    CHECK(memo_field(instance, id, "controller", "the first controller (test)") ==
          "the first controller (test)");
    first->stop();
    serving.join();
    CHECK(first_plugin.runs.size() == 1);
    first.reset();  // gives the service up

    Controller third(std::make_shared<FluxQueue>(instance.uri()), {&second_plugin},
                     event_driven("the third controller (test)"));
    third.step();
    CHECK(second_plugin.runs.empty());  // the job is marked already: not burst twice
    instance.stop();
}

TEST_CASE("flux controller: a submitted burstable job wakes it at once, its end is an event") {
    test::TempDir dir;
    test::write_instance_config(dir.path(), 4);
    test::SystemInstance instance(dir.path() + "/conf.d", dir.path());
    instance.start_rank(0);

    // Marked by someone else before the controller starts (the job's owner may post
    // memos on their own job): never burst.
    JobId foreign = instance.submit("-N2 --setattr=system.burstable=1 true");
    instance.flux("job memo " + std::to_string(foreign) + " fluxburst='{\"plugin\": \"other\"}'");
    REQUIRE(memo_field(instance, foreign, "plugin", "other") == "other");

    ScriptedPlugin plugin("mock");
    Controller c(std::make_shared<FluxQueue>(instance.uri()), {&plugin},
                 event_driven("controller under test"));
    c.step();
    CHECK(plugin.runs.empty());

    // A plain burstable job, and one whose submitter set system.burst-scheduled
    // (not a mark on Flux): both burst, each soon after its submission.
    auto t0 = Clock::now();
    JobId plain = instance.submit("-N2 --setattr=system.burstable=1 true");
    REQUIRE(step_until(c, [&] { return plugin.runs.size() == 1; }));
    double first_latency = since(t0);
    JobId forged = instance.submit(
        "-N2 --setattr=system.burstable=1 --setattr=system.burst-scheduled=mock true");
    REQUIRE(step_until(c, [&] { return plugin.runs.size() == 2; }));
    CHECK(plugin.runs[0].jobs == std::vector<JobId>{plain});
    CHECK(plugin.runs[1].jobs == std::vector<JobId>{forged});
    CHECK(first_latency < 3.0);  // flux submit itself takes most of it

    // The marks are the controller's memos, naming it.
    CHECK(memo_field(instance, plain, "controller", "controller under test") ==
          "controller under test");
    CHECK(memo_field(instance, forged, "plugin", "mock") == "mock");
    CHECK(memo_field(instance, foreign, "plugin", "other") == "other");

    // The served jobs end: the journal says so (no polling), and with an idle
    // time of 0 the plugin is unbursted.
    instance.flux("cancel " + std::to_string(plain) + " " + std::to_string(forged));
    REQUIRE(step_until(c, [&] { return plugin.unbursts == 1; }));
    CHECK(c.status().at(0).active_jobs == 0);
    CHECK(plugin.runs.size() == 2);
    instance.stop();
}

TEST_CASE("flux controller: after a restart it unbursts what its served jobs' end left idle") {
    test::TempDir dir;
    test::write_instance_config(dir.path(), 4);
    test::SystemInstance instance(dir.path() + "/conf.d", dir.path());
    instance.start_rank(0);
    std::string state = dir.path() + "/controller.json";

    JobId id = instance.submit("-N2 --setattr=system.burstable=1 true");
    {
        ScriptedPlugin plugin("mock");
        Controller c(std::make_shared<FluxQueue>(instance.uri()), {&plugin},
                     event_driven("before the restart", state));
        REQUIRE(step_until(c, [&] { return plugin.runs.size() == 1; }));
        CHECK(plugin.unbursts == 0);
    }  // the controller stops with its burst live

    instance.flux("cancel " + std::to_string(id));
    FluxQueue watcher(instance.uri());
    REQUIRE(watcher.wait_inactive({id}, 30).complete());

    ScriptedPlugin plugin("mock");
    Controller c(std::make_shared<FluxQueue>(instance.uri()), {&plugin},
                 event_driven("after the restart", state));
    REQUIRE(step_until(c, [&] { return plugin.unbursts == 1; }));
    CHECK(plugin.runs.empty());
    instance.stop();
}

TEST_CASE("flux queue: served jobs' ends, asked per job or with one listing, agree") {
    test::TempDir dir;
    test::write_instance_config(dir.path(), 4);
    test::SystemInstance instance(dir.path() + "/conf.d", dir.path());
    instance.start_rank(0);
    JobId a = instance.submit("-N2 true");
    JobId b = instance.submit("-N2 true");
    JobId c = instance.submit("-N2 true");
    instance.flux("cancel " + std::to_string(b));
    FluxQueue per_job(instance.uri());  // window 256: a request per job
    REQUIRE(per_job.wait_inactive({b}, 30).complete());
    JobId unknown = (c << 8) + 12345;  // never submitted: gone, so finished
    std::vector<JobId> ids = {a, b, c, unknown};

    FluxQueue::Options small;
    small.window = 2;  // more ids than the window: one listing of the active jobs
    FluxQueue listing(instance.uri(), small);
    auto by_request = per_job.finished_jobs(ids);
    auto by_listing = listing.finished_jobs(ids);
    std::sort(by_request.begin(), by_request.end());
    std::sort(by_listing.begin(), by_listing.end());
    std::vector<JobId> expected = {b, unknown};
    std::sort(expected.begin(), expected.end());
    CHECK(by_request == expected);
    CHECK(by_listing == expected);
    instance.stop();
}
