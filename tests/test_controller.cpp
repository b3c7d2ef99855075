// The controller driven step by step with a fake clock, a scripted queue and
// scripted plugins: no sleeps.
#include <catch2/catch.hpp>

#include <fluxburst/controller.hpp>
#include <fluxburst/error.hpp>

#include "controller_support.hpp"
#include "test_support.hpp"

using fluxburst::Controller;
using fluxburst::ControllerOptions;
using nlohmann::json;
using test::FakeClock;
using test::ScriptedPlugin;
using test::ScriptedQueue;

namespace {

ControllerOptions options_with(FakeClock& clock, const std::string& identity = "test controller") {
    ControllerOptions o;
    o.clock = clock.fn();
    o.identity = identity;
    o.policy.interval = 5;
    o.policy.unburst_after = 30;
    return o;
}

std::size_t unbursts_in(const Controller::Step& s) {
    return s.unbursts.size();
}

}  // namespace

TEST_CASE(
    "controller: a burst, then no unburst before the idle time, then unburst right after it") {
    FakeClock clock;
    auto queue = std::make_shared<ScriptedQueue>();
    queue->add(1, 2);
    queue->add(2, 3);
    ScriptedPlugin mock("mock");
    Controller c(queue, {&mock}, options_with(clock));

    auto first = c.step();
    REQUIRE(first.cycle);
    CHECK(first.cycle->assignments.size() == 2);
    REQUIRE(mock.runs.size() == 1);
    CHECK(mock.runs[0].nodes == 3);  // largest job
    CHECK(queue->marked_to(1) == "mock");

    // Jobs still running: time passes, nothing is unbursted.
    for (int i = 0; i < 20; ++i) {
        clock.advance(5);
        CHECK(unbursts_in(c.step()) == 0);
    }
    CHECK(mock.unbursts == 0);

    // Both finish; the controller notices at its next check.
    queue->finish(1);
    queue->finish(2);
    clock.advance(5);
    CHECK(unbursts_in(c.step()) == 0);
    CHECK(c.status()[0].idle);
    // Just before the idle time: nothing.
    clock.advance(29.999);
    CHECK(unbursts_in(c.step()) == 0);
    CHECK(mock.unbursts == 0);
    // At the idle time: unburst, once.
    clock.advance(0.001);
    auto due = c.step();
    REQUIRE(due.unbursts.size() == 1);
    CHECK(due.unbursts[0].plugins[0].action == "unburst");
    CHECK(due.unbursts[0].plugins[0].ok);
    CHECK(mock.unbursts == 1);
    clock.advance(100);
    CHECK(unbursts_in(c.step()) == 0);
    CHECK(mock.unbursts == 1);
    CHECK(c.status()[0].bursts == 0);
}

TEST_CASE("controller: a job that is active again before the idle time ends keeps the burst") {
    FakeClock clock;
    auto queue = std::make_shared<ScriptedQueue>();
    queue->add(1);
    ScriptedPlugin mock("mock");
    Controller c(queue, {&mock}, options_with(clock));
    c.step();
    queue->finish(1);
    clock.advance(5);
    c.step();
    CHECK(c.status()[0].idle);
    // A new job arrives and is served by the same plugin: no longer idle.
    queue->add(2);
    clock.advance(5);
    c.step();
    CHECK(mock.runs.size() == 2);
    CHECK_FALSE(c.status()[0].idle);
    clock.advance(60);
    CHECK(unbursts_in(c.step()) == 0);
    CHECK(mock.unbursts == 0);
}

TEST_CASE("controller: next_due is the earliest of the next cycle and the end of an idle time") {
    FakeClock clock;
    auto queue = std::make_shared<ScriptedQueue>();
    queue->add(1);
    ScriptedPlugin mock("mock");
    auto o = options_with(clock);
    o.policy.interval = 5;
    o.policy.unburst_after = 2;
    Controller c(queue, {&mock}, o);
    c.step();
    CHECK(c.next_due() == clock.now + std::chrono::seconds(5));
    queue->finish(1);
    clock.advance(5);
    c.step();
    CHECK(c.next_due() == clock.now + std::chrono::seconds(2));
}

