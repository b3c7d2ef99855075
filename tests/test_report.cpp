#include <catch2/catch.hpp>

#include <fluxburst/client.hpp>

using nlohmann::json;

TEST_CASE("a report serialises every part to JSON") {
    fluxburst::BurstReport r;
    r.queue = "mock queue";
    r.jobs_seen = 3;
    r.selected = {11777605632ULL};
    r.assignments.push_back({11777605632ULL, "sim", 2, 2, "mock"});
    r.unmatched.push_back({5, "big", 64, {"mock: declined"}});
    r.skipped.push_back({"7", "job has no 'spec' (jobspec)"});
    fluxburst::PluginOutcome o;
    o.plugin = "mock";
    o.action = "run";
    o.ok = false;
    o.error = "boom";
    r.plugins.push_back(o);
    r.timings.total = 0.5;
    json j = r.to_json();
    CHECK(j["queue"] == "mock queue");
    CHECK(j["jobs_seen"] == 3);
    CHECK(j["selected"][0]["id"] == 11777605632ULL);
    CHECK(j["assignments"][0]["plugin"] == "mock");
    CHECK(j["assignments"][0]["f58"] == fluxburst::job_id_f58(11777605632ULL));
    CHECK(j["unmatched"][0]["reasons"][0] == "mock: declined");
    CHECK(j["skipped"][0]["job"] == "7");
    CHECK(j["plugins"][0]["error"] == "boom");
    CHECK(j["timings"]["total"] == 0.5);
    CHECK(j["ok"] == false);
    CHECK(json::parse(j.dump()) == j);
}
