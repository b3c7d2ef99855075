// select, run --once, request, unburst: output in both modes and exit statuses.
#include <map>
#include <memory>
#include <set>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using cli_test::run;

namespace {

std::string scheduled_to(const nlohmann::json& job) {
    return job.value("/spec/attributes/system"_json_pointer, nlohmann::json::object())
        .value("burst-scheduled", "");
}

std::map<std::string, std::string> marks(const std::string& jobs_file) {
    std::map<std::string, std::string> out;
    const nlohmann::json doc = nlohmann::json::parse(test::read_text(jobs_file));
    for (const auto& j : doc["jobs"])
        if (j.contains("name")) out[j["name"]] = scheduled_to(j);
    return out;
}

// Check that a report's table (stdout of the human mode) shows what its JSON says.
void check_table_matches_json(const std::string& table, const nlohmann::json& report) {
    INFO("table:\n" << table << "\njson:\n" << report.dump(2));
    auto jobs = cli_test::table_rows(table, "JOBID");
    REQUIRE(jobs.size() == report["selected"].size());
    std::map<std::string, std::vector<std::string>> by_id;
    for (const auto& row : jobs) by_id[row[0]] = row;
    for (const auto& a : report["assignments"]) {
        REQUIRE(by_id.count(a["f58"]));
        const auto& row = by_id[a["f58"]];
        CHECK(row[1] == a["name"].get<std::string>());
        CHECK(row[2] == std::to_string(a["nodes"].get<long>()));
        CHECK(row[3] == a["plugin"].get<std::string>());
        CHECK(row[4] == (report["dry_run"].get<bool>() ? "would" : "burst"));
    }
    for (const auto& u : report["unmatched"]) {
        REQUIRE(by_id.count(u["f58"]));
        const auto& row = by_id[u["f58"]];
        CHECK(row[1] == u["name"].get<std::string>());
        CHECK(row[3] == "-");
        CHECK(row[4] == "unmatched");
        for (const auto& reason : u["reasons"])
            CHECK(table.find(reason.get<std::string>()) != std::string::npos);
    }
    auto plugins = cli_test::table_rows(table, "PLUGIN");
    REQUIRE(plugins.size() == report["plugins"].size());
    for (std::size_t i = 0; i < plugins.size(); ++i) {
        const auto& p = report["plugins"][i];
        CHECK(plugins[i][0] == p["plugin"].get<std::string>());
        CHECK(plugins[i][1] == p["action"].get<std::string>());
        CHECK(plugins[i][2] == std::to_string(p["jobs"].get<long>()));
        CHECK(plugins[i][3] == std::to_string(p["nodes"].get<long>()));
        CHECK(table.find(p["ok"].get<bool>()
                             ? "ok: " + p["summary"].get<std::string>()
                             : "FAILED: " + p["error"].get<std::string>()) != std::string::npos);
    }
    for (const auto& s : report["skipped"])
        CHECK(table.find(s["job"].get<std::string>() + ": " + s["reason"].get<std::string>()) !=
              std::string::npos);
    CHECK(table.find(std::to_string(report["jobs_seen"].get<long>()) + " entries read, " +
                     std::to_string(report["selected"].size()) + " selected") != std::string::npos);
}

}  // namespace

TEST_CASE("run --mock: the embedded default") {
    auto r = run({"run", "--mock"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto rows = cli_test::table_rows(r.out, "JOBID");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0] == std::vector<std::string>{"ƒ95dKRyk3", "hostname", "4", "mock", "burst"});
    CHECK(r.out.find("ok: created cluster mock-0 with 4 nodes for 1 job(s)") != std::string::npos);
    CHECK(r.err.empty());
}

TEST_CASE("select is a dry run: nothing is marked, no plugin runs") {
    test::TempDir dir;
    std::string jobs = cli_test::copy_valid_jobs(dir);
    std::string original = test::read_text(jobs);
    std::string state = dir.file("state.json");
    auto r =
        run({"select", "--jobs", jobs, "--plugin", "mock", "--param", "mock.state_file=" + state});
    REQUIRE(r.status == 0);
    CHECK(r.out.find("dry run: nothing marked, no plugin ran") != std::string::npos);
    auto rows = cli_test::table_rows(r.out, "JOBID");
    REQUIRE(rows.size() == 3);
    CHECK(rows[0][1] == "sim");
    CHECK(rows[0][4] == "would");  // "would burst"
    CHECK(rows[1][1] == "big");
    CHECK(rows[1][4] == "unmatched");
    CHECK(r.out.find("big (16 nodes): mock: declined") != std::string::npos);
    CHECK(test::read_text(jobs) == original);
    CHECK(test::read_text(state).empty());
}

