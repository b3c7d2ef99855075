#include <catch2/catch.hpp>

#include <fluxburst/client.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/plugin.hpp>

#include <filesystem>

#include "test_support.hpp"

using fluxburst::Client;
using nlohmann::json;

namespace {
Client client_with(std::shared_ptr<fluxburst::JobQueue> queue) {
    Client c(std::move(queue));
    c.set_search_installed_dir(false);
    c.add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
    c.add_plugin_dir(TEST_GOOD_PLUGIN_DIR);
    c.add_plugin_dir(TEST_BROKEN_PLUGIN_DIR);
    return c;
}

std::string copy_jobs(const test::TempDir& dir) {
    std::string path = dir.file("jobs.json");
    std::filesystem::copy_file(std::string(TEST_DATA_DIR) + "/jobs.json", path);
    return path;
}

json job(fluxburst::JobId id, int nodes, bool burstable = true) {
    json j = fluxburst::MockQueue::sample_job();
    j["id"] = id;
    j["nnodes"] = nodes;
    j["state"] = 8;
    if (!burstable) j["spec"]["attributes"]["system"].erase("burstable");
    return j;
}
}  // namespace

TEST_CASE("the embedded default: mock queue, mock plugin, one cycle") {
    Client c = client_with(std::make_shared<fluxburst::MockQueue>());
    c.load("mock");
    auto report = c.run_burst();
    CHECK(report.queue == "mock queue");
    CHECK(report.jobs_seen == 1);
    REQUIRE(report.selected.size() == 1);
    REQUIRE(report.assignments.size() == 1);
    CHECK(report.assignments[0].plugin == "mock");
    CHECK(report.assignments[0].nodes == 4);
    REQUIRE(report.plugins.size() == 1);
    CHECK(report.plugins[0].ok);
    CHECK(report.plugins[0].summary == "created cluster mock-0 with 4 nodes for 1 job(s)");
    // the queue remembers: a second cycle selects nothing and runs no plugin
    auto second = c.run_burst();
    CHECK(second.selected.empty());
    CHECK(second.plugins.empty());
    CHECK(c.queue().lookup(17839985524736ULL)->scheduled_plugin() == "mock");
}

TEST_CASE("a file queue cycle: selection, assignment, unmatched, skipped, marking") {
    test::TempDir dir;
    std::string path = copy_jobs(dir);
    Client c = client_with(std::make_shared<fluxburst::FileQueue>(path));
    c.load("mock", {{"max_nodes", 8}});
    auto report = c.run_burst();
    CHECK(report.jobs_seen == 8);
    CHECK(report.selected ==
          std::vector<fluxburst::JobId>{11777605632ULL, 11811160064ULL, 15317598208ULL});
    REQUIRE(report.assignments.size() == 2);
    CHECK(report.assignments[0].id == 11777605632ULL);
    CHECK(report.assignments[1].id == 15317598208ULL);
    REQUIRE(report.unmatched.size() == 1);
    CHECK(report.unmatched[0].id == 11811160064ULL);
    CHECK(report.unmatched[0].reasons == std::vector<std::string>{"mock: declined"});
    REQUIRE(report.skipped.size() == 2);
    CHECK(report.skipped[0].job == "11878268928");
    CHECK_THAT(report.skipped[0].reason, Catch::Contains("'spec' must be an object"));
    CHECK(report.skipped[1].job == "entry 6");
    CHECK_THAT(report.skipped[1].reason, Catch::Contains("no 'id'"));
    REQUIRE(report.plugins.size() == 1);
    CHECK(report.plugins[0].nodes == 4);  // the largest accepted job
    CHECK(report.plugins[0].jobs == 2);
    json file = json::parse(test::read_text(path));
    CHECK(file["jobs"][0]["spec"]["attributes"]["system"]["burst-scheduled"] == "mock");
    CHECK(file["jobs"][7]["spec"]["attributes"]["system"]["burst-scheduled"] == "mock");
    CHECK(file["jobs"][1]["spec"]["attributes"]["system"]["burstable"] == 1);
    // a controller restarted on the same file does not burst them again
    Client again = client_with(std::make_shared<fluxburst::FileQueue>(path));
    again.load("mock", {{"max_nodes", 64}});
    auto second = again.run_burst();
    REQUIRE(second.assignments.size() == 1);
    CHECK(second.assignments[0].id == 11811160064ULL);
}

