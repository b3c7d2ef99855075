// Per-job parameter values (issue 11 item 6): a job's burst options
// (system.burstable = {"plugin": ..., KEY: VALUE}) set the parameters a plugin
// declares per_job, for that job's burst; anything else skips the job with the
// reason. Through the controller, the client, and a plugin loaded from its file.
#include <catch2/catch.hpp>

#include <fluxburst/client.hpp>
#include <fluxburst/controller.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/params.hpp>
#include <fluxburst/plugin.hpp>

#include "controller_support.hpp"

using fluxburst::Controller;
using fluxburst::ControllerOptions;
using fluxburst::ParamSchema;
using fluxburst::ParamType;
using nlohmann::json;
using test::FakeClock;
using test::ScriptedPlugin;
using test::ScriptedQueue;

namespace {

// machine_type and size per job; zone for every job only.
ParamSchema cloud_schema() {
    return {{"machine_type", ParamType::String, "small", false, "machine type", true},
            {"size", ParamType::Integer, 1, false, "disk size", true},
            {"zone", ParamType::String, "z1", false, "zone (not per job)"}};
}

ControllerOptions options_with(FakeClock& clock) {
    ControllerOptions o;
    o.clock = clock.fn();
    o.identity = "test controller";
    return o;
}

std::string label(fluxburst::JobId id) {
    return "job " + fluxburst::job_id_f58(id) + " (" + std::to_string(id) + ")";
}

const fluxburst::Skipped* skipped(const fluxburst::BurstReport& r, fluxburst::JobId id) {
    std::string ref = fluxburst::job_id_f58(id) + " (" + std::to_string(id) + ")";
    for (const auto& s : r.skipped)
        if (s.job == ref) return &s;
    return nullptr;
}

}  // namespace

TEST_CASE("per-job values reach run() for that job's burst, checked and converted") {
    FakeClock clock;
    auto queue = std::make_shared<ScriptedQueue>();
    queue->add(1, 2, {{"plugin", "cloud"}, {"machine_type", "c2-standard-16"}});
    queue->add(2, 1, {{"plugin", "cloud"}, {"machine_type", "c2-standard-16"}, {"size", "40"}});
    queue->add(3, 1, {{"plugin", "cloud"}, {"machine_type", "c2-standard-16"}});
    queue->add(4, 1);  // no options: the plugin's own values
    ScriptedPlugin cloud("cloud", {{"zone", "z9"}}, cloud_schema());
    Controller c(queue, {&cloud}, options_with(clock));
    auto s = c.step();
    REQUIRE(s.cycle);
    CHECK(s.cycle->skipped.empty());
    CHECK(s.cycle->assignments.size() == 4);
    // Jobs asking for different values make different bursts; the same values, one.
    REQUIRE(cloud.runs.size() == 3);
    std::map<json, std::vector<fluxburst::JobId>> by_values;
    std::map<json, json> params;
    for (const auto& r : cloud.runs) {
        by_values[r.job_params] = r.jobs;
        params[r.job_params] = r.params;
    }
    json m16 = {{"machine_type", "c2-standard-16"}};
    json m16_40 = {{"machine_type", "c2-standard-16"}, {"size", 40}};  // "40" made an integer
    CHECK(by_values[m16] == std::vector<fluxburst::JobId>{1, 3});
    CHECK(by_values[m16_40] == std::vector<fluxburst::JobId>{2});
    CHECK(by_values[json::object()] == std::vector<fluxburst::JobId>{4});
    // The burst's params: the plugin's own with the job's values applied.
    CHECK(params[m16] == json{{"machine_type", "c2-standard-16"}, {"size", 1}, {"zone", "z9"}});
    CHECK(params[m16_40]["size"] == 40);
    CHECK(params[json::object()] == cloud.params().json());
    CHECK(queue->marked_to(2) == "cloud");
}