TEST_CASE("controller: one per queue, the second is refused with the holder's name") {
    FakeClock clock;
    SECTION("in memory") {
        auto queue = std::make_shared<ScriptedQueue>();
        ScriptedPlugin mock("mock");
        auto first =
            std::make_unique<Controller>(queue, std::vector<fluxburst::BurstPlugin*>{&mock},
                                         options_with(clock, "controller A"));
        try {
            Controller second(queue, {&mock}, options_with(clock, "controller B"));
            FAIL("a second controller was accepted");
        } catch (const fluxburst::QueueBusyError& e) {
            CHECK(std::string(e.what()).find("controller A") != std::string::npos);
        }
        first.reset();
        CHECK_NOTHROW(Controller(queue, {&mock}, options_with(clock, "controller B")));
    }
    SECTION("a jobs file, through two queue objects") {
        test::TempDir dir;
        std::string path = dir.file("jobs.json");
        test::write_text(path, "[]");
        ScriptedPlugin mock("mock");
        auto first = std::make_unique<Controller>(std::make_shared<fluxburst::FileQueue>(path),
                                                  std::vector<fluxburst::BurstPlugin*>{&mock},
                                                  options_with(clock, "controller A on host h"));
        try {
            Controller second(std::make_shared<fluxburst::FileQueue>(path), {&mock},
                              options_with(clock, "controller B"));
            FAIL("a second controller was accepted");
        } catch (const fluxburst::QueueBusyError& e) {
            std::string what = e.what();
            CHECK(what.find("already has a controller") != std::string::npos);
            CHECK(what.find(path + ".controller") != std::string::npos);
            CHECK(what.find("controller A on host h") != std::string::npos);
        }
        first.reset();
        CHECK_NOTHROW(Controller(std::make_shared<fluxburst::FileQueue>(path), {&mock},
                                 options_with(clock, "controller B")));
    }
}

TEST_CASE("controller: a job marked by someone else between listing and marking is not burst") {
    test::TempDir dir;
    std::string path = dir.file("jobs.json");
    json doc = json::array();
    for (int id : {1, 2}) {
        json j = fluxburst::MockQueue::sample_job();
        j["id"] = id;
        doc.push_back(j);
    }
    test::write_text(path, doc.dump());
    FakeClock clock;
    ScriptedPlugin mock("mock");
    // While the controller decides, another process marks job 2.
    mock.on_schedule = [&](const fluxburst::Job& job) {
        if (job.id() == 2) fluxburst::FileQueue(path).mark_scheduled(2, "other");
    };
    Controller c(std::make_shared<fluxburst::FileQueue>(path), {&mock}, options_with(clock));
    CHECK_THROWS_WITH(c.step(), Catch::Contains("job " + fluxburst::job_id_f58(2) + " (2)") &&
                                    Catch::Contains("already marked"));
    CHECK(mock.runs.empty());
    auto after = json::parse(test::read_text(path));
    CHECK(after[0]["spec"]["attributes"]["system"].contains("burstable"));  // nothing written
    CHECK(after[1]["spec"]["attributes"]["system"]["burst-scheduled"] == "other");
    // The next cycle bursts job 1 only.
    mock.on_schedule = nullptr;
    clock.advance(5);
    auto s = c.step();
    REQUIRE(s.cycle);
    REQUIRE(mock.runs.size() == 1);
    CHECK(mock.runs[0].jobs == std::vector<fluxburst::JobId>{1});
}

