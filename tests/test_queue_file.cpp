#include <catch2/catch.hpp>

#include <fluxburst/error.hpp>
#include <fluxburst/queue.hpp>

#include <algorithm>
#include <filesystem>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <sys/stat.h>
#include <unistd.h>

#include "test_support.hpp"

using fluxburst::FileQueue;
using fluxburst::QueueError;
using nlohmann::json;

namespace {
std::size_t count(FileQueue& q, std::vector<fluxburst::QueueProblem>* problems = nullptr) {
    std::size_t n = 0;
    q.for_each_job([&](fluxburst::JobPtr) { ++n; },
                   [&](fluxburst::QueueProblem p) {
                       if (problems) problems->push_back(p);
                   });
    return n;
}
}  // namespace

TEST_CASE("FileQueue reads an array or {\"jobs\": [...]}") {
    test::TempDir dir;
    test::write_text(dir.file("a.json"), R"([{"id": 1, "spec": {}}, {"id": 2, "spec": {}}])");
    FileQueue a(dir.file("a.json"));
    CHECK(count(a) == 2);
    FileQueue b(std::string(TEST_DATA_DIR) + "/jobs.json");
    CHECK(count(b) == 8);
    CHECK(b.lookup(11811160064ULL)->at("name") == "big");
    CHECK(b.state(11811160064ULL) == std::optional<std::string>("SCHED"));
    CHECK_FALSE(b.lookup(3));
}

TEST_CASE("FileQueue keeps numbers exact: 64-bit ids, floats, negatives") {
    test::TempDir dir;
    test::write_text(
        dir.file("n.json"),
        R"([{"id": 18446744073709551615, "t": 1795501303.4953308, "n": -5, "s": "\u00e9\"", "spec": {"a": [true, false, null]}}])");
    FileQueue q(dir.file("n.json"));
    auto jobs = q.list_jobs();
    REQUIRE(jobs.size() == 1);
    const json& j = *jobs[0];
    CHECK(j["id"].get<std::uint64_t>() == 18446744073709551615ULL);
    CHECK(j["t"].get<double>() == Approx(1795501303.4953308));
    CHECK(j["n"] == -5);
    CHECK(j["s"] == "\xc3\xa9\"");
    CHECK(j["spec"]["a"] == json::array({true, false, nullptr}));
}

TEST_CASE("FileQueue errors name the file and the position") {
    test::TempDir dir;
    auto err = [&](const std::string& name, const std::string& text) {
        test::write_text(dir.file(name), text);
        FileQueue q(dir.file(name));
        try {
            count(q);
        } catch (const QueueError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK_THAT(err("empty.json", ""), Catch::Contains("empty.json") && Catch::Contains("is empty"));
    CHECK_THAT(err("blank.json", "  \n"), Catch::Contains("is empty"));
    CHECK_THAT(err("trunc.json", R"([{"id": 1, "spec": {}}, {"id": 2, "sp)"),
               Catch::Contains("trunc.json") && Catch::Contains("not valid JSON") &&
                   Catch::Contains("line 1"));
    CHECK_THAT(err("text.json", "hello"),
               Catch::Contains("text.json") && Catch::Contains("not valid JSON"));
    CHECK_THAT(err("scalar.json", "42"), Catch::Contains("single value"));
    CHECK_THAT(err("obj.json", R"({"queue": []})"), Catch::Contains("without a \"jobs\" array"));
    CHECK_THAT(err("objbad.json", R"({"jobs": 3})"), Catch::Contains("must be an array"));
    CHECK_THAT(err("trailing.json", R"([] x)"), Catch::Contains("not valid JSON"));
    CHECK_THAT(err("multi.json", "[{\"id\": 1,\n \"spec\": {}},\n {\"id\": 2 \"spec\": {}}]"),
               Catch::Contains("line 3"));
    FileQueue missing(dir.file("nope.json"));
    CHECK_THROWS_WITH(count(missing),
                      Catch::Contains("nope.json") && Catch::Contains("cannot read"));
}

TEST_CASE("FileQueue marks atomically and leaves other jobs byte for byte") {
    test::TempDir dir;
    std::string original =
        "[\n  {\"id\": 1,   \"spec\": {\"attributes\": {\"system\": {\"burstable\": 1}}}},\n"
        "  {\"id\": 2, \"spec\": {},  \"odd\":   [1,2,  3]},\n"
        "  {\"id\": 3, \"spec\": {\"attributes\": {\"system\": {\"burstable\": 1}}}}\n]\n";
    test::write_text(dir.file("q.json"), original);
    FileQueue q(dir.file("q.json"));
    q.mark_scheduled({{1, "mock"}, {3, "gke"}});
    std::string after = test::read_text(dir.file("q.json"));
    CHECK_THAT(after, Catch::Contains("{\"id\": 2, \"spec\": {},  \"odd\":   [1,2,  3]}"));
    json parsed = json::parse(after);
    CHECK(parsed[0]["spec"]["attributes"]["system"]["burst-scheduled"] == "mock");
    CHECK_FALSE(parsed[0]["spec"]["attributes"]["system"].contains("burstable"));
    CHECK(parsed[2]["spec"]["attributes"]["system"]["burst-scheduled"] == "gke");
    // no temporary file left behind: only the data lock, which stays by design
    std::vector<std::string> names;
    for (auto& e : std::filesystem::directory_iterator(dir.path()))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"q.json", "q.json.lock"});
}

