#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include <fluxburst/error.hpp>
#include <fluxburst/params.hpp>
#include "closest_match.hpp"

#include "test_support.hpp"

using fluxburst::ParamError;
using fluxburst::ParamSchema;
using fluxburst::ParamType;
using nlohmann::json;

namespace {
// One value for `spec`, given with `origin`, as the plugin would get it.
json value_of(const fluxburst::ParamSpec& spec, const json& value, const std::string& origin) {
    fluxburst::ParamLayers layers;
    layers.given.push_back({spec.name, value, origin});
    return fluxburst::merge_param_layers("p", {spec}, layers)[spec.name];
}

ParamSchema schema() {
    return {{"max_nodes", ParamType::Integer, 8, false, "largest job"},
            {"region", ParamType::String, "us-east", false, "where"},
            {"ratio", ParamType::Number, 0.5, false, "a ratio"},
            {"dry", ParamType::Boolean, false, false, "dry"},
            {"hosts", ParamType::List, json::array(), false, "hosts"},
            {"token", ParamType::String, nullptr, true, "secret"}};
}
}  // namespace

TEST_CASE("defaults, load params, environment and overrides merge in that order") {
    test::EnvVar env("FLUXBURST_MAX_NODES", "16");
    test::EnvVar env2("FLUXBURST_REGION", nullptr);
    json merged = fluxburst::merge_params("cloud", schema(),
                                          {{"max_nodes", 4}, {"region", "eu"}, {"token", "t"}});
    CHECK(merged["max_nodes"] == 16);  // environment beats load params
    CHECK(merged["region"] == "eu");   // load params beat defaults
    CHECK(merged["ratio"] == 0.5);     // default
    json over = fluxburst::merge_params("cloud", schema(), {{"token", "t"}}, {{"max_nodes", 2}});
    CHECK(over["max_nodes"] == 2);  // overrides beat the environment
}

TEST_CASE("environment values are converted by the parameter's type") {
    test::EnvVar a("FLUXBURST_DRY", "yes");
    test::EnvVar b("FLUXBURST_HOSTS", "a, b,c");
    test::EnvVar c("FLUXBURST_RATIO", "2.5");
    json merged = fluxburst::merge_params("cloud", schema(), {{"token", "t"}});
    CHECK(merged["dry"] == true);
    CHECK(merged["hosts"] == json::array({"a", "b", "c"}));
    CHECK(merged["ratio"] == 2.5);
}

TEST_CASE("FLUXBURST_<PLUGIN>_<KEY> can be set from a shell for every plugin name") {
    // A '-' in a plugin name (compute-engine) would make a name no shell can export.
    CHECK(fluxburst::plugin_env_name("compute-engine", "state_file") ==
          "FLUXBURST_COMPUTE_ENGINE_STATE_FILE");
    CHECK(fluxburst::plugin_env_name("mock", "max_nodes") == "FLUXBURST_MOCK_MAX_NODES");
    test::EnvVar own("FLUXBURST_COMPUTE_ENGINE_REGION", "europe-west1");
    test::EnvVar shared("FLUXBURST_REGION", "us-central1");
    json merged = fluxburst::merge_params("compute-engine", schema(), {{"token", "t"}});
    CHECK(merged["region"] == "europe-west1");  // its own form wins
    CHECK(fluxburst::merge_params("gke", schema(), {{"token", "t"}})["region"] == "us-central1");
}

TEST_CASE("a bad environment value names the variable") {
    test::EnvVar a("FLUXBURST_MAX_NODES", "lots");
    REQUIRE_THROWS_WITH(fluxburst::merge_params("cloud", schema(), {{"token", "t"}}),
                        Catch::Contains("environment FLUXBURST_MAX_NODES") &&
                            Catch::Contains("expects an integer") && Catch::Contains("'lots'"));
}

TEST_CASE("an unknown key is an error that suggests the close match") {
    REQUIRE_THROWS_AS(fluxburst::merge_params("cloud", schema(), {{"max_node", 3}, {"token", "t"}}),
                      ParamError);
    REQUIRE_THROWS_WITH(
        fluxburst::merge_params("cloud", schema(), {{"max_node", 3}, {"token", "t"}}),
        Catch::Contains("plugin 'cloud'") && Catch::Contains("unknown parameter 'max_node'") &&
            Catch::Contains("did you mean 'max_nodes'"));
    REQUIRE_THROWS_WITH(fluxburst::merge_params("cloud", schema(), {{"zzzzzz", 3}, {"token", "t"}}),
                        Catch::Contains("known parameters: max_nodes, region"));
}