TEST_CASE("burst options a plugin does not take skip the job, with the reason and the fix") {
    FakeClock clock;
    auto queue = std::make_shared<ScriptedQueue>();
    queue->add(11, 1, {{"plugin", "cloud"}, {"colour", "blue"}});       // unknown key
    queue->add(12, 1, {{"plugin", "cloud"}, {"zone", "z2"}});           // not per job
    queue->add(13, 1, {{"plugin", "cloud"}, {"size", "big"}});          // bad value
    queue->add(14, 1, {{"plugin", "cloud"}, {"machine_typ", "x"}});     // a typo
    queue->add(15, 1, {{"plugin", "cloud"}, {"size", json::array()}});  // wrong type
    queue->add(16, 1, {{"plugin", "cloud"}, {"bad\x1b[2Jkey", 1}});     // terminal text
    queue->add(17, 1, {{"plugin", "cloud"}, {"machine_type", "ok"}});   // fine
    ScriptedPlugin cloud("cloud", json::object(), cloud_schema());
    test::LogCapture log;
    Controller c(queue, {&cloud}, options_with(clock));
    auto s = c.step();
    REQUIRE(s.cycle);
    CHECK(s.cycle->unmatched.empty());
    REQUIRE(s.cycle->skipped.size() == 6);

    const auto* unknown = skipped(*s.cycle, 11);
    REQUIRE(unknown);
    CHECK_THAT(unknown->reason, Catch::Contains(label(11) + ": burst option \"colour\" is not a "
                                                            "parameter of plugin 'cloud'") &&
                                    Catch::Contains("takes per job: machine_type, size") &&
                                    Catch::Contains("remove it from the job's system.burstable"));
    const auto* not_per_job = skipped(*s.cycle, 12);
    REQUIRE(not_per_job);
    CHECK_THAT(not_per_job->reason,
               Catch::Contains("plugin 'cloud' does not take parameter 'zone' per job") &&
                   Catch::Contains("--param cloud.zone=VALUE"));
    const auto* bad = skipped(*s.cycle, 13);
    REQUIRE(bad);
    CHECK_THAT(bad->reason, Catch::Contains(label(13) + ": burst option \"size\"") &&
                                Catch::Contains("expects an integer, got 'big'") &&
                                Catch::Contains("fix the value"));
    CHECK_THAT(skipped(*s.cycle, 14)->reason, Catch::Contains("did you mean 'machine_type'?"));
    CHECK_THAT(skipped(*s.cycle, 15)->reason, Catch::Contains("expects integer, got list"));
    // The submitter's key is shown escaped, never as raw terminal text.
    CHECK(skipped(*s.cycle, 16)->reason.find('\x1b') == std::string::npos);
    CHECK_THAT(skipped(*s.cycle, 16)->reason, Catch::Contains("\\u001b[2Jkey"));

    // Only job 17 was burst; the others are not marked and are in the log, once each.
    REQUIRE(cloud.runs.size() == 1);
    CHECK(cloud.runs[0].jobs == std::vector<fluxburst::JobId>{17});
    for (fluxburst::JobId id : {11, 12, 13, 14, 15, 16}) {
        CHECK_FALSE(queue->marked(id));
        CHECK(log.count("job " + fluxburst::job_id_f58(id) + " (" + std::to_string(id) +
                        ") skipped: " + label(id) + ": burst option") == 1);
    }
    CHECK(s.cycle->to_json()["skipped"].size() == 6);
}

TEST_CASE("a job naming no plugin goes to a plugin taking its options, others say why") {
    FakeClock clock;
    auto queue = std::make_shared<ScriptedQueue>();
    queue->add(1, 1, {{"machine_type", "big"}});
    ScriptedPlugin plain("plain");  // declares nothing
    ScriptedPlugin cloud("cloud", json::object(), cloud_schema());
    SECTION("the second plugin takes it") {
        Controller c(queue, {&plain, &cloud}, options_with(clock));
        auto s = c.step();
        CHECK(plain.runs.empty());
        REQUIRE(cloud.runs.size() == 1);
        CHECK(cloud.runs[0].params["machine_type"] == "big");
        CHECK(s.cycle->skipped.empty());
    }
    SECTION("the plugin taking its options declines it: unmatched, with both reasons") {
        cloud.capacity = 0;
        Controller c(queue, {&plain, &cloud}, options_with(clock));
        auto s = c.step();
        CHECK(s.cycle->skipped.empty());
        REQUIRE(s.cycle->unmatched.size() == 1);
        const auto& reasons = s.cycle->unmatched[0].reasons;
        REQUIRE(reasons.size() == 2);
        CHECK_THAT(reasons[0], Catch::Contains("plugin 'plain' takes no parameter per job"));
        CHECK(reasons[1] == "cloud: declined");
    }
}

