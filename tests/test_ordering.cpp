#include <catch2/catch.hpp>

#include <fluxburst/client.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/ordering.hpp>
#include <fluxburst/plugin.hpp>

using nlohmann::json;

namespace {
fluxburst::Client three_plugins() {
    fluxburst::Client c;
    c.set_search_installed_dir(false);
    c.add_plugin_dir(TEST_GOOD_PLUGIN_DIR);
    c.load("alpha", {{"label", "a"}, {"capacity", 16}, {"priority", 1}});
    c.load("beta", {{"label", "b"}, {"capacity", 4}, {"priority", 3}});
    c.load("recorder", {{"label", "r"}, {"capacity", 100}, {"known_capacity", false}});
    return c;
}
std::vector<std::string> names(const std::vector<fluxburst::BurstPlugin*>& ps) {
    std::vector<std::string> out;
    for (auto* p : ps) out.push_back(p->name());
    return out;
}
const fluxburst::JobPtr job3_ptr =
    fluxburst::Job::from_json({{"id", 1}, {"nnodes", 3}, {"spec", json::object()}});
const fluxburst::Job& job3 = *job3_ptr;
}  // namespace

TEST_CASE("in_order keeps load order") {
    auto c = three_plugins();
    CHECK(names(fluxburst::ordering::in_order()(c.plugins(), job3)) ==
          std::vector<std::string>{"alpha", "beta", "recorder"});
}

TEST_CASE("by_priority: highest first, from the map, then the plugin's priority parameter") {
    auto c = three_plugins();
    CHECK(names(fluxburst::ordering::by_priority()(c.plugins(), job3)) ==
          std::vector<std::string>{"beta", "alpha", "recorder"});
    CHECK(names(fluxburst::ordering::by_priority({{"recorder", 10}})(c.plugins(), job3)) ==
          std::vector<std::string>{"recorder", "beta", "alpha"});
}

TEST_CASE("least_waste: closest capacity first, too small left out, unknown last") {
    auto c = three_plugins();
    CHECK(names(fluxburst::ordering::least_waste()(c.plugins(), job3)) ==
          std::vector<std::string>{"beta", "alpha", "recorder"});
    auto job8_ptr = fluxburst::Job::from_json({{"id", 2}, {"nnodes", 8}, {"spec", json::object()}});
    const fluxburst::Job& job8 = *job8_ptr;
    CHECK(names(fluxburst::ordering::least_waste()(c.plugins(), job8)) ==
          std::vector<std::string>{"alpha", "recorder"});
}

TEST_CASE("orderings by name") {
    CHECK(fluxburst::ordering::names().size() == 3);
    CHECK(fluxburst::ordering::from_name("least_waste"));
    CHECK_THROWS_WITH(fluxburst::ordering::from_name("random"),
                      Catch::Contains("unknown ordering 'random'") &&
                          Catch::Contains("in_order, priority, least_waste"));
}
