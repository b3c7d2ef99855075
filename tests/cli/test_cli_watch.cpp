// run --watch: SIGTERM / SIGINT stop it cleanly (exit 0, files whole, nothing lost),
// and it unbursts once the jobs a plugin served are finished.
#include <csignal>
#include <cstdio>
#include <set>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

namespace {

std::set<std::uint64_t> marked_for_mock(const nlohmann::json& jobs) {
    std::set<std::uint64_t> out;
    for (const auto& j : jobs["jobs"]) {
        if (!j.contains("id")) continue;
        auto sys = j.value("/spec/attributes/system"_json_pointer, nlohmann::json::object());
        if (sys.value("burst-scheduled", "") == "mock" && !sys.contains("burstable"))
            out.insert(j["id"].get<std::uint64_t>());
    }
    return out;
}

std::vector<nlohmann::json> json_lines(const std::string& out) {
    std::vector<nlohmann::json> docs;
    for (const auto& line : cli_test::lines(out)) docs.push_back(nlohmann::json::parse(line));
    return docs;
}

bool has_clusters(const std::string& state_file, bool want) {
    auto text = test::read_text(state_file);
    if (text.empty()) return false;
    auto j = nlohmann::json::parse(text, nullptr, false);
    return !j.is_discarded() && j["clusters"].empty() != want;
}

// run --watch with mock, its state in `state`, unbursting `unburst_after` after.
std::vector<std::string> watch_mock(const std::string& jobs, const std::string& state,
                                    const std::string& interval, const std::string& unburst_after) {
    return {
        "run",    "--watch", "--interval", interval, "--unburst-after", unburst_after,
        "--jobs", jobs,      "--plugin",   "mock",   "--param",         "mock.state_file=" + state};
}

// Replace the jobs file atomically, as a queue writer would.
void replace_jobs(const std::string& jobs, const nlohmann::json& doc) {
    test::write_text(jobs + ".new", doc.dump(1));
    REQUIRE(std::rename((jobs + ".new").c_str(), jobs.c_str()) == 0);
}

}  // namespace

TEST_CASE("run --watch stops on SIGTERM with exit 0, nothing lost or half-written") {
    test::TempDir dir;
    std::string jobs = cli_test::copy_data(dir, "jobs.json");
    std::string state = dir.file("state.json");
    cli_test::Process p({"run", "--watch", "--interval", "0.2s", "--jobs", jobs, "--plugin", "mock",
                         "--param", "mock.state_file=" + state, "--json"});
    REQUIRE(cli_test::wait_for([&] { return has_clusters(state, true); }, 10));
    // Let a few more cycles pass, then stop it.
    cli_test::wait_for([&] { return false; }, 0.5);
    p.signal(SIGTERM);
    int status = p.wait(10);
    INFO("stderr: " << p.err());
    REQUIRE(status == 0);

    // Both files parse; every job marked for mock is served by a cluster, and every
    // job a cluster serves is marked.
    auto job_doc = nlohmann::json::parse(test::read_text(jobs));
    CHECK(job_doc["jobs"].size() == 8);
    auto st = nlohmann::json::parse(test::read_text(state));
    std::set<std::uint64_t> served;
    for (const auto& c : st["clusters"])
        for (const auto& id : c["jobs"]) served.insert(id.get<std::uint64_t>());
    CHECK(served == std::set<std::uint64_t>{11777605632ULL, 15317598208ULL});
    CHECK(marked_for_mock(job_doc) == served);
    // No temporary files left next to them; only the lock files, which stay by design
    // (the state file's, the jobs file's data lock and the controller's claim).
    std::FILE* ls = ::popen(("ls -A '" + dir.path() + "'").c_str(), "r");
    char buf[4096];
    std::string listing(buf, std::fread(buf, 1, sizeof buf, ls));
    ::pclose(ls);
    CHECK(listing ==
          "jobs.json\njobs.json.controller\njobs.json.lock\nstate.json\nstate.json.lock\n");

    // stdout: one JSON document per line; the first cycle is there, with the burst.
    auto docs = json_lines(p.out());
    REQUIRE(!docs.empty());
    CHECK(docs[0]["cycle"] == 1);
    CHECK(docs[0]["assignments"].size() == 2);
    CHECK(docs[0]["ok"] == true);
    CHECK(docs.size() == 1);  // later cycles had nothing to do
}