TEST_CASE("FileQueue marking waits for a producer holding the data lock") {
    test::TempDir dir;
    std::string path = dir.file("q.json");
    test::write_text(path, R"([{"id": 1, "spec": {"attributes": {"system": {"burstable": 1}}}}])");
    // A producer takes the lock, adds a job and renames its new file into place.
    int fd = ::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX) == 0);
    std::thread producer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        test::write_text(path + ".new",
                         R"([{"id": 1, "spec": {"attributes": {"system": {"burstable": 1}}}},
                             {"id": 2, "spec": {}}])");
        std::rename((path + ".new").c_str(), path.c_str());
        ::close(fd);  // unlock
    });
    FileQueue q(path);
    q.mark_scheduled(1, "mock");  // read, mark and rename after the producer
    producer.join();
    json parsed = json::parse(test::read_text(path));
    REQUIRE(parsed.size() == 2);  // the producer's job is not lost
    CHECK(parsed[0]["spec"]["attributes"]["system"]["burst-scheduled"] == "mock");
    CHECK(parsed[1]["id"] == 2);
}

TEST_CASE("FileQueue refuses to mark a job that is already marked, and can unmark") {
    test::TempDir dir;
    std::string path = dir.file("q.json");
    std::string original =
        R"([{"id": 1, "state": 8, "spec": {"attributes": {"system": {"burstable": {"plugin": "gke"}}}}}])";
    test::write_text(path, original);
    FileQueue q(path);
    fluxburst::JobPtr listed = q.lookup(1);
    q.mark_scheduled(1, "gke");
    std::string marked = test::read_text(path);
    CHECK_THROWS_WITH(FileQueue(path).mark_scheduled(1, "mock"),
                      Catch::Contains("already marked scheduled"));
    CHECK(test::read_text(path) == marked);
    q.unmark_scheduled({listed});
    json back = json::parse(test::read_text(path));
    CHECK(back[0]["spec"]["attributes"]["system"] ==
          json::parse(R"({"burstable": {"plugin": "gke"}})"));
    CHECK(back[0]["state"] == 8);
}

TEST_CASE("FileQueue keeps the {\"jobs\": ...} form and other members") {
    test::TempDir dir;
    test::write_text(dir.file("q.json"),
                     R"({"note": "keep me", "jobs": [{"id": 9, "spec": {}}], "n": 1})");
    FileQueue q(dir.file("q.json"));
    q.mark_scheduled(9, "mock");
    json parsed = json::parse(test::read_text(dir.file("q.json")));
    CHECK(parsed["note"] == "keep me");
    CHECK(parsed["n"] == 1);
    CHECK(parsed["jobs"][0]["spec"]["attributes"]["system"]["burst-scheduled"] == "mock");
}

TEST_CASE("FileQueue writes nothing when a job to mark is gone") {
    test::TempDir dir;
    std::string original = R"([{"id": 1, "spec": {}}])";
    test::write_text(dir.file("q.json"), original);
    FileQueue q(dir.file("q.json"));
    CHECK_THROWS_WITH(q.mark_scheduled({{1, "mock"}, {2, "mock"}}),
                      Catch::Contains("job 2") && Catch::Contains("nothing was written"));
    CHECK(test::read_text(dir.file("q.json")) == original);
}

TEST_CASE("elements that are not jobs are still listed for the client to judge") {
    test::TempDir dir;
    test::write_text(dir.file("q.json"), R"([1, "two", null, [3], {"id": 4, "spec": {}}])");
    FileQueue q(dir.file("q.json"));
    auto jobs = q.list_jobs();
    REQUIRE(jobs.size() == 5);
    CHECK(*jobs[0] == 1);
    CHECK(*jobs[1] == "two");
    CHECK(jobs[2]->is_null());
    CHECK((*jobs[4])["id"] == 4);
}