TEST_CASE("json: --json output parses and matches the table") {
    // The sound jobs (exit 0), and the fixture with its two malformed entries, which
    // are skipped and listed (exit 1).
    for (bool with_malformed : {false, true}) {
        for (const char* sub : {"select", "run"}) {
            INFO(sub << (with_malformed ? " with malformed entries" : ""));
            test::TempDir a, b;
            std::string jobs_a =
                with_malformed ? cli_test::copy_data(a, "jobs.json") : cli_test::copy_valid_jobs(a);
            std::string jobs_b =
                with_malformed ? cli_test::copy_data(b, "jobs.json") : cli_test::copy_valid_jobs(b);
            std::vector<std::string> args{sub, "--plugin", "mock", "--param", "mock.max_nodes=3"};
            auto human_args = args;
            human_args.insert(human_args.end(), {"--jobs", jobs_a});
            auto json_args = args;
            json_args.insert(json_args.end(), {"--jobs", jobs_b, "--json"});
            auto human = run(human_args);
            auto json = run(json_args);
            int expected = with_malformed ? 1 : 0;
            REQUIRE(human.status == expected);
            REQUIRE(json.status == expected);
            auto report = nlohmann::json::parse(json.out);  // one document
            CHECK(report["ok"] == true);
            CHECK(report["dry_run"] == (std::string(sub) == "select"));
            CHECK(report["assignments"].size() == 1);
            CHECK(report["unmatched"].size() == 2);
            CHECK(report["skipped"].size() == (with_malformed ? 2u : 0u));
            check_table_matches_json(human.out, report);
            // The same decisions were recorded in both files.
            CHECK(test::read_text(jobs_a) == test::read_text(jobs_b));
        }
    }
}

TEST_CASE("run --once marks the accepted jobs in the jobs file and runs the plugin") {
    test::TempDir dir;
    std::string jobs = cli_test::copy_valid_jobs(dir);
    std::string state = dir.file("state.json");
    auto r = run({"run", "--once", "--jobs", jobs, "--plugin", "mock", "--param",
                  "mock.state_file=" + state, "--json"});
    REQUIRE(r.status == 0);
    auto m = marks(jobs);
    CHECK(m["sim"] == "mock");
    CHECK(m["four"] == "mock");
    CHECK(m["big"] == "");
    auto st = nlohmann::json::parse(test::read_text(state));
    REQUIRE(st["clusters"].size() == 1);
    CHECK(st["clusters"][0]["jobs"] == nlohmann::json({11777605632ULL, 15317598208ULL}));
    // A second cycle finds nothing new to burst.
    r = run({"run", "--jobs", jobs, "--plugin", "mock", "--param", "mock.state_file=" + state,
             "--json"});
    REQUIRE(r.status == 0);
    auto report = nlohmann::json::parse(r.out);
    CHECK(report["assignments"].empty());
    CHECK(report["plugins"].empty());
}

TEST_CASE("a plugin failing exits 1 and says so in both modes") {
    test::TempDir dir;
    std::string jobs = cli_test::copy_valid_jobs(dir);
    auto r = run({"run", "--jobs", jobs, "--plugin", "mock", "--param", "mock.fail_on=run"});
    CHECK(r.status == 1);
    CHECK(r.out.find("FAILED: mock: simulated run failure") != std::string::npos);
    CHECK(r.out.find("run failed") != std::string::npos);
    CHECK(r.err.find("plugin 'mock' run failed") != std::string::npos);

    jobs = cli_test::copy_valid_jobs(dir, "jobs2.json");
    r = run({"run", "--jobs", jobs, "--plugin", "mock", "--param", "mock.fail_on=run", "--json"});
    CHECK(r.status == 1);
    auto report = nlohmann::json::parse(r.out);
    CHECK(report["ok"] == false);
    CHECK(report["plugins"][0]["error"] == "mock: simulated run failure");

    r = run({"request", "--mock", "--nodes", "2", "--param", "mock.fail_on=run"});
    CHECK(r.status == 1);
    CHECK(r.out.find("FAILED") != std::string::npos);
    r = run({"unburst", "--mock", "--param", "mock.fail_on=unburst", "--json"});
    CHECK(r.status == 1);
    CHECK(nlohmann::json::parse(r.out)["ok"] == false);

    // A plugin whose schedule() throws leaves the job unmatched, with the reason.
    r = run({"select", "--mock", "--param", "mock.fail_on=schedule"});
    CHECK(r.status == 0);
    CHECK(r.out.find("mock: schedule threw: mock: simulated schedule failure") !=
          std::string::npos);
}

