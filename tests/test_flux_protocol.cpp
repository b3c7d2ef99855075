// Flux's wire formats, on real flux-core 0.88.0 responses (tests/data): no live
// instance needed, built with or without Flux.
#include <catch2/catch.hpp>
#include <cerrno>
#include <fluxburst/config.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/flux.hpp>
#include <fluxburst/selectors.hpp>
#include <fstream>
#include <sstream>

#include "flux_protocol.hpp"
#include "test_support.hpp"

namespace fp = fluxburst::flux_protocol;
using fluxburst::QueueError;
using nlohmann::json;

namespace {
std::string data(const std::string& name) {
    return test::read_text(std::string(TEST_DATA_DIR) + "/" + name);
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}
}  // namespace

TEST_CASE("job-list.list request asks for pending jobs with one constraint") {
    json r = fp::list_request(fp::STATES_PENDING, {"all"});
    CHECK(r["max_entries"] == 0);
    CHECK(r["attrs"] == json::array({"all"}));
    CHECK(r["constraint"] == json({{"states", {14}}}));
    json q = fp::list_request(fp::STATES_PENDING, {"id"}, {{"queue", {"batch"}}});
    CHECK(q["constraint"] == json::parse(R"({"and": [{"states": [14]}, {"queue": ["batch"]}]})"));
}

TEST_CASE("JobListReader: the single-response form (version 0)") {
    fp::JobListReader reader;
    auto jobs = reader.on_response(data("job-list.list.nonstreaming.response.json"));
    CHECK(jobs.size() == 4);
    CHECK(reader.done());
    CHECK(reader.version() == 0);
    CHECK(jobs[0]["annotations"]["user"]["fluxburst"]["plugin"] == "local");
    CHECK(jobs[3]["id"].get<std::uint64_t>() == 15317598208ULL);
    CHECK_FALSE(jobs[3].contains("nnodes"));  // job-list omits keys without a value
    CHECK_THROWS_AS(reader.on_response(data("job-list.list.nonstreaming.response.json")),
                    QueueError);
}

TEST_CASE("JobListReader: the streaming form, ended by ENODATA") {
    auto responses = lines(data("job-list.list.streaming.responses.jsonl"));
    REQUIRE(responses.size() == 4);
    fp::JobListReader reader;
    std::vector<json> jobs;
    for (std::size_t i = 0; i + 1 < responses.size(); ++i) {
        for (auto& j : reader.on_response(responses[i])) jobs.push_back(j);
        CHECK_FALSE(reader.done());  // the original client stopped here, after one job
    }
    json end = json::parse(responses.back());
    REQUIRE(end["_end_of_stream_errno"] == ENODATA);
    reader.on_error(ENODATA, "");
    CHECK(reader.done());
    CHECK(reader.version() == 1);
    CHECK(jobs.size() == 3);
    CHECK(reader.count() == 3);
    CHECK(jobs[1]["id"].get<std::uint64_t>() == 11861491712ULL);
}

TEST_CASE("JobListReader: an empty stream, errors, malformed responses") {
    fp::JobListReader empty;
    empty.on_error(ENODATA, "");
    CHECK(empty.done());
    CHECK(empty.count() == 0);

    fp::JobListReader failing;
    try {
        failing.on_error(EPROTO, "invalid payload: constraint object invalid");
        FAIL("expected QueueError");
    } catch (const QueueError& e) {
        CHECK_THAT(e.what(), Catch::Contains("constraint object invalid"));
    }
    fp::JobListReader bad;
    CHECK_THROWS_WITH(bad.on_response("{\"jobs\": 3}"), Catch::Contains("no 'jobs' array"));
    CHECK_THROWS_WITH(fp::JobListReader().on_response("not json"), Catch::Contains("not JSON"));
    CHECK_THROWS_WITH(fp::JobListReader().on_response(R"({"jobs": [], "version": 7})"),
                      Catch::Contains("version 7"));
}

