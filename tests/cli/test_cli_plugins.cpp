// flux-burst plugins [NAME]; loading broken plugins.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using cli_test::run;

TEST_CASE("plugins lists usable plugins with version, description and path") {
    auto r = run({"plugins"});
    REQUIRE(r.status == 0);
    auto rows = cli_test::table_rows(r.out, "NAME");
    // the build's plugins: compute-engine, eks, gke, kubernetes, mock, and local with Flux
    REQUIRE(rows.size() == (CLI_TEST_HAVE_FLUX ? 6u : 5u));
    CHECK(rows[0][0] == "compute-engine");
    rows.erase(rows.begin());
    CHECK(rows[0][0] == "eks");
    rows.erase(rows.begin());
    CHECK(rows[0][0] == "gke");
    rows.erase(rows.begin());
    CHECK(rows[0][0] == "kubernetes");
    rows.erase(rows.begin());
    if (rows.size() == 2) {
        CHECK(rows[0][0] == "local");
        rows.erase(rows.begin());
    }
    CHECK(rows[0][0] == "mock");
    CHECK(rows[0][1] == "0.1.0");
    CHECK(rows[0].back().find("/libfluxburst_mock.so") != std::string::npos);
    CHECK(r.out.find("A simulated remote cluster") != std::string::npos);
    CHECK(r.out.find("searched, in order:") != std::string::npos);
}

TEST_CASE("plugins lists a directory of broken plugins, each with its error") {
    std::string broken = cli_test::broken_plugins();
    for (const auto& args : {std::vector<std::string>{"plugins", "--plugin-path", broken},
                             std::vector<std::string>{"plugins"}}) {
        auto r = run(args, args.size() == 1 ? cli_test::Env{{"FLUXBURST_PLUGIN_PATH", broken}}
                                            : cli_test::Env{});
        INFO(r.out << r.err);
        REQUIRE(r.status == 0);
        CHECK(r.out.find("broken (cannot be loaded):") != std::string::npos);
        for (const char* text :
             {"plugin 'text' (", "libfluxburst_text.so): not a loadable shared object",
              "plugin 'wrongabi' (", "ABI version mismatch", "plugin 'noentry' (",
              "missing entry symbol", "plugin 'badschema' (", "invalid parameter schema",
              "plugin 'abivar' (", "'fluxburst_plugin_abi_version' is not a function",
              "plugin 'infovar' (", "'fluxburst_plugin_info' is not a function"}) {
            INFO(text);
            CHECK(r.out.find(text) != std::string::npos);
        }
        // The usable ones are still listed.
        auto rows = cli_test::table_rows(r.out, "NAME");
        std::vector<std::string> names;
        for (const auto& row : rows) names.push_back(row[0]);
        CHECK(std::find(names.begin(), names.end(), "mock") != names.end());
        CHECK(std::find(names.begin(), names.end(), "throwrun") != names.end());
    }
    auto r = run({"plugins", "--plugin-path", broken, "--json"});
    REQUIRE(r.status == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["search_path"][0] == broken);
    int bad = 0;
    for (const auto& p : j["plugins"]) {
        if (!p["ok"].get<bool>()) {
            ++bad;
            CHECK(!p["error"].get<std::string>().empty());
        }
    }
    CHECK(bad == 10);
}