TEST_CASE("request and unburst, with the mock plugin's state file") {
    test::TempDir dir;
    std::string state = dir.file("state.json");
    std::string param = "mock.state_file=" + state;
    auto r = run({"request", "--mock", "--plugin", "mock", "--nodes", "3", "--tasks", "6",
                  "--param", param, "--json"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto report = nlohmann::json::parse(r.out);
    CHECK(report["plugins"][0]["action"] == "request");
    CHECK(report["plugins"][0]["details"]["nodes"] == 3);
    CHECK(report["plugins"][0]["details"]["tasks"] == 6);

    r = run({"request", "--mock", "--nodes", "2", "--param", param});
    REQUIRE(r.status == 0);
    auto rows = cli_test::table_rows(r.out, "PLUGIN");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0][1] == "request");
    CHECK(r.out.find("ok: created cluster mock-1 with 2 nodes") != std::string::npos);
    CHECK(nlohmann::json::parse(test::read_text(state))["clusters"].size() == 2);

    r = run({"unburst", "--mock", "--plugin", "mock", "--param", param});
    REQUIRE(r.status == 0);
    CHECK(r.out.find("ok: removed mock-0, mock-1") != std::string::npos);
    CHECK(nlohmann::json::parse(test::read_text(state))["clusters"].empty());

    // request asks exactly one plugin.
    r = run({"request", "--mock", "--nodes", "2", "--plugin-path", cli_test::good_plugins(),
             "--plugin", "mock", "--plugin", "alpha", "--param", "alpha.label=a"});
    CHECK(r.status == 2);
    CHECK(r.err.find("give exactly one --plugin NAME") != std::string::npos);
    // unburst without --plugin: every plugin loaded.
    r = run({"unburst", "--mock", "--plugin-path", cli_test::good_plugins(), "--plugin", "alpha",
             "--plugin", "beta", "--param", "alpha.label=a", "--param", "beta.label=b", "--json"});
    REQUIRE(r.status == 0);
    report = nlohmann::json::parse(r.out);
    REQUIRE(report["plugins"].size() == 2);
    CHECK(report["plugins"][0]["plugin"] == "alpha");
    CHECK(report["plugins"][1]["plugin"] == "beta");
}

TEST_CASE(
    "ordering: --ordering priority offers jobs to the plugin with the highest priority first") {
    std::string good = cli_test::good_plugins();
    std::vector<std::string> args{"select",   "--mock",          "--plugin-path", good,
                                  "--plugin", "alpha",           "--plugin",      "beta",
                                  "--param",  "alpha.label=a",   "--param",       "beta.label=b",
                                  "--param",  "beta.priority=5", "--json"};
    auto r = run(args);
    REQUIRE(r.status == 0);
    CHECK(nlohmann::json::parse(r.out)["assignments"][0]["plugin"] == "alpha");  // load order
    args.insert(args.end(), {"--ordering", "priority"});
    r = run(args);
    REQUIRE(r.status == 0);
    CHECK(nlohmann::json::parse(r.out)["assignments"][0]["plugin"] == "beta");
}

TEST_CASE("parallel requests sharing the mock plugin's state file record every cluster") {
    test::TempDir dir;
    std::string state = dir.file("state.json");
    const int n = 10;
    std::vector<std::unique_ptr<cli_test::Process>> commands;
    for (int i = 0; i < n; ++i)
        commands.push_back(std::make_unique<cli_test::Process>(
            std::vector<std::string>{"request", "--mock", "--plugin", "mock", "--nodes", "1",
                                     "--param", "mock.state_file=" + state, "--json"}));
    std::set<std::string> names;
    for (auto& p : commands) {
        INFO(p->err());
        REQUIRE(p->wait(30) == 0);
        names.insert(nlohmann::json::parse(p->out())["plugins"][0]["details"]["name"]);
    }
    CHECK(names.size() == n);  // each command got a cluster of its own
    auto saved = nlohmann::json::parse(test::read_text(state));
    CHECK(saved["clusters"].size() == n);
    CHECK(saved["next_index"] == n);
}