TEST_CASE("controller: duplicate job ids in a jobs file are burst once") {
    test::TempDir dir;
    std::string path = dir.file("jobs.json");
    json j = fluxburst::MockQueue::sample_job();
    j["id"] = 7;
    test::write_text(path, json::array({j, j, j}).dump());
    FakeClock clock;
    ScriptedPlugin mock("mock");
    Controller c(std::make_shared<fluxburst::FileQueue>(path), {&mock}, options_with(clock));
    for (int i = 0; i < 5; ++i) {
        try {
            c.step();
        } catch (const fluxburst::QueueError&) {
        }
        clock.advance(5);
    }
    REQUIRE(mock.runs.size() == 1);
    CHECK(mock.runs[0].jobs == std::vector<fluxburst::JobId>{7});
}

TEST_CASE("controller: burst sizing, largest job or sum capped by the plugin's limit") {
    FakeClock clock;
    auto queue = std::make_shared<ScriptedQueue>();
    queue->add(1, 2);
    queue->add(2, 3);
    queue->add(3, 4);
    SECTION("largest") {
        ScriptedPlugin p("p");
        Controller c(queue, {&p}, options_with(clock));
        c.step();
        REQUIRE(p.runs.size() == 1);
        CHECK(p.runs[0].nodes == 4);
    }
    SECTION("sum, no limit known") {
        ScriptedPlugin p("p");
        auto o = options_with(clock);
        o.policy.sizing = fluxburst::BurstSizing::SumOfJobs;
        Controller c(queue, {&p}, o);
        c.step();
        REQUIRE(p.runs.size() == 1);
        CHECK(p.runs[0].nodes == 9);
        CHECK(p.runs[0].tasks == 9);
    }
    SECTION("sum, capped by the plugin's max_nodes parameter") {
        ScriptedPlugin p("p", {{"max_nodes", 6}});
        auto o = options_with(clock);
        o.policy.sizing = fluxburst::BurstSizing::SumOfJobs;
        Controller c(queue, {&p}, o);
        c.step();
        REQUIRE(p.runs.size() == 1);
        CHECK(p.runs[0].nodes == 6);
    }
    SECTION("sum, capped by the plugin's free nodes") {
        ScriptedPlugin p("p", {{"max_nodes", 6}});
        p.free = 5;
        auto o = options_with(clock);
        o.policy.sizing = fluxburst::BurstSizing::SumOfJobs;
        Controller c(queue, {&p}, o);
        c.step();
        CHECK(p.runs.at(0).nodes == 5);
    }
    CHECK(fluxburst::burst_sizing_from_name("sum") == fluxburst::BurstSizing::SumOfJobs);
    CHECK_THROWS_WITH(fluxburst::burst_sizing_from_name("biggest"),
                      Catch::Contains("largest") && Catch::Contains("sum"));
}

TEST_CASE("controller: caps on nodes in flight, per plugin and in total") {
    FakeClock clock;
    auto queue = std::make_shared<ScriptedQueue>();
    queue->add(1, 4);
    ScriptedPlugin a("a"), b("b");
    auto o = options_with(clock);
    SECTION("per plugin: the next job goes to the next plugin") {
        o.policy.max_plugin_nodes_in_flight = 6;
        Controller c(queue, {&a, &b}, o);
        c.step();
        queue->add(2, 4);
        clock.advance(5);
        auto s = c.step();
        REQUIRE(s.cycle);
        REQUIRE(s.cycle->assignments.size() == 1);
        CHECK(s.cycle->assignments[0].plugin == "b");
        CHECK(a.runs.size() == 1);
        CHECK(b.runs.size() == 1);
    }
    SECTION("in total: the job waits, with the reason") {
        o.policy.max_nodes_in_flight = 6;
        Controller c(queue, {&a, &b}, o);
        c.step();
        queue->add(2, 4);
        clock.advance(5);
        auto s = c.step();
        REQUIRE(s.cycle);
        CHECK(s.cycle->assignments.empty());
        REQUIRE(s.cycle->unmatched.size() == 1);
        CHECK(s.cycle->unmatched[0].reasons.at(0).find("max_nodes_in_flight") != std::string::npos);
        // Once the first burst is given back, the job goes.
        queue->finish(1);
        clock.advance(5);
        c.step();
        clock.advance(30);
        auto after = c.step();
        CHECK(a.unbursts == 1);
        clock.advance(5);
        c.step();
        CHECK(a.runs.size() == 2);
    }
}

