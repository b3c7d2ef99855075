#include <catch2/catch.hpp>

#include <fluxburst/client.hpp>

#include <sstream>

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

namespace {
std::string streamed(const fluxburst::BurstReport& r) {
    std::ostringstream out;
    r.write_json(out);
    return out.str();
}
}  // namespace

TEST_CASE("write_json writes exactly what to_json().dump(2) does") {
    fluxburst::BurstReport r;
    SECTION("an empty report") {}
    SECTION("every part, with names that need escaping and non-ASCII text") {
        r.queue = "jobs file 'q\"uo\\te\".json'";
        r.dry_run = true;
        r.jobs_seen = 5;
        r.selected = {1, 11777605632ULL, 18446744073709551615ULL};
        r.assignments.push_back({11777605632ULL, "sim", 2, 3, "mock"});
        r.assignments.push_back({2, "tab\there\nnew line \x01 caf\xc3\xa9 \x7f", 0, 0, "p-2"});
        r.assignments.push_back({3, "", 9223372036854775807LL, 1, "mock"});
        r.unmatched.push_back({5, "big", 64, {"mock: declined", "gke: schedule threw: \"x\""}});
        r.unmatched.push_back({6, "none", 1, {}});
        r.skipped.push_back({"7", "job has no 'spec' (jobspec)"});
        r.skipped.push_back({"entry 9", "\xe2\x82\xac"});
        fluxburst::PluginOutcome o;
        o.plugin = "mock";
        o.action = "run";
        o.ok = false;
        o.error = "boom";
        o.details = {{"nested", {{"list", {1, 2.5, "x"}}, {"empty", nlohmann::json::object()}}}};
        o.seconds = 0.125;
        r.plugins.push_back(o);
        o.ok = true;
        r.plugins.push_back(o);
        r.held.push_back({"gke", "cooling down", 12.5});
        r.timings = {0.1, 0.2, 1e-9, 3, 12345.678};
    }
    SECTION("only unmatched jobs") {
        r.unmatched.push_back({5, "big", 64, {"no plugins are loaded"}});
    }
    CHECK(streamed(r) == r.to_json().dump(2));
}

TEST_CASE("write_json refuses invalid UTF-8 as to_json().dump() does") {
    fluxburst::BurstReport r;
    r.assignments.push_back({1, "bad \xff name", 1, 1, "mock"});
    CHECK_THROWS_AS(r.to_json().dump(2), nlohmann::json::type_error);
    CHECK_THROWS_AS(streamed(r), nlohmann::json::type_error);
}