TEST_CASE("the default selector's fast path decides exactly as the selector itself") {
    test::TempDir dir;
    std::string a = dir.file("a.json");
    std::filesystem::copy_file(std::string(TEST_DATA_DIR) + "/jobs.json", a);
    std::string b = dir.file("b.json");
    std::filesystem::copy_file(std::string(TEST_DATA_DIR) + "/jobs.json", b);
    Client fast = client_with(std::make_shared<fluxburst::FileQueue>(a));
    fast.load("mock", {{"max_nodes", 8}});
    Client slow = client_with(std::make_shared<fluxburst::FileQueue>(b));
    slow.load("mock", {{"max_nodes", 8}});
    // The same test as a custom selector: no summary filter, every job built.
    slow.set_selector(
        [](const fluxburst::Job& j) { return j.burstable() && !j.burst_scheduled(); });
    json rf = fast.run_burst().to_json();
    json rs = slow.run_burst().to_json();
    rf.erase("timings");
    rs.erase("timings");
    rf.erase("queue");
    rs.erase("queue");
    for (auto* r : {&rf, &rs})
        for (auto& p : (*r)["plugins"]) p.erase("seconds");
    CHECK(rf == rs);
    CHECK(test::read_text(a) == test::read_text(b));
}

TEST_CASE("no selected jobs: early return, plugins not run") {
    Client c =
        client_with(std::make_shared<fluxburst::MockQueue>(std::vector<json>{job(1, 2, false)}));
    auto& rec = c.load("recorder", {{"label", "x"}});
    auto report = c.run_burst();
    CHECK(report.jobs_seen == 1);
    CHECK(report.selected.empty());
    CHECK(report.plugins.empty());
    CHECK(report.timings.schedule == 0);
    (void)rec;
}

TEST_CASE("a custom selector, and reset_selector") {
    auto queue = std::make_shared<fluxburst::MockQueue>(
        std::vector<json>{job(1, 2, false), job(2, 3, true)});
    Client c = client_with(queue);
    c.load("recorder", {{"label", "x"}});
    c.set_selector([](const fluxburst::Job& j) { return j.json().value("nnodes", 0) == 2; });
    auto plan = c.plan_burst();
    CHECK(plan.selected == std::vector<fluxburst::JobId>{1});
    c.reset_selector();
    CHECK(c.plan_burst().selected == std::vector<fluxburst::JobId>{2});
    CHECK_THROWS_AS(c.set_selector(nullptr), fluxburst::Error);
}

TEST_CASE("a selector that throws skips the job and reports it") {
    Client c = client_with(
        std::make_shared<fluxburst::MockQueue>(std::vector<json>{job(1, 2), job(2, 2)}));
    c.load("recorder", {{"label", "x"}});
    c.set_selector([](const fluxburst::Job& j) {
        if (j.id() == 1) throw std::runtime_error("bad job");
        return true;
    });
    auto report = c.run_burst();
    REQUIRE(report.skipped.size() == 1);
    CHECK(report.skipped[0].job == "1");
    CHECK(report.skipped[0].reason == "selector threw: bad job");
    CHECK(report.assignments.size() == 1);
}