TEST_CASE("controller: bursts per window") {
    FakeClock clock;
    auto queue = std::make_shared<ScriptedQueue>();
    queue->add(1);
    ScriptedPlugin a("a");
    auto o = options_with(clock);
    o.policy.max_bursts_per_window = 1;
    o.policy.burst_window = 60;
    Controller c(queue, {&a}, o);
    c.step();
    queue->add(2);
    for (int i = 0; i < 11; ++i) {
        clock.advance(5);
        c.step();
    }
    CHECK(a.runs.size() == 1);  // 55 s after the first
    clock.advance(5);
    c.step();
    CHECK(a.runs.size() == 2);
}

TEST_CASE("controller: a failed run() gives its jobs back, fails over, backs off") {
    FakeClock clock;
    auto queue = std::make_shared<ScriptedQueue>();
    queue->add(1, 2);
    ScriptedPlugin a("a"), b("b");
    a.fail_runs = 100;
    auto o = options_with(clock);
    o.policy.backoff_initial = 30;
    o.policy.backoff_max = 100;
    Controller c(queue, {&a, &b}, o);
    test::LogCapture log;

    auto s = c.step();
    REQUIRE(s.cycle);
    REQUIRE(s.cycle->plugins.size() == 1);
    CHECK_FALSE(s.cycle->plugins[0].ok);
    CHECK_FALSE(queue->marked(1));  // given back
    CHECK(c.status()[0].failures == 1);
    CHECK(c.status()[0].backoff_seconds == Approx(30));
    CHECK(log.count("backed off for 30 s") == 1);

    // At once, without waiting for the interval: the next plugin takes it.
    CHECK(c.next_due() == clock.now);
    s = c.step();
    REQUIRE(s.cycle);
    REQUIRE(s.cycle->held.size() == 1);
    CHECK(s.cycle->held[0].plugin == "a");
    CHECK(s.cycle->held[0].seconds_left == Approx(30));
    CHECK(s.cycle->to_json()["held"][0]["plugin"] == "a");
    REQUIRE(b.runs.size() == 1);
    CHECK(b.runs[0].jobs == std::vector<fluxburst::JobId>{1});
    CHECK(queue->marked_to(1) == "b");
    CHECK(a.runs.size() == 1);

    // Backoff doubles at each failure in a row, bounded.
    queue->add(2, 2);
    std::vector<double> delays;
    for (int i = 0; i < 4; ++i) {
        clock.advance(c.status()[0].backoff_seconds);
        c.step();  // offered to a again, which fails; b then takes it
        delays.push_back(c.status()[0].backoff_seconds);
        if (!queue->marked(2)) continue;
        queue->remove(2);
        queue->add(2 + (i + 1) * 10, 2);
    }
    CHECK(delays == std::vector<double>{60, 100, 100, 100});
    // Succeeding resets it.
    a.fail_runs = 0;
    clock.advance(100);
    queue->add(99, 1);
    c.step();
    CHECK(c.status()[0].failures == 0);
}

TEST_CASE("controller: schedule() failures are logged once per plugin per cycle, with a count") {
    FakeClock clock;
    auto queue = std::make_shared<ScriptedQueue>();
    for (int id = 1; id <= 50; ++id) queue->add(id);
    ScriptedPlugin a("a"), b("b");
    a.throw_in_schedule = true;
    test::LogCapture log;
    Controller c(queue, {&a, &b}, options_with(clock));
    auto s = c.step();
    CHECK(log.count("schedule() failed") == 1);
    CHECK(log.count("schedule() failed for 50 job(s)") == 1);
    CHECK(log.count("first: job " + fluxburst::job_id_f58(1) + " (1): ") ==
          1);                               // F58, as flux jobs shows it, then decimal
    CHECK(b.runs.at(0).jobs.size() == 50);  // every job went to b
    // Each job's reasons still say so in the report (here: none unmatched).
    CHECK(s.cycle->unmatched.empty());
}

