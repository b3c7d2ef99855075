// Client::add<T>: a plugin class compiled into the program, loaded as a plugin file
// is (parameters, validate, cycles, errors), and a Client without a queue.
#include <catch2/catch.hpp>

#include <fluxburst/client.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/plugin.hpp>

#include <stdexcept>

#include "test_support.hpp"

using fluxburst::Client;
using nlohmann::json;

namespace {

// Accepts jobs of at most max_nodes nodes; counts its runs.
class Linked : public fluxburst::BurstPlugin {
public:
    static fluxburst::ParamSchema parameters() {
        return {{"max_nodes", fluxburst::ParamType::Integer, 8, false, "largest job"},
                {"refuse", fluxburst::ParamType::Boolean, false, false, "validate() refuses"}};
    }
    explicit Linked(const fluxburst::Params& p) : max_at_construction(p.get_int("max_nodes")) {}
    std::optional<std::string> validate() override {
        if (params().get_bool("refuse")) return std::string("told to refuse");
        return std::nullopt;
    }
    bool schedule(const fluxburst::Job& job) override {
        return job.nodes() <= params().get_int("max_nodes");
    }
    fluxburst::BurstResult run(const fluxburst::BurstRequest& request) override {
        ++runs;
        return {"linked run: " + std::to_string(request.nodes) + " nodes", json::object()};
    }
    std::int64_t max_at_construction;
    int runs = 0;
};

// Default-constructible, throws from its constructor.
class Throws : public fluxburst::BurstPlugin {
public:
    Throws() { throw std::runtime_error("no resources here"); }
    bool schedule(const fluxburst::Job&) override { return false; }
    fluxburst::BurstResult run(const fluxburst::BurstRequest&) override { return {}; }
};

// Default-constructible, takes everything.
class Greedy : public fluxburst::BurstPlugin {
public:
    bool schedule(const fluxburst::Job&) override { return true; }
    fluxburst::BurstResult run(const fluxburst::BurstRequest&) override {
        return {"greedy run", json::object()};
    }
};

Client sample_client() {
    Client c(std::make_shared<fluxburst::MockQueue>());  // the 4-node sample job
    c.set_search_installed_dir(false);
    c.add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
    return c;
}

std::string add_error(const std::function<void()>& add) {
    try {
        add();
    } catch (const fluxburst::Error& e) {
        return e.what();
    }
    return "added";
}

}  // namespace

TEST_CASE("Client::add<T>: a plugin class linked into the program takes part in cycles") {
    test::EnvVar path("FLUXBURST_PLUGIN_PATH", nullptr);
    Client c = sample_client();
    Linked& p = c.add<Linked>("linked", {{"max_nodes", 4}});
    CHECK(p.name() == "linked");
    CHECK(p.max_at_construction == 4);  // constructed with the merged parameters
    CHECK(p.params().get_int("max_nodes") == 4);
    REQUIRE(c.plugin("linked") == &p);
    auto report = c.run_burst();
    REQUIRE(report.assignments.size() == 1);
    CHECK(report.assignments[0].plugin == "linked");
    REQUIRE(report.plugins.size() == 1);
    CHECK(report.plugins[0].summary == "linked run: 4 nodes");
    CHECK(p.runs == 1);
}

TEST_CASE("Client::add<T>: parameters merge as load()'s do: defaults, given, environment") {
    test::EnvVar path("FLUXBURST_PLUGIN_PATH", nullptr);
    {
        Client c = sample_client();
        CHECK(c.add<Linked>("linked").params().get_int("max_nodes") == 8);  // the default
    }
    {
        test::EnvVar env("FLUXBURST_LINKED_MAX_NODES", "2");
        Client c = sample_client();
        Linked& p = c.add<Linked>("linked", {{"max_nodes", 4}});
        CHECK(p.params().get_int("max_nodes") == 2);  // the environment wins over params
        CHECK(c.run_burst().assignments.empty());     // the 4-node job is too big now
    }
    {
        Client c = sample_client();
        Linked& p = c.add<Linked>("linked", {{"max_nodes", 4}}, {{"max_nodes", 1}});
        CHECK(p.params().get_int("max_nodes") == 1);  // overrides win
    }
}

TEST_CASE("Client::add<T>: errors name the plugin and say it is linked into the program") {
    test::EnvVar path("FLUXBURST_PLUGIN_PATH", nullptr);
    Client c = sample_client();
    std::string unknown = add_error([&] { c.add<Linked>("linked", {{"max_node", 4}}); });
    CHECK_THAT(unknown, Catch::Contains("max_node") && Catch::Contains("max_nodes"));
    std::string typed = add_error([&] { c.add<Linked>("linked", {{"max_nodes", "four"}}); });
    CHECK_THAT(typed, Catch::Contains("max_nodes"));
    std::string refused = add_error([&] { c.add<Linked>("linked", {{"refuse", true}}); });
    CHECK_THAT(refused, Catch::Contains("plugin 'linked' (linked into the program): validate() "
                                        "refused: told to refuse"));
    CHECK_THROWS_AS(c.add<Linked>("linked", {{"refuse", true}}), fluxburst::PluginRefusedError);
    std::string thrown = add_error([&] { c.add<Throws>("thrower"); });
    CHECK_THAT(thrown, Catch::Contains("plugin 'thrower' (linked into the program): init threw: "
                                       "no resources here"));
    CHECK_THROWS_AS(c.add<Greedy>(""), fluxburst::PluginError);
    CHECK(c.plugins().empty());  // nothing half-added
    c.add<Greedy>("greedy");
    CHECK_THAT(add_error([&] { c.add<Greedy>("greedy"); }), Catch::Contains("already loaded"));
    // A linked plugin and a plugin file share one namespace of names.
    CHECK_THAT(add_error([&] { c.load("greedy"); }), Catch::Contains("already loaded"));
    c.load("mock");
    CHECK_THAT(add_error([&] { c.add<Greedy>("mock"); }), Catch::Contains("already loaded"));
    REQUIRE(c.plugins().size() == 2);
    CHECK(c.plugins()[0]->name() == "greedy");  // load order kept across both kinds
    CHECK(c.plugins()[1]->name() == "mock");
}

TEST_CASE("a Client created without a queue reads an empty one, never the sample job") {
    test::EnvVar path("FLUXBURST_PLUGIN_PATH", nullptr);
    for (int explicit_null = 0; explicit_null < 2; ++explicit_null) {
        Client c = explicit_null ? Client(nullptr) : Client();
        c.add<Greedy>("greedy");  // would take any job
        auto report = c.run_burst();
        CHECK(report.jobs_seen == 0);
        CHECK(report.assignments.empty());
        CHECK(report.plugins.empty());  // no plugin ran
        CHECK_THAT(report.queue, Catch::Contains("no queue"));
        CHECK(c.plan_burst().jobs_seen == 0);
    }
}