TEST_CASE("jobs are offered in the ordering's order, first to accept wins") {
    Client c = client_with(std::make_shared<fluxburst::MockQueue>(
        std::vector<json>{job(1, 2), job(2, 6), job(3, 50)}));
    c.load("alpha", {{"label", "a"}, {"capacity", 8}});
    c.load("beta", {{"label", "b"}, {"capacity", 4}});
    auto report = c.run_burst();
    REQUIRE(report.assignments.size() == 2);
    CHECK(report.assignments[0].plugin == "alpha");
    CHECK(report.assignments[1].plugin == "alpha");
    REQUIRE(report.unmatched.size() == 1);
    CHECK(report.unmatched[0].reasons ==
          std::vector<std::string>{"alpha: declined", "beta: declined"});
    // reverse order with a custom ordering: beta first
    Client d = client_with(
        std::make_shared<fluxburst::MockQueue>(std::vector<json>{job(1, 2), job(2, 6)}));
    d.load("alpha", {{"label", "a"}, {"capacity", 8}});
    d.load("beta", {{"label", "b"}, {"capacity", 4}});
    d.set_ordering([](std::vector<fluxburst::BurstPlugin*> ps, const fluxburst::Job&) {
        std::reverse(ps.begin(), ps.end());
        return ps;
    });
    auto r2 = d.run_burst();
    REQUIRE(r2.assignments.size() == 2);
    CHECK(r2.assignments[0].plugin == "beta");
    CHECK(r2.assignments[1].plugin == "alpha");
    REQUIRE(r2.plugins.size() == 2);
    CHECK(r2.plugins[0].plugin == "alpha");  // run in load order
    CHECK(r2.plugins[1].jobs == 1);
}

TEST_CASE("a job asking for a plugin (burst option \"plugin\") is offered to that one only") {
    auto asking = [](fluxburst::JobId id, const char* plugin) {
        json j = job(id, 2);
        j["spec"]["attributes"]["system"]["burstable"] = {{"plugin", plugin}};
        return j;
    };
    Client c = client_with(std::make_shared<fluxburst::MockQueue>(
        std::vector<json>{asking(1, "beta"), job(2, 2), asking(3, "gke")}));
    c.load("alpha", {{"label", "a"}, {"capacity", 8}});
    c.load("beta", {{"label", "b"}, {"capacity", 4}});
    auto report = c.run_burst();
    REQUIRE(report.assignments.size() == 2);
    CHECK(report.assignments[0].id == 1);
    CHECK(report.assignments[0].plugin == "beta");  // alpha comes first and would take it
    CHECK(report.assignments[1].plugin == "alpha");
    REQUIRE(report.unmatched.size() == 1);
    CHECK(report.unmatched[0].id == 3);
    REQUIRE(report.unmatched[0].reasons.size() == 1);
    CHECK_THAT(report.unmatched[0].reasons[0],
               Catch::Contains("asks for plugin 'gke'") && Catch::Contains("not loaded"));
}

TEST_CASE("an ordering may leave plugins out, foreign pointers are ignored") {
    Client c = client_with(std::make_shared<fluxburst::MockQueue>(std::vector<json>{job(1, 2)}));
    c.load("alpha", {{"label", "a"}});
    c.set_ordering([](const std::vector<fluxburst::BurstPlugin*>&, const fluxburst::Job&) {
        return std::vector<fluxburst::BurstPlugin*>{nullptr};
    });
    auto report = c.run_burst();
    REQUIRE(report.unmatched.size() == 1);
    CHECK(report.unmatched[0].reasons ==
          std::vector<std::string>{"the ordering offered it to no plugin"});
    c.set_ordering([](const std::vector<fluxburst::BurstPlugin*>&,
                      const fluxburst::Job&) -> std::vector<fluxburst::BurstPlugin*> {
        throw std::runtime_error("no idea");
    });
    CHECK(c.run_burst().unmatched.at(0).reasons.at(0) == "ordering threw: no idea");
}

TEST_CASE("no plugins loaded: selected jobs are unmatched with the reason") {
    Client c = client_with(std::make_shared<fluxburst::MockQueue>());
    auto report = c.run_burst();
    REQUIRE(report.unmatched.size() == 1);
    CHECK(report.unmatched[0].reasons == std::vector<std::string>{"no plugins are loaded"});
}

TEST_CASE("a plugin that throws in schedule does not stop the cycle") {
    Client c = client_with(std::make_shared<fluxburst::MockQueue>(std::vector<json>{job(1, 2)}));
    c.load("throwschedule");
    c.load("alpha", {{"label", "a"}});
    auto report = c.run_burst();
    REQUIRE(report.assignments.size() == 1);
    CHECK(report.assignments[0].plugin == "alpha");
    REQUIRE(report.plugins.size() == 1);
    CHECK(report.plugins[0].plugin == "alpha");
    Client only = client_with(std::make_shared<fluxburst::MockQueue>(std::vector<json>{job(1, 2)}));
    only.load("throwschedule");
    auto r2 = only.run_burst();
    REQUIRE(r2.unmatched.size() == 1);
    CHECK(r2.unmatched[0].reasons ==
          std::vector<std::string>{"throwschedule: schedule threw: schedule exploded"});
}