TEST_CASE("job-info.lookup: the jobspec as a string or decoded") {
    json spec = fp::parse_jobspec_response(data("job-info.lookup.jobspec.response.json"));
    CHECK(spec["version"] == 1);
    CHECK(spec["attributes"]["system"]["burstable"] == 1);
    CHECK(spec["resources"][0]["count"] == 2);
    json decoded = fp::parse_jobspec_response(R"({"id": 1, "jobspec": {"version": 1}})");
    CHECK(decoded["version"] == 1);
    CHECK_THROWS_WITH(fp::parse_jobspec_response(R"({"id": 1, "jobspec": "{oops"})"),
                      Catch::Contains("not JSON"));
    CHECK_THROWS_AS(fp::parse_jobspec_response(R"({"id": 1})"), QueueError);
    CHECK(fp::jobspec_lookup_request(7) ==
          json::parse(R"({"id": 7, "keys": ["jobspec"], "flags": 0})"));
}

TEST_CASE("A listed job plus its jobspec is what the default selector wants") {
    auto responses = lines(data("job-list.list.streaming.responses.jsonl"));
    fp::JobListReader reader;
    json memoed = reader.on_response(responses[0])[0];
    json plain = reader.on_response(responses[1])[0];
    json spec = fp::parse_jobspec_response(data("job-info.lookup.jobspec.response.json"));
    memoed["spec"] = spec;
    plain["spec"] = spec;
    auto select = fluxburst::selectors::burstable();
    CHECK(select(*fluxburst::Job::from_json(plain)));
    CHECK_FALSE(select(*fluxburst::Job::from_json(
        memoed)));  // carries annotations.user.fluxburst: never burst twice
}

TEST_CASE("job-list.list-id and memo requests") {
    json job = fp::parse_list_id_response(data("job-list.list-id.response.json"));
    CHECK(job["state"] == fp::STATE_SCHED);
    CHECK(job["nnodes"] == 2);
    CHECK(fp::list_id_request(5, {"state"}, fp::STATE_INACTIVE) ==
          json::parse(R"({"id": 5, "attrs": ["state"], "state": 64})"));
    CHECK_FALSE(fp::list_id_request(5, {"all"}).contains("state"));
    json memo = fp::memo_request(5, "local", 12.5);
    CHECK(
        memo ==
        json::parse(
            R"({"id": 5, "volatile": false, "memo": {"fluxburst": {"plugin": "local", "time": 12.5}}})"));
    CHECK(fp::memo_request(5, "", 0)["memo"]["fluxburst"].is_null());
    // A controller's memo names it; removing a memo carries nothing else.
    CHECK(fp::memo_request(5, "local", 12.5, "pid 7 on lead")["memo"]["fluxburst"] ==
          json::parse(R"({"plugin": "local", "time": 12.5, "controller": "pid 7 on lead"})"));
    CHECK(fp::memo_request(5, "", 0, "pid 7 on lead")["memo"]["fluxburst"].is_null());
}

TEST_CASE("sched.resource-status: free, allocated and down nodes with their hosts") {
    auto s =
        fp::parse_sched_resource_status(json::parse(data("sched.resource-status.response.json")));
    CHECK(s.total_nodes() == 4);
    CHECK(s.free == std::vector<std::int64_t>{0});
    CHECK(s.allocated.empty());
    CHECK(s.down == std::vector<std::int64_t>{1, 2, 3});
    CHECK(s.host(0) == "fake0");
    CHECK(s.host_names(s.down) == std::vector<std::string>{"fake1", "fake2", "fake3"});
    CHECK_FALSE(s.have_offline);
    json j = s.to_json();
    CHECK(j["free"] == 1);
    CHECK(j["down_hosts"] == "fake[1-3]");

    fp::add_resource_module_status(s, json::parse(data("resource.status.response.json")));
    CHECK(s.have_offline);
    CHECK(s.offline == std::vector<std::int64_t>{1, 2, 3});
    CHECK(s.drained.empty());
    CHECK(s.free_nodes() == 1);  // the scheduler's view is kept
}

TEST_CASE("resource.status alone (no scheduler) gives the same picture") {
    fluxburst::ResourceStatus s;
    json r = json::parse(data("resource.status.response.json"));
    r["drain"] = {{"0", {{"timestamp", 1.0}, {"reason", "test"}}}};
    fp::add_resource_module_status(s, r);
    CHECK(s.all == std::vector<std::int64_t>{0, 1, 2, 3});
    CHECK(s.drained == std::vector<std::int64_t>{0});
    CHECK(s.down == std::vector<std::int64_t>{0, 1, 2, 3});
    CHECK(s.free.empty());
    CHECK(s.host(3) == "fake3");
    CHECK(s.host(9) == "rank 9");
}

TEST_CASE("An allocated node is not free, a partly allocated one neither") {
    json r = json::parse(data("sched.resource-status.response.json"));
    r["allocated"]["execution"]["R_lite"] =
        json::parse(R"([{"rank": "0", "children": {"core": "0"}}])");
    r["down"]["execution"]["R_lite"] = json::parse(R"([{"rank": "3", "children": {"core": "0"}}])");
    auto s = fp::parse_sched_resource_status(r);
    CHECK(s.free == std::vector<std::int64_t>{1, 2});
    CHECK(s.allocated == std::vector<std::int64_t>{0});
    CHECK_THROWS_AS(fp::parse_sched_resource_status(json::parse("{}")), QueueError);
    CHECK_THROWS_AS(fp::parse_sched_resource_status(
                        json::parse(R"({"all": {"execution": {"R_lite": [{"x": 1}]}}})")),
                    QueueError);
}

TEST_CASE("idsets") {
    CHECK(fp::parse_idset("0-3,7") == std::vector<std::int64_t>{0, 1, 2, 3, 7});
    CHECK(fp::parse_idset("[2,1,1]") == std::vector<std::int64_t>{1, 2});
    CHECK(fp::parse_idset("").empty());
    CHECK(fp::format_idset({7, 0, 1, 2, 3, 9, 10}) == "0-3,7,9-10");
    CHECK(fp::format_idset({}) == "");
    CHECK_THROWS_AS(fp::parse_idset("3-1"), QueueError);
    CHECK_THROWS_AS(fp::parse_idset("a"), QueueError);
    CHECK_THROWS_AS(fp::parse_idset("[1"), QueueError);
}

TEST_CASE("hostlists") {
    using V = std::vector<std::string>;
    CHECK(fp::expand_hostlist("fake[0-3]") == V{"fake0", "fake1", "fake2", "fake3"});
    CHECK(fp::expand_hostlist("node[08-10],login1") == V{"node08", "node09", "node10", "login1"});
    CHECK(fp::expand_hostlist("a,b") == V{"a", "b"});
    CHECK(fp::expand_hostlist("r[1-2]x") == V{"r1x", "r2x"});
    CHECK(fp::expand_hostlist("").empty());
    CHECK_THROWS_AS(fp::expand_hostlist("a[1-"), QueueError);
    CHECK_THROWS_AS(fp::expand_hostlist("a[3-1]"), QueueError);
    CHECK_THROWS_AS(fp::expand_hostlist("a,,b"), QueueError);
    CHECK(fp::compress_hostlist({"fake1", "fake2", "fake3"}) == "fake[1-3]");
    CHECK(fp::compress_hostlist({"fake1", "fake3", "login", "fake4"}) == "fake[1,3],login,fake4");
    CHECK(fp::compress_hostlist({"n08", "n09", "n10"}) == "n[08-10]");
    CHECK(fp::compress_hostlist({"fake2"}) == "fake2");
    CHECK(fp::compress_hostlist({}) == "");
    for (std::string list : {"fake[0-3]", "n[08-10],login1", "x[1,3,5-6]"})
        CHECK(fp::compress_hostlist(fp::expand_hostlist(list)) == list);
}

TEST_CASE("open_flux_queue says what is wrong") {
#if FLUXBURST_HAVE_FLUX
    test::EnvVar uri("FLUX_URI", "local:///nonexistent/fluxburst-test/local");
    CHECK_THROWS_WITH(fluxburst::open_flux_queue(),
                      Catch::Contains("local:///nonexistent/fluxburst-test/local"));
    CHECK_THROWS_WITH(fluxburst::open_flux_queue("local:///nowhere/else"),
                      Catch::Contains("local:///nowhere/else"));
#else
    CHECK_THROWS_WITH(fluxburst::open_flux_queue(), Catch::Contains("built without Flux support"));
#endif
}