TEST_CASE("run --watch unbursts once the served jobs are finished, then stops on SIGINT") {
    test::TempDir dir;
    std::string jobs = cli_test::copy_data(dir, "jobs.json");
    std::string state = dir.file("state.json");
    cli_test::Process p(watch_mock(jobs, state, "0.1s", "0.2s"));
    REQUIRE(cli_test::wait_for([&] { return has_clusters(state, true); }, 10));

    // The jobs finish: state INACTIVE (64); "done" (marked for mock before) too, and
    // "sim" leaves the queue. Replace the file atomically, as a queue writer would.
    auto doc = nlohmann::json::parse(test::read_text(jobs));
    nlohmann::json kept = nlohmann::json::array();
    for (auto& j : doc["jobs"]) {
        std::string name = j.value("name", "");
        if (name == "sim") continue;
        if (name == "four" || name == "done") j["state"] = 64;
        kept.push_back(j);
    }
    doc["jobs"] = kept;
    replace_jobs(jobs, doc);

    REQUIRE(cli_test::wait_for([&] { return has_clusters(state, false); }, 10));
    p.signal(SIGINT);
    REQUIRE(p.wait(10) == 0);
    std::string out = p.out();
    INFO(out);
    CHECK(out.find("--- cycle 1 ---") != std::string::npos);
    CHECK(out.find(": unburst ---") != std::string::npos);
    CHECK(out.find("ok: removed mock-0") != std::string::npos);
    auto st = nlohmann::json::parse(test::read_text(state));
    CHECK(st["clusters"].empty());
    CHECK(st["next_index"] == 1);
}

TEST_CASE("run --watch does not unburst while a served job is still active") {
    test::TempDir dir;
    std::string jobs = cli_test::copy_data(dir, "jobs.json");
    std::string state = dir.file("state.json");
    auto args = watch_mock(jobs, state, "0.05s", "0s");
    args.push_back("--json");
    cli_test::Process p(args);
    REQUIRE(cli_test::wait_for([&] { return has_clusters(state, true); }, 10));
    cli_test::wait_for([&] { return false; }, 0.5);  // many cycles
    p.signal(SIGTERM);
    REQUIRE(p.wait(10) == 0);
    CHECK(has_clusters(state, true));
    for (const auto& doc : json_lines(p.out()))
        for (const auto& o : doc["plugins"]) CHECK(o["action"] != "unburst");
}

TEST_CASE("run --watch with a huge --unburst-after never unbursts (capped, no overflow)") {
    test::TempDir dir;
    std::string jobs = cli_test::copy_data(dir, "jobs.json");
    std::string state = dir.file("state.json");
    cli_test::Process p(watch_mock(jobs, state, "0.05s", "1e10"));
    REQUIRE(cli_test::wait_for([&] { return has_clusters(state, true); }, 10));
    auto doc = nlohmann::json::parse(test::read_text(jobs));
    for (auto& j : doc["jobs"]) j["state"] = 64;  // every job done
    replace_jobs(jobs, doc);
    cli_test::wait_for([&] { return false; }, 1.0);  // many cycles
    p.signal(SIGTERM);
    REQUIRE(p.wait(10) == 0);
    INFO(p.out() << p.err());
    CHECK(has_clusters(state, true));
    CHECK(p.out().find(": unburst ---") == std::string::npos);
}

TEST_CASE("run --watch on an unreadable jobs file exits 1 at once") {
    test::TempDir dir;
    std::string jobs = dir.file("jobs.json");
    test::write_text(jobs, "{\"jobs\": [");
    auto r =
        cli_test::run({"run", "--watch", "--interval", "0.1s", "--jobs", jobs, "--plugin", "mock"});
    CHECK(r.status == 1);
    CHECK(r.err.find("jobs file '" + jobs + "' is not valid JSON") != std::string::npos);
    CHECK(test::read_text(jobs) == "{\"jobs\": [");
}

TEST_CASE("a second controller on the same jobs file is refused, naming the first") {
    test::TempDir dir;
    std::string jobs = cli_test::copy_data(dir, "jobs.json");
    std::string state = dir.file("state.json");
    cli_test::Process p({"run", "--watch", "--interval", "0.1s", "--jobs", jobs, "--plugin", "mock",
                         "--param", "mock.state_file=" + state});
    REQUIRE(cli_test::wait_for([&] { return has_clusters(state, true); }, 10));
    auto text_before = test::read_text(jobs);
    for (const char* mode : {"--watch", "--once"}) {
        auto r = cli_test::run({"run", mode, "--jobs", jobs, "--plugin", "mock", "--param",
                                "mock.state_file=" + dir.file("other.json")});
        INFO(mode << ": " << r.err);
        CHECK(r.status == 1);
        CHECK(r.err.find("already has a controller") != std::string::npos);
        CHECK(r.err.find("flux-burst controller, pid " + std::to_string(p.pid())) !=
              std::string::npos);
    }
    CHECK(test::read_text(jobs) == text_before);
    p.signal(SIGTERM);
    REQUIRE(p.wait(10) == 0);
}