TEST_CASE("plugins NAME shows the parameters") {
    auto r = run({"plugins", "mock"});
    REQUIRE(r.status == 0);
    auto rows = cli_test::table_rows(r.out, "PARAMETER");
    REQUIRE(rows.size() == 6);
    CHECK(rows[0][0] == "max_nodes");
    CHECK(rows[0][1] == "integer");
    CHECK(rows[0][2] == "8");
    CHECK(rows[0][3] == "no");
    CHECK(r.out.find("--param mock.KEY=VALUE") != std::string::npos);
    CHECK(r.out.find("FLUXBURST_<KEY>") != std::string::npos);
    // What a job may set for its own burst.
    CHECK(r.out.find("A job may set machine_type for its own burst: "
                     "--setattr=system.burstable='{\"plugin\": \"mock\", \"machine_type\": "
                     "VALUE}'") != std::string::npos);

    r = run({"plugins", "recorder", "--plugin-path", cli_test::good_plugins(), "--json"});
    REQUIRE(r.status == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["name"] == "recorder");
    CHECK(j["version"] == "1.2.3");
    bool label_required = false;
    for (const auto& p : j["parameters"])
        if (p["name"] == "label") label_required = p["required"];
    CHECK(label_required);

    r = run({"plugins", "text", "--plugin-path", cli_test::broken_plugins()});
    CHECK(r.status == 1);
    CHECK(r.out.find("not a loadable shared object") != std::string::npos);
    r = run({"plugins", "nosuch"});
    CHECK(r.status == 2);
    CHECK(r.err.find("unknown plugin 'nosuch'") != std::string::npos);
}

TEST_CASE("loading a broken plugin exits 1 - a plugin refusing its configuration exits 2") {
    test::TempDir dir;
    std::string jobs = cli_test::copy_data(dir, "jobs.json");
    std::string original = test::read_text(jobs);
    std::string broken = cli_test::broken_plugins();
    auto load = [&](const std::string& name) {
        return run({"run", "--jobs", jobs, "--plugin-path", broken, "--plugin", name});
    };
    for (const char* name : {"text", "wrongabi", "noentry", "badschema", "throwinit", "initnull",
                             "abivar", "infovar"}) {
        INFO(name);
        auto r = load(name);
        INFO(r.err);
        CHECK(r.status == 1);
        CHECK(r.out.empty());
        CHECK(r.err.find(std::string("plugin '") + name + "'") != std::string::npos);
    }
    auto r = load("throwvalidate");
    CHECK(r.status == 2);
    CHECK(r.err.find("validate() refused: credentials file is missing") != std::string::npos);
    CHECK(test::read_text(jobs) == original);
}

TEST_CASE(
    "plugins that exit, abort or hang while loading: listed as broken, never loaded by "
    "commands that did not ask for them") {
    std::string hostile = TEST_HOSTILE_PLUGIN_DIR;
    auto r = run({"plugins", "--plugin-path", hostile});
    INFO(r.out << r.err);
    CHECK(r.status == 0);
    CHECK(r.out.find("plugin 'ctorexit' (") != std::string::npos);
    CHECK(r.out.find("exit status 0") != std::string::npos);
    CHECK(r.out.find("plugin 'ctorabort' (") != std::string::npos);
    CHECK(r.out.find("signal 6") != std::string::npos);
    CHECK(r.out.find("plugin 'ctorhang' (") != std::string::npos);
    CHECK(r.out.find("did not finish within") != std::string::npos);
    auto rows = cli_test::table_rows(r.out, "NAME");
    REQUIRE_FALSE(rows.empty());
    CHECK(rows.back()[0] == "mock");  // the usable ones are still listed

    // A command loading mock never opens the hostile files on its path.
    for (const auto& sub :
         {std::vector<std::string>{"run", "--mock"}, std::vector<std::string>{"select", "--mock"},
          std::vector<std::string>{"request", "--mock", "--nodes", "1"},
          std::vector<std::string>{"unburst", "--mock"}}) {
        auto args = sub;
        args.insert(args.end(), {"--plugin-path", hostile, "--plugin", "mock"});
        auto c = run(args);
        INFO(args[0] << ": " << c.out << c.err);
        CHECK(c.status == 0);
        CHECK(c.out.find("mock") != std::string::npos);
    }
    // Asking for one: it ends only the attempt to describe it, with a clear error.
    auto asked = run({"plugins", "ctorabort", "--plugin-path", hostile});
    CHECK(asked.status == 1);
    CHECK(asked.out.find("signal 6") != std::string::npos);
}