TEST_CASE("controller: restart adopts its recorded bursts and unbursts what finished meanwhile") {
    test::TempDir dir;
    FakeClock clock;
    auto queue = std::make_shared<ScriptedQueue>();
    queue->add(1);
    queue->add(2);
    ScriptedPlugin mock("mock");
    auto o = options_with(clock);
    o.state_path = dir.file("controller.json");
    {
        Controller c(queue, {&mock}, o);
        c.step();
        REQUIRE(mock.runs.size() == 1);
    }
    // While no controller runs, the jobs finish; and a submitter forges a mark on
    // a job of its own (a jobspec attribute): it is never taken as served.
    queue->finish(1);
    queue->finish(2);
    json forged = queue->jobs[1];
    forged["id"] = 3;
    forged["state"] = 8;
    forged["spec"]["attributes"]["system"]["burst-scheduled"] = "mock";
    queue->jobs[3] = forged;

    ScriptedPlugin again("mock");
    Controller c(queue, {&again}, o);
    CHECK(c.status()[0].bursts == 1);
    CHECK(c.status()[0].active_jobs == 2);
    c.step();
    CHECK(again.runs.empty());  // nothing new to burst
    CHECK(c.status()[0].active_jobs == 0);
    clock.advance(30);
    auto s = c.step();
    REQUIRE(s.unbursts.size() == 1);
    CHECK(again.unbursts == 1);
    auto state = json::parse(test::read_text(o.state_path));
    CHECK(state["plugins"].empty());
}

TEST_CASE("controller: a marking failure runs nothing and is retried at the next cycle") {
    FakeClock clock;
    auto queue = std::make_shared<ScriptedQueue>();
    ScriptedPlugin mock("mock");
    Controller c(queue, {&mock}, options_with(clock));
    c.step();  // the first step, on an empty queue
    queue->add(1);
    queue->fail_marking = 1;
    clock.advance(5);
    c.step();
    CHECK(mock.runs.empty());
    clock.advance(5);
    c.step();
    CHECK(mock.runs.size() == 1);
}

TEST_CASE("controller: policy values out of range are refused, naming the field") {
    FakeClock clock;
    auto queue = std::make_shared<ScriptedQueue>();
    auto o = options_with(clock);
    o.policy.interval = 0;
    CHECK_THROWS_WITH(Controller(queue, {}, o), Catch::Contains("interval"));
    o = options_with(clock);
    o.policy.max_nodes_in_flight = -1;
    CHECK_THROWS_WITH(Controller(queue, {}, o), Catch::Contains("max_nodes_in_flight"));
    o = options_with(clock);
    o.policy.backoff_max = 1;
    CHECK_THROWS_WITH(Controller(queue, {}, o), Catch::Contains("backoff_max"));
    // a usage error, naming the field as its subject (the command exits as for a bad option)
    o = options_with(clock);
    o.policy.up_timeout = -3;
    try {
        Controller(queue, {}, o);
        FAIL("a negative up_timeout was accepted");
    } catch (const fluxburst::Error& e) {
        CHECK(e.code() == fluxburst::ErrorCode::usage);
        CHECK(e.subject().key == "up_timeout");
    }
}

