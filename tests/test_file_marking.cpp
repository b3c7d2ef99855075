// Marking jobs in a jobs file: the edit touches only each marked job's
// attributes.system object, and the file reads back as if each job had been
// built, marked and written whole.
#include <fluxburst/queue.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "test_support.hpp"

using fluxburst::FileQueue;
using nlohmann::json;

namespace {

// What marking means, on a built job.
json marked(json job, const std::string& plugin) {
    auto& system = job["spec"]["attributes"]["system"];
    system["burst-scheduled"] = plugin;
    system.erase("burstable");
    return job;
}

// Write `jobs` (one element text each) as an array, list it, mark every job with
// an id in `ids`, and check the file against marking the built jobs.
std::string mark_and_check(const std::vector<std::string>& jobs, const std::vector<int>& ids,
                           const std::string& plugin = "mock") {
    test::TempDir dir;
    std::string text = "[\n";
    for (std::size_t i = 0; i < jobs.size(); ++i)
        text += "  " + jobs[i] + (i + 1 < jobs.size() ? ",\n" : "\n");
    text += "]\n";
    test::write_text(dir.file("q.json"), text);
    json before = json::parse(text);
    FileQueue q(dir.file("q.json"));
    (void)q.list_jobs();  // a listing: marking may then edit the jobs in place
    std::vector<fluxburst::JobMark> marks;
    for (int id : ids) marks.push_back({static_cast<fluxburst::JobId>(id), plugin});
    q.mark_scheduled(marks);
    std::string after = test::read_text(dir.file("q.json"));
    json parsed = json::parse(after);
    REQUIRE(parsed.size() == before.size());
    for (std::size_t i = 0; i < before.size(); ++i) {
        bool is_marked = false;
        for (int id : ids) is_marked = is_marked || before[i]["id"] == id;
        INFO("element " << i << ": " << jobs[i]);
        CHECK(parsed[i] == (is_marked ? marked(before[i], plugin) : before[i]));
    }
    return after;
}

}  // namespace

TEST_CASE("marking edits only the system object of each marked job") {
    std::string after = mark_and_check(
        {R"({"id": 1,   "spec": {"attributes": {"system": {"burstable": 1, "cwd" :  "/x"}}, "version": 1},  "z": [1,  2]})",
         R"({"id": 2, "spec": {"attributes": {"system": {"burstable": 1}}}, "keep":   "me"})"},
        {1});
    // The marked job keeps every byte outside its system object...
    CHECK_THAT(after, Catch::Contains(R"({"id": 1,   "spec": {"attributes": {"system": {)"));
    CHECK_THAT(after, Catch::Contains(R"(}}, "version": 1},  "z": [1,  2]})"));
    // ...and the members it keeps keep their own text.
    CHECK_THAT(after, Catch::Contains(R"("cwd" :  "/x")"));
    // The other job is untouched.
    CHECK_THAT(
        after,
        Catch::Contains(
            R"({"id": 2, "spec": {"attributes": {"system": {"burstable": 1}}}, "keep":   "me"})"));
}

TEST_CASE("marking gives the same jobs as marking them built, for every shape of system object") {
    // Each job is marked; the file must read back as each built job marked.
    std::vector<std::string> jobs = {
        // plain, burstable first, last, in the middle
        R"({"id": 1, "spec": {"attributes": {"system": {"burstable": 1}}}})",
        R"({"id": 2, "spec": {"attributes": {"system": {"a": 1, "burstable": true}}}})",
        R"({"id": 3, "spec": {"attributes": {"system": {"a": 1, "burstable": "yes", "b": [1, {"c": 2}]}}}})",
        // white space everywhere
        "{ \"id\" : 4 , \"spec\" : { \"attributes\" : { \"system\" : { \"burstable\" : 1 ,\n \"x\" "
        ": { } } } } }",
        // already scheduled (not a string: still burstable), and an empty system
        R"({"id": 5, "spec": {"attributes": {"system": {"burst-scheduled": 7, "burstable": 1}}}})",
        R"({"id": 6, "spec": {"attributes": {"system": {}}}})",
        // an escaped key that means "burstable", braces and quotes inside strings
        R"({"id": 7, "spec": {"attributes": {"system": {"burst\u0061ble": 1, "s": "}{\"]"}}}})",
        // non-ASCII text, numbers of every kind
        R"({"id": 8, "spec": {"attributes": {"system": {"name": "caf\u00e9 ✓", "f": -1.5e3, "u": 18446744073709551615, "burstable": 1}}}})",
        // the path missing: the job is built and marked whole
        R"({"id": 9, "spec": {}})",
        R"({"id": 10, "spec": {"attributes": {}}})",
        // repeated keys on the way or inside system: the full parser decides
        R"({"id": 11, "spec": {"attributes": {"system": {"burstable": 1}, "system": {"burstable": 2, "k": 1}}}})",
        R"({"id": 12, "spec": {"attributes": {"system": {"burstable": 1, "k": 1, "k": 2}}}})",
        R"({"id": 13, "spec": {"attributes": {"system": {"burstable": 1}}}, "spec": {"attributes": {"system": {"x": 1}}}})",
    };
    std::vector<int> ids;
    for (int i = 1; i <= static_cast<int>(jobs.size()); ++i) ids.push_back(i);
    mark_and_check(jobs, ids);
    // A plugin name that needs escaping in JSON.
    mark_and_check({jobs[0], jobs[2]}, {1, 3}, "we\"ird\\name");
}

