// Jobs files: missing, empty, not JSON, truncated, wrong shape. Each exits 1
// (the queue cannot be read) naming the file, and leaves it as it was.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using cli_test::run;

TEST_CASE("unreadable jobs files exit 1 naming the file - nothing is written") {
    test::TempDir dir;
    std::string jobs = dir.file("jobs.json");
    std::string state = dir.file("state.json");
    std::string full = test::read_text(cli_test::data("jobs.json"));
    auto check = [&](const std::string& content, bool create, const std::string& what) {
        INFO("content: " << content.substr(0, 80));
        if (create) test::write_text(jobs, content);
        for (const char* sub : {"run", "select"}) {
            INFO(sub);
            auto r = run(
                {sub, "--jobs", jobs, "--plugin", "mock", "--param", "mock.state_file=" + state});
            INFO("stderr: " << r.err);
            CHECK(r.status == 1);
            CHECK(r.out.empty());
            CHECK(r.err.find("flux-burst: error: ") != std::string::npos);
            CHECK(r.err.find("'" + jobs + "'") != std::string::npos);
            CHECK(r.err.find(what) != std::string::npos);
            CHECK(test::read_text(state).empty());
            if (create) CHECK(test::read_text(jobs) == content);
        }
        // --json too: nothing on stdout, the error on stderr.
        auto r = run({"run", "--jobs", jobs, "--plugin", "mock", "--json"});
        CHECK(r.status == 1);
        CHECK(r.out.empty());
    };
    check("", false, "cannot read jobs file");                          // missing
    check("", true, "is empty");                                        // empty
    check("  \n", true, "is empty");                                    // blank
    check("this is not json", true, "expected an array of jobs");       // not JSON
    check("[{\"id\": 1,", true, "is not valid JSON");                   // not JSON
    check(full.substr(0, full.size() / 2), true, "is not valid JSON");  // truncated
    check("{\"jobs\": 5}", true, "member \"jobs\" must be an array");   // wrong shape
    check("42", true, "expected an array of jobs");                     // wrong shape
}

TEST_CASE("malformed job entries are skipped and reported, the others burst, exit 1") {
    test::TempDir dir;
    std::string jobs = cli_test::copy_data(dir, "jobs.json");
    auto r = run({"run", "--jobs", jobs, "--plugin", "mock", "--json"});
    REQUIRE(r.status == 1);
    CHECK(r.err.find("flux-burst: error: jobs file '" + jobs +
                     "': 2 entries could not be used (listed as skipped") != std::string::npos);
    auto report = nlohmann::json::parse(r.out);
    CHECK(report["jobs_seen"] == 8);
    REQUIRE(report["skipped"].size() == 2);
    CHECK(report["skipped"][0]["reason"].get<std::string>().find("'spec' must be an object") !=
          std::string::npos);
    CHECK(report["skipped"][1]["reason"] == "job has no 'id'");
    // The jobs file still parses, and the accepted jobs are marked in it.
    auto after = nlohmann::json::parse(test::read_text(jobs));
    REQUIRE(after["jobs"].size() == 8);
    std::vector<std::string> marked;
    for (const auto& j : after["jobs"]) {
        auto sys = j.value("/spec/attributes/system"_json_pointer, nlohmann::json::object());
        if (sys.value("burst-scheduled", "") == "mock" && !sys.contains("burstable"))
            marked.push_back(j["name"]);
    }
    CHECK(marked == std::vector<std::string>{"sim", "four"});

    // Only malformed entries: nothing to do, nothing written, exit 1.
    std::string bad = dir.file("bad.json");
    std::string text = "[1, \"two\", {\"id\": -3, \"spec\": {}}, {\"id\": 4}]\n";
    test::write_text(bad, text);
    r = run({"run", "--jobs", bad, "--plugin", "mock"});
    CHECK(r.status == 1);
    CHECK(r.out.find("4 entries read, 0 selected, 4 skipped") != std::string::npos);
    CHECK(r.out.find("a job must be a JSON object") != std::string::npos);
    CHECK(r.out.find("no 'spec'") != std::string::npos);
    CHECK(test::read_text(bad) == text);
}