TEST_CASE("a wrong type names the key, the expected and the given type") {
    REQUIRE_THROWS_WITH(
        fluxburst::merge_params("cloud", schema(), {{"max_nodes", true}, {"token", "t"}}),
        Catch::Contains("'max_nodes'") && Catch::Contains("expects integer") &&
            Catch::Contains("got boolean"));
    REQUIRE_THROWS_WITH(
        fluxburst::merge_params("cloud", schema(), {{"hosts", json::array({1})}, {"token", "t"}}),
        Catch::Contains("'hosts'") && Catch::Contains("non-string item"));
    REQUIRE_THROWS_WITH(
        fluxburst::merge_params("cloud", schema(), {{"max_nodes", "8x"}, {"token", "t"}}),
        Catch::Contains("expects an integer, got '8x'"));
    REQUIRE_THROWS_WITH(fluxburst::merge_params("cloud", schema(), json::array()),
                        Catch::Contains("must be a table"));
}

TEST_CASE("text values are converted, whole floats accepted for integers") {
    json merged = fluxburst::merge_params("cloud", schema(),
                                          {{"max_nodes", "12"}, {"dry", "on"}, {"token", "t"}});
    CHECK(merged["max_nodes"] == 12);
    CHECK(merged["dry"] == true);
    CHECK(fluxburst::merge_params("cloud", schema(),
                                  {{"max_nodes", 3.0}, {"token", "t"}})["max_nodes"] == 3);
    CHECK_THROWS_AS(
        fluxburst::merge_params("cloud", schema(), {{"max_nodes", 3.5}, {"token", "t"}}),
        ParamError);
    CHECK(fluxburst::merge_params("cloud", schema(), {{"ratio", 2}, {"token", "t"}})["ratio"] == 2);
}

TEST_CASE("a missing required key names it and how to give it") {
    test::EnvVar env("FLUXBURST_TOKEN", nullptr);
    REQUIRE_THROWS_WITH(fluxburst::merge_params("cloud", schema(), json::object()),
                        Catch::Contains("required parameter 'token' is missing") &&
                            Catch::Contains("FLUXBURST_CLOUD_TOKEN") &&
                            Catch::Contains("--param cloud.token="));
    test::EnvVar set("FLUXBURST_TOKEN", "from-env");
    CHECK(fluxburst::merge_params("cloud", schema(), json::object())["token"] == "from-env");
}

TEST_CASE("text values are converted by the parameter's type") {
    fluxburst::ParamSpec list{"hosts", ParamType::List, nullptr, false, ""};
    CHECK(value_of(list, "[\"a\",\"b\"]", "x") == json::array({"a", "b"}));
    CHECK(value_of(list, "", "x") == json::array());
    CHECK_THROWS_AS(value_of(list, "[1,2]", "x"), ParamError);
    fluxburst::ParamSpec b{"b", ParamType::Boolean, nullptr, false, ""};
    CHECK_THROWS_WITH(value_of(b, "maybe", "--param"), Catch::Contains("a boolean"));
    fluxburst::ParamSpec n{"n", ParamType::Number, nullptr, false, ""};
    CHECK_THROWS(value_of(n, "nan", "x"));
    CHECK_THROWS(value_of(n, "1e999", "x"));
    fluxburst::ParamSpec i{"i", ParamType::Integer, nullptr, false, ""};
    CHECK_THROWS(value_of(i, "99999999999999999999", "x"));
    CHECK(value_of(i, " -3 ", "x") == -3);
}

TEST_CASE("schemas round-trip through JSON and bad schemas are refused") {
    ParamSchema s = schema();
    ParamSchema back = fluxburst::schema_from_json(fluxburst::schema_to_json(s), "cloud");
    REQUIRE(back.size() == s.size());
    CHECK(back[0].name == "max_nodes");
    CHECK(back[5].required);
    CHECK_THROWS_WITH(
        fluxburst::schema_from_json(json::parse(R"([{"name":"a","type":"float"}])"), "p"),
        Catch::Contains("invalid parameter schema") && Catch::Contains("\"float\""));
    CHECK_THROWS_WITH(
        fluxburst::schema_from_json(
            json::parse(R"([{"name":"a","type":"string"},{"name":"a","type":"string"}])"), "p"),
        Catch::Contains("declared twice"));
    CHECK_THROWS_WITH(
        fluxburst::schema_from_json(json::parse(R"([{"name":"Bad-Name","type":"string"}])"), "p"),
        Catch::Contains("lower-case"));
    CHECK_THROWS_WITH(fluxburst::schema_from_json(json::parse(R"({"name":"a"})"), "p"),
                      Catch::Contains("expected a list"));
}