TEST_CASE("a plugin that throws in run or unburst is reported, the others go on") {
    Client c = client_with(
        std::make_shared<fluxburst::MockQueue>(std::vector<json>{job(1, 2), job(2, 2)}));
    c.load("throwrun");
    c.load("throwunburst");
    c.set_ordering([](std::vector<fluxburst::BurstPlugin*> ps, const fluxburst::Job& j) {
        if (j.id() == 2) std::reverse(ps.begin(), ps.end());
        return ps;
    });
    auto report = c.run_burst();
    REQUIRE(report.plugins.size() == 2);
    CHECK_FALSE(report.plugins[0].ok);
    CHECK(report.plugins[0].error == "run exploded");
    CHECK(report.plugins[1].ok);
    CHECK_FALSE(report.ok());
    auto un = c.run_unburst();
    REQUIRE(un.plugins.size() == 2);
    CHECK(un.plugins[0].ok);
    CHECK_FALSE(un.plugins[1].ok);
    CHECK(un.plugins[1].error == "unburst exploded");
    auto only = c.run_unburst("throwrun");
    CHECK(only.plugins.size() == 1);
    CHECK_THROWS_WITH(c.run_unburst("nope"), Catch::Contains("'nope' is not loaded"));
}

TEST_CASE("a failure to mark records nothing and runs no plugin") {
    test::TempDir dir;
    std::string path = dir.file("jobs.json");
    test::write_text(path, job(1, 2).dump());  // a single object, not a queue
    struct VanishingQueue : fluxburst::MockQueue {
        using MockQueue::MockQueue;
        void mark_scheduled(const std::vector<fluxburst::JobMark>&) override {
            throw fluxburst::QueueError("disk full");
        }
    };
    Client c = client_with(std::make_shared<VanishingQueue>(std::vector<json>{job(1, 2)}));
    auto& rec = c.load("alpha", {{"label", "a"}});
    CHECK_THROWS_WITH(c.run_burst(), "disk full");
    CHECK(rec.unburst().details["runs"] == 0);  // not run
    // an unreadable queue is an error too
    Client d = client_with(std::make_shared<fluxburst::FileQueue>(path));
    d.load("alpha", {{"label", "a"}});
    CHECK_THROWS_AS(d.run_burst(), fluxburst::QueueError);
}

TEST_CASE("plan_burst decides without marking or running") {
    auto queue = std::make_shared<fluxburst::MockQueue>(std::vector<json>{job(1, 2)});
    Client c = client_with(queue);
    auto& rec = c.load("alpha", {{"label", "a"}});
    auto plan = c.plan_burst();
    CHECK(plan.dry_run);
    REQUIRE(plan.assignments.size() == 1);
    CHECK(plan.plugins.empty());
    CHECK(rec.unburst().details["runs"] == 0);  // not run
    CHECK(queue->lookup(1)->burstable());
    CHECK(c.run_burst().assignments.size() == 1);  // still selectable
}

TEST_CASE("request_burst asks one plugin for a size") {
    Client c = client_with(std::make_shared<fluxburst::MockQueue>());
    c.load("alpha", {{"label", "a"}});
    auto report = c.request_burst("alpha", 3);
    REQUIRE(report.plugins.size() == 1);
    CHECK(report.plugins[0].action == "request");
    CHECK(report.plugins[0].details["nodes"] == 3);
    CHECK(report.plugins[0].details["tasks"] == 3);
    CHECK(c.request_burst("alpha", 2, 8).plugins[0].details["tasks"] == 8);
    CHECK_THROWS_WITH(c.request_burst("beta", 1),
                      Catch::Contains("'beta' is not loaded") && Catch::Contains("alpha"));
    CHECK_THROWS_WITH(c.request_burst("alpha", 0), Catch::Contains("at least 1"));
}
