// The local plugin's typed configuration, parsed once, and its setup as an action
// of its own (no Flux needed).
#include <catch2/catch.hpp>

#include <fluxburst/error.hpp>
#include <fluxburst/params.hpp>

#include "../plugins/local/local_config.hpp"
#include "../plugins/local/setup_files.hpp"
#include "test_support.hpp"

namespace local = fluxburst::local;
using nlohmann::json;

namespace {
fluxburst::Params params(const json& given) {
    return fluxburst::Params(fluxburst::merge_params("local", local::config_schema(), given));
}
std::string refusal(const json& given) {
    try {
        local::parse_config(params(given));
    } catch (const fluxburst::Error& e) {
        return e.what();
    }
    return "accepted";
}
}  // namespace

TEST_CASE("local config: parsed once into typed values, defaults filled in") {
    local::Config c = local::parse_config(
        params({{"hostnames", "node[0-2]"}, {"config_dir", "/etc/flux/burst"}, {"port", 9000}}));
    CHECK(c.port == 9000);
    CHECK(c.command_timeout == 120);
    CHECK(c.start_timeout == 300);
    CHECK(c.allowed == std::set<std::string>{"node0", "node1", "node2"});
    CHECK(c.default_launcher());
    CHECK_THAT(c.launch, Catch::Contains("{flux} proxy {flux_uri}"));
    CHECK(c.state_path() == "/etc/flux/burst/fluxburst-local.json");
    CHECK(local::parse_config(params({{"state_file", "/x/s.json"}})).state_path() == "/x/s.json");
    CHECK(local::parse_config(params(json::object())).state_path().empty());  // in memory
    local::Config custom = local::parse_config(params({{"launch_command", "start {hosts}"}}));
    CHECK_FALSE(custom.default_launcher());
    CHECK(custom.launch == "start {hosts}");
}

TEST_CASE("local config: every bad value is refused with its reason") {
    CHECK(refusal({{"port", 0}}) == "port must be in 1-65535, got 0");
    CHECK(refusal({{"port", 65536}}) == "port must be in 1-65535, got 65536");
    CHECK(refusal({{"port", 65535}}) == "accepted");
    CHECK(refusal({{"command_timeout", 0}}) == "command_timeout must be positive");
    CHECK(refusal({{"start_timeout", -1}}) == "start_timeout must be positive");
    CHECK_THAT(refusal({{"hostnames", "node0,-x"}}), Catch::Contains("'-x' is not a host name"));
    CHECK_THAT(refusal({{"launch_command", "start {hostz}"}}),
               Catch::Contains("{hostz}") && Catch::Contains("{hosts}"));
    CHECK_THAT(refusal({{"stop_command", "stop '{host}'"}}),
               Catch::Contains("inside single quotes"));
    CHECK_THAT(refusal({{"launch_command", "start {launch_output}"}}),
               Catch::Contains("{launch_output}"));  // only a stop command has it
}

TEST_CASE("local setup: an explicit action on the parsed config, checked before any command") {
    test::TempDir dir;
    fluxburst::SetupRequest request;
    int asked = 0;
    auto this_machine = [&] {
        ++asked;
        return std::pair<std::string, std::string>{"0-3", ""};
    };
    {  // config_dir and hostnames are needed, before the machine's cores are asked for
        local::Config c = local::parse_config(params({{"hostnames", "fake[0-1]"}}));
        CHECK_THROWS_WITH(local::write_setup(c, request, this_machine),
                          Catch::Contains("setup needs config_dir"));
        c = local::parse_config(params({{"config_dir", dir.file("conf")}}));
        CHECK_THROWS_WITH(local::write_setup(c, request, this_machine),
                          Catch::Contains("setup needs hostnames"));
        CHECK(asked == 0);
    }
    local::Config c =
        local::parse_config(params({{"hostnames", "fake[0-1]"}, {"config_dir", dir.file("conf")}}));
    fluxburst::BurstResult r = local::write_setup(c, request, this_machine);
    CHECK(asked == 1);
    CHECK_THAT(r.summary, Catch::Contains("start the leader on fake0"));
    CHECK(r.details["listen"]["port"] == 8050);
    CHECK_THAT(test::read_text(dir.file("conf") + "/conf.d/resource.toml"), Catch::Contains("R"));
    // Given cores, the machine is not asked; files from an earlier setup are refused.
    local::Config given = local::parse_config(
        params({{"hostnames", "fake[0-1]"}, {"config_dir", dir.file("conf")}, {"cores", "0-7"}}));
    CHECK_THROWS_WITH(local::write_setup(given, request, this_machine),
                      Catch::Contains("overwrite"));
    CHECK(asked == 1);
    CHECK(local::cores_from_R(
              R"({"execution": {"R_lite": [{"children": {"core": "0-3", "gpu": "0"}}]}})") ==
          std::pair<std::string, std::string>{"0-3", "0"});
    CHECK_THROWS_WITH(local::cores_from_R("not R"), Catch::Contains("cores=0-7"));
}