TEST_CASE("Params getters are typed") {
    fluxburst::Params p(
        json{{"n", 3}, {"s", "x"}, {"b", true}, {"l", {"a"}}, {"d", 1.5}, {"z", nullptr}});
    CHECK(p.get_int("n") == 3);
    CHECK(p.get_string("s") == "x");
    CHECK(p.get_bool("b"));
    CHECK(p.get_list("l") == std::vector<std::string>{"a"});
    CHECK(p.get_number("d") == 1.5);
    CHECK_FALSE(p.has("z"));
    CHECK_THROWS_AS(p.get_int("s"), ParamError);
    CHECK_THROWS_WITH(p.get_string("missing"), Catch::Contains("'missing'"));
}

TEST_CASE("text that is not UTF-8 is refused, naming the key (found by fuzz_param_arg)") {
    fluxburst::ParamSpec str{"prefix", ParamType::String, nullptr, false, ""};
    fluxburst::ParamSpec list{"hosts", ParamType::List, nullptr, false, ""};
    CHECK_THROWS_WITH(value_of(str, "a\xac", "--param"),
                      Catch::Contains("parameter 'prefix' (--param) is not valid UTF-8"));
    CHECK_THROWS_WITH(value_of(list, "a,\xff", "x"), Catch::Contains("not valid UTF-8"));
    CHECK(value_of(str, "caf\xc3\xa9", "x") == "caf\xc3\xa9");
    CHECK_THROWS_AS(fluxburst::merge_params("p", {str}, {{"prefix", std::string("\xc3")}}),
                    ParamError);
    test::EnvVar env("FLUXBURST_PREFIX", "\xac");
    CHECK_THROWS_WITH(
        fluxburst::merge_params("p", {str}, json::object()),
        Catch::Contains("environment FLUXBURST_PREFIX") && Catch::Contains("not valid UTF-8"));
}

TEST_CASE("closest_match: one edit per third of the word, swaps count once") {
    CHECK(fluxburst::closest_match("rnu", {"run", "select"}) == "run");
    CHECK(fluxburst::closest_match("MAX_NODE", {"max_nodes", "port"}) == "max_nodes");
    CHECK(fluxburst::closest_match("zzz", {"run", "select"}).empty());
    CHECK(fluxburst::closest_match("x", {}).empty());
}

TEST_CASE("values: whole numbers pass for integers, huge or fractional ones do not") {
    fluxburst::ParamSpec n{"max_nodes", ParamType::Integer, nullptr, false, ""};
    CHECK(value_of(n, 8.0, "x") == 8);
    CHECK(value_of(n, "12", "x") == 12);
    CHECK_THROWS_WITH(value_of(n, 1e300, "config"),
                      Catch::Contains("'max_nodes' (config) expects integer"));
    CHECK_THROWS_AS(value_of(n, 2.5, "x"), ParamError);
}

TEST_CASE("number parameters: nan and inf are refused from every source") {
    // A TOML `timeout = nan` reached plugins as a number that passes "> 0" checks
    // the wrong way (and overflows casts to integral durations).
    fluxburst::ParamSpec t{"command_timeout", ParamType::Number, 120.0, false, ""};
    for (double bad : {std::nan(""), std::numeric_limits<double>::infinity(),
                       -std::numeric_limits<double>::infinity()}) {
        CAPTURE(bad);
        CHECK_THROWS_WITH(value_of(t, bad, "config"),
                          Catch::Contains("'command_timeout' (config) expects a finite number"));
        CHECK_THROWS_AS(fluxburst::merge_params("local", {t}, {{"command_timeout", bad}}),
                        ParamError);
        CHECK_THROWS_AS(fluxburst::merge_params("local", {t}, {}, {{"command_timeout", bad}}),
                        ParamError);
    }
    for (const char* bad : {"nan", "inf", "-inf", "infinity", "1e400"})
        CHECK_THROWS_AS(value_of(t, bad, "--param"), ParamError);
    CHECK(value_of(t, 1.5, "config") == 1.5);
    CHECK(value_of(t, 3, "config") == 3);
}