TEST_CASE("marking a job whose system attributes are not an object writes nothing") {
    test::TempDir dir;
    std::string text = R"([{"id": 1, "spec": {"attributes": {"system": {"burstable": 1}}}},
                           {"id": 2, "spec": {"attributes": {"system": 3}}}])";
    test::write_text(dir.file("q.json"), text);
    FileQueue q(dir.file("q.json"));
    (void)q.list_jobs();
    CHECK_THROWS_WITH(q.mark_scheduled({{1, "mock"}, {2, "mock"}}),
                      Catch::Contains("job " + fluxburst::job_id_f58(2) + " (2)") &&
                          Catch::Contains("nothing was written"));
    CHECK(test::read_text(dir.file("q.json")) == text);
}

TEST_CASE("marking after the file changed since the listing still marks the right jobs") {
    test::TempDir dir;
    test::write_text(dir.file("q.json"),
                     R"([{"id": 1, "spec": {"attributes": {"system": {"burstable": 1}}}}])");
    FileQueue q(dir.file("q.json"));
    (void)q.list_jobs();
    // Another writer puts a job in front: the positions of the listing are stale.
    test::write_text(
        dir.file("q.json"),
        R"([{"id": 0, "spec": {"attributes": {"system": {"burstable": 1, "pad": "xxxxxxxx"}}}},
                         {"id": 1, "spec": {"attributes": {"system": {"burstable": 1}}}}])");
    q.mark_scheduled(1, "mock");
    json parsed = json::parse(test::read_text(dir.file("q.json")));
    CHECK(parsed[0]["spec"]["attributes"]["system"].contains("burstable"));
    CHECK(parsed[1]["spec"]["attributes"]["system"] == json({{"burst-scheduled", "mock"}}));
}

TEST_CASE("marking many jobs writes a file that reads back whole") {
    // More pieces than one batch of writes holds.
    std::vector<std::string> jobs;
    std::vector<int> ids;
    for (int i = 0; i < 3000; ++i) {
        jobs.push_back(R"({"id": )" + std::to_string(i) +
                       R"(, "spec": {"attributes": {"system": {"burstable": 1, "n": )" +
                       std::to_string(i) + "}}}}");
        if (i % 3 != 1) ids.push_back(i);
    }
    mark_and_check(jobs, ids);
}

TEST_CASE("a mark that fails after much of the new file is written leaves the file as it was") {
    // The new file is written as it is made; a job found malformed on the way
    // (the file changed since the listing, so each job is built) must leave the
    // jobs file untouched and no temporary file behind.
    test::TempDir dir;
    std::string text = "[\n";
    std::vector<fluxburst::JobMark> marks;
    const int count = 20000;  // about 1.7 MB: more than the writer's buffer
    for (int i = 0; i < count; ++i) {
        text +=
            R"({"id": )" + std::to_string(i) +
            R"(, "spec": {"attributes": {"system": {"burstable": 1, "pad": "xxxxxxxxxxxxxxxx"}}}},)" +
            "\n";
        marks.push_back({static_cast<fluxburst::JobId>(i), "mock"});
    }
    text += R"({"id": 20000, "spec": {"attributes": {"system": {"burstable": 1}}}, "nnodes": -1})";
    text += "\n]\n";
    marks.push_back({20000, "mock"});
    test::write_text(dir.file("q.json"), "[]");
    FileQueue q(dir.file("q.json"));
    (void)q.list_jobs();
    test::write_text(dir.file("q.json"), text);
    CHECK_THROWS_WITH(q.mark_scheduled(marks),
                      Catch::Contains("job " + fluxburst::job_id_f58(20000)) &&
                          Catch::Contains("nothing was written"));
    CHECK(test::read_text(dir.file("q.json")) == text);
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"q.json", "q.json.lock"});
}
