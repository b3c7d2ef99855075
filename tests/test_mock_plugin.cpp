#include <catch2/catch.hpp>

#include <fluxburst/client.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/plugin.hpp>

#include "test_support.hpp"

using fluxburst::Client;
using nlohmann::json;

namespace {
Client mock_client(std::vector<json> jobs) {
    Client c(std::make_shared<fluxburst::MockQueue>(std::move(jobs)));
    c.set_search_installed_dir(false);
    c.add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
    return c;
}
json job(fluxburst::JobId id, int nodes) {
    json j = fluxburst::MockQueue::sample_job();
    j["id"] = id;
    j["nnodes"] = nodes;
    return j;
}
}  // namespace

TEST_CASE("mock accepts jobs up to max_nodes and sizes clusters to the largest") {
    Client c = mock_client({job(1, 2), job(2, 3), job(3, 9)});
    c.load("mock", {{"max_nodes", 8}, {"cluster_prefix", "sim"}});
    auto r = c.run_burst();
    CHECK(r.assignments.size() == 2);
    CHECK(r.unmatched.size() == 1);
    REQUIRE(r.plugins.size() == 1);
    CHECK(r.plugins[0].details["name"] == "sim-0");
    CHECK(r.plugins[0].details["nodes"] == 3);
    CHECK(r.plugins[0].details["jobs"] == json::array({1, 2}));
    CHECK(c.request_burst("mock", 5).plugins[0].details["name"] == "sim-1");
    auto un = c.run_unburst();
    CHECK(un.plugins[0].details["removed"] == json::array({"sim-0", "sim-1"}));
    CHECK(c.run_unburst().plugins[0].summary == "no clusters to remove");
}

TEST_CASE("mock keeps its clusters in a state file across restarts") {
    test::TempDir dir;
    std::string state = dir.file("mock-state.json");
    {
        Client c = mock_client({job(1, 2)});
        c.load("mock", {{"state_file", state}});
        c.run_burst();
    }
    json saved = json::parse(test::read_text(state));
    REQUIRE(saved["clusters"].size() == 1);
    CHECK(saved["clusters"][0]["name"] == "mock-0");
    CHECK(saved["clusters"][0]["jobs"] == json::array({1}));
    Client restarted = mock_client({});
    restarted.load("mock", {{"state_file", state}});
    CHECK(restarted.request_burst("mock", 1).plugins[0].details["name"] == "mock-1");
    auto un = restarted.run_unburst();
    CHECK(un.plugins[0].details["removed"] == json::array({"mock-0", "mock-1"}));
    CHECK(json::parse(test::read_text(state))["clusters"].empty());
}

TEST_CASE("mock refuses bad parameters and a corrupt state file, naming them") {
    test::TempDir dir;
    Client c = mock_client({});
    CHECK_THROWS_WITH(c.load("mock", {{"max_nodes", 0}}),
                      Catch::Contains("max_nodes must be at least 1"));
    CHECK_THROWS_WITH(c.load("mock", {{"fail_on", "lunch"}}), Catch::Contains("fail_on"));
    test::write_text(dir.file("bad.json"), "{\"clusters\": 3");
    CHECK_THROWS_WITH(c.load("mock", {{"state_file", dir.file("bad.json")}}),
                      Catch::Contains("bad.json") && Catch::Contains("not a JSON object"));
    test::write_text(dir.file("other.json"), "{\"clusters\": 3}");
    CHECK_THROWS_WITH(c.load("mock", {{"state_file", dir.file("other.json")}}),
                      Catch::Contains("other.json") && Catch::Contains("not a mock state file"));
    CHECK_THROWS_WITH(c.load("mock", {{"state_file", "/nonexistent-dir/s.json"}}),
                      Catch::Contains("does not exist"));
    CHECK(test::read_text(dir.file("bad.json")) == "{\"clusters\": 3");  // left as it was
}

TEST_CASE("mock reports its capacity for least_waste") {
    Client c = mock_client({});
    auto& p = c.load("mock", {{"max_nodes", 5}});
    CHECK(p.free_nodes() == std::optional<std::int64_t>(5));
}

TEST_CASE("a plugin without a setup step says so when asked for one") {
    Client c = mock_client({});
    fluxburst::BurstPlugin& mock = c.load("mock");
    CHECK_THROWS_AS(mock.setup(fluxburst::SetupRequest{}), fluxburst::PluginError);
    CHECK_THROWS_WITH(mock.setup(fluxburst::SetupRequest{true}),
                      Catch::Contains("plugin mock has no setup step"));
}