TEST_CASE("controller: a burst not up within up_timeout is a failed burst: fail-over, backoff") {
    FakeClock clock;
    auto queue = std::make_shared<ScriptedQueue>();
    queue->add(1, 2);
    ScriptedPlugin a("a"), b("b");
    a.state = fluxburst::BurstProgress::Starting;
    auto o = options_with(clock);
    o.policy.up_timeout = 600;
    o.policy.backoff_initial = 30;
    Controller c(queue, {&a, &b}, o);
    test::LogCapture log;

    auto s = c.step();
    REQUIRE(a.runs.size() == 1);
    CHECK(queue->marked_to(1) == "a");
    CHECK(c.status()[0].bursts_starting == 1);
    CHECK(a.progress_calls >= 1);  // asked at once after run()
    // The controller wakes up for the timeout (or sooner, to ask again).
    CHECK(c.next_due() <= clock.now + std::chrono::seconds(600));
    // Still starting, just before the timeout: nothing happens.
    for (int i = 0; i < 119; ++i) {
        clock.advance(5);
        c.step();
    }
    clock.advance(4.999);
    c.step();
    CHECK(queue->marked_to(1) == "a");
    CHECK(a.unbursts == 0);
    CHECK(c.status()[0].failures == 0);
    // At the timeout: failed; its jobs are given back and go to b at once, a
    // gives back what it started (no other burst of its is up) and is backed off.
    clock.advance(0.001);
    s = c.step();
    CHECK(a.unbursts == 1);
    REQUIRE(s.unbursts.size() == 1);
    CHECK(c.status()[0].bursts == 0);
    CHECK(c.status()[0].failures == 1);
    CHECK(c.status()[0].backoff_seconds == Approx(30));
    CHECK(log.count("its burst of 2 node(s) was not up after 600 s (up_timeout)") == 1);
    CHECK_FALSE(queue->marked(1));
    CHECK(c.next_due() == clock.now);
    c.step();
    REQUIRE(b.runs.size() == 1);
    CHECK(b.runs[0].jobs == std::vector<fluxburst::JobId>{1});
    CHECK(queue->marked_to(1) == "b");
}

TEST_CASE("controller: progress reported by the plugin: up, failed, or unknown while it throws") {
    FakeClock clock;
    auto queue = std::make_shared<ScriptedQueue>();
    queue->add(1, 2);
    ScriptedPlugin a("a"), b("b");
    auto o = options_with(clock);
    o.policy.up_timeout = 60;
    SECTION("starting, then up before the timeout: kept, failures reset") {
        a.state = fluxburst::BurstProgress::Starting;
        Controller c(queue, {&a, &b}, o);
        c.step();
        clock.advance(30);
        a.state = fluxburst::BurstProgress::Up;
        c.step();
        CHECK(c.status()[0].bursts_starting == 0);
        clock.advance(600);
        c.step();
        CHECK(queue->marked_to(1) == "a");
        CHECK(a.unbursts == 0);
        CHECK(b.runs.empty());
    }
    SECTION("the plugin says its burst failed: failed at once") {
        a.state = fluxburst::BurstProgress::Failed;
        Controller c(queue, {&a, &b}, o);
        test::LogCapture log;
        c.step();
        CHECK(log.count("the plugin reports that its burst failed") == 1);
        CHECK_FALSE(queue->marked(1));
        CHECK(c.status()[0].failures == 1);
        c.step();
        CHECK(queue->marked_to(1) == "b");
    }
    SECTION("progress() throws: logged, still starting, bounded by the timeout") {
        a.progress_throws = true;
        Controller c(queue, {&a, &b}, o);
        test::LogCapture log;
        c.step();
        CHECK(log.count("progress() threw") == 1);
        CHECK(queue->marked_to(1) == "a");
        clock.advance(60);
        c.step();
        CHECK_FALSE(queue->marked(1));
        CHECK(c.status()[0].failures == 1);
    }
    SECTION("a plugin that reports nothing is up once run() returns") {
        Controller c(queue, {&a, &b}, o);
        c.step();
        CHECK(c.status()[0].bursts == 1);
        CHECK(c.status()[0].bursts_starting == 0);
    }
}