TEST_CASE("the client's cycle: per-job values through a plugin loaded from its file") {
    // The mock plugin declares machine_type per job; its schema crosses the plugin
    // boundary as JSON and the value comes back in the cluster it records.
    json base = fluxburst::MockQueue::sample_job();
    base["state"] = 8;
    base["nnodes"] = 1;
    auto with = [&](fluxburst::JobId id, json burstable) {
        json j = base;
        j["id"] = id;
        j["spec"]["attributes"]["system"]["burstable"] = std::move(burstable);
        return j;
    };
    auto queue = std::make_shared<fluxburst::MockQueue>(std::vector<json>{
        with(1, {{"plugin", "mock"}, {"machine_type", "c2-standard-16"}}), with(2, true),
        with(3, {{"plugin", "mock"}, {"max_nodes", 2}}), with(4, {{"machine_type", 7}}),
        with(5, {{"plugin", "mock"}, {"machine_type", nullptr}})});  // sets nothing
    fluxburst::Client client(queue);
    client.set_search_installed_dir(false);
    client.add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
    auto& mock = client.load("mock");
    REQUIRE(std::any_of(
        mock.schema().begin(), mock.schema().end(),
        [](const fluxburst::ParamSpec& p) { return p.name == "machine_type" && p.per_job; }));
    test::LogCapture log;
    auto report = client.run_burst();
    REQUIRE(report.plugins.size() == 2);  // one burst per set of values
    CHECK(report.plugins[0].details["machine_type"] == "c2-standard-16");
    CHECK(report.plugins[0].details["jobs"] == json::array({1}));
    CHECK(report.plugins[1].details["machine_type"] == "mock-standard");
    // A job whose options set no value shares the burst of jobs without options.
    CHECK(report.plugins[1].details["jobs"] == json::array({2, 5}));
    REQUIRE(report.skipped.size() == 2);
    CHECK_THAT(report.skipped[0].reason,
               Catch::Contains(label(3) + ": burst option \"max_nodes\": plugin 'mock' does not "
                                          "take parameter 'max_nodes' per job (plugin 'mock' "
                                          "takes per job: machine_type)"));
    // A number for a string parameter is not text: refused as other parameter values are.
    CHECK_THAT(report.skipped[1].reason,
               Catch::Contains(label(4)) && Catch::Contains("expects string, got integer 7"));
    CHECK(log.count("skipped: " + label(3)) == 1);
    CHECK_FALSE(queue->lookup(3)->burst_scheduled());
    CHECK(queue->lookup(1)->scheduled_plugin() == "mock");
}

TEST_CASE("job_param_values: the checks, whole classes of input") {
    ParamSchema schema = cloud_schema();
    auto values = [&](const json& options) {
        return fluxburst::job_param_values("cloud", schema, options, "job ƒ2 (1)");
    };
    CHECK(values(json::object()) == json::object());
    CHECK(values({{"plugin", "cloud"}}) == json::object());
    CHECK(values({{"machine_type", nullptr}}) == json::object());  // null: not given
    CHECK(values({{"size", 8.0}}) == json{{"size", 8}});
    CHECK(values({{"size", " 12 "}}) == json{{"size", 12}});
    for (const json& bad : {json(1.5), json(true), json::array(), json::object(), json("x")})
        CHECK_THROWS_AS(values({{"size", bad}}), fluxburst::ParamError);
    for (const json& bad : {json(1), json(true), json::array({"a"}), json::object()})
        CHECK_THROWS_AS(values({{"machine_type", bad}}), fluxburst::ParamError);
    CHECK_THROWS_AS(values({{"machine_type", "\xff"}}), fluxburst::ParamError);  // not UTF-8
    CHECK_THROWS_WITH(values({{"zone", "z2"}}), Catch::StartsWith("job ƒ2 (1): burst option"));
    CHECK_THROWS_WITH(fluxburst::job_param_values("plain", {}, {{"a", 1}}, "job ƒ2 (1)"),
                      Catch::Contains("plugin 'plain' takes no parameter per job"));
    // A long key is shown shortened.
    std::string long_key(5000, 'k');
    try {
        values({{long_key, 1}});
        FAIL("no error");
    } catch (const fluxburst::ParamError& e) {
        CHECK(std::string(e.what()).size() < 600);
    }
}

TEST_CASE("schemas: per_job crosses as JSON, malformed declarations are refused") {
    ParamSchema schema = cloud_schema();
    json j = fluxburst::schema_to_json(schema);
    CHECK(j[0]["per_job"] == true);
    CHECK(j[2]["per_job"] == false);
    ParamSchema back = fluxburst::schema_from_json(j, "cloud");
    REQUIRE(back.size() == 3);
    CHECK(back[0].per_job);
    CHECK(back[1].per_job);
    CHECK_FALSE(back[2].per_job);
    // Absent: not per job (schemas written before per_job existed).
    j[0].erase("per_job");
    CHECK_FALSE(fluxburst::schema_from_json(j, "cloud")[0].per_job);
    j[0]["per_job"] = "yes";
    CHECK_THROWS_WITH(fluxburst::schema_from_json(j, "cloud"),
                      Catch::Contains("'per_job' must be true or false"));
    json plugin_named = json::array({{{"name", "plugin"}, {"type", "string"}, {"per_job", true}}});
    CHECK_THROWS_WITH(fluxburst::schema_from_json(plugin_named, "cloud"),
                      Catch::Contains("cannot be named 'plugin'"));
}
