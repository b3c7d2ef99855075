#include <catch2/catch.hpp>

#include <fluxburst/error.hpp>
#include <fluxburst/job.hpp>
#include <fluxburst/queue.hpp>
#include <fluxburst/selectors.hpp>

#include <string>
#include <vector>

#include "test_support.hpp"

using fluxburst::Job;
using fluxburst::JobError;
using fluxburst::JobState;
using nlohmann::json;

namespace {

json with_system(json system) {
    json job = fluxburst::MockQueue::sample_job();
    job["spec"]["attributes"]["system"] = std::move(system);
    return job;
}

std::string why_malformed(const json& job) {
    try {
        Job::from_json(job);
    } catch (const JobError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("the sample job is burstable, 4 nodes, 4 tasks") {
    json sample = fluxburst::MockQueue::sample_job();
    CHECK_FALSE(sample.contains("info"));
    auto job = Job::from_json(sample);
    CHECK(job->id() == 17839985524736ULL);
    CHECK(job->nodes() == 4);
    CHECK(job->tasks() == 4);
    CHECK(job->name() == "hostname");
    CHECK(job->state() == JobState::Inactive);
    CHECK(job->burstable());
    CHECK(job->preferred_plugin().empty());
    CHECK(job->burst_options() == json::object());
    CHECK_FALSE(job->burst_scheduled());
    CHECK(job->json() == sample);
    CHECK(json::parse(job->raw()) == sample);
    CHECK(fluxburst::selectors::burstable()(*job));
}

TEST_CASE("a job parsed from text keeps its text and builds its JSON on demand") {
    std::string text = R"({"id": 7, "name": "x", "state": 8, "spec": {"attributes":
        {"system": {"burstable": true}}}, "extra": [1, 2, {"deep": "value"}]})";
    auto job = Job::parse(text);
    CHECK(job->raw() == text);
    CHECK(job->id() == 7);
    CHECK(job->state() == JobState::Sched);
    CHECK(job->nodes() == 1);
    CHECK(job->tasks() == 1);
    CHECK(job->json()["extra"][2]["deep"] == "value");
    CHECK(&job->json() == &job->json());  // built once, kept
    CHECK_THROWS_AS(Job::parse("{\"id\": 1, \"spec\": "), JobError);
}

TEST_CASE("node and task counts come from the jobspec when job-list has none") {
    json sample = fluxburst::MockQueue::sample_job();
    sample.erase("nnodes");
    sample.erase("ntasks");
    sample["spec"]["resources"][0]["count"] = 3;
    auto job = Job::from_json(sample);
    CHECK(job->nodes() == 3);
    CHECK(job->tasks() == 3);
    json cores_only = {
        {"id", 1},
        {"spec",
         {{"resources",
           {{{"type", "slot"}, {"count", 2}, {"with", {{{"type", "core"}, {"count", 1}}}}}}}}}};
    CHECK(Job::from_json(cores_only)->nodes() == 1);
    // tasks per slot: 2 nodes x 3 slots x 2 per slot
    json per_slot = {
        {"id", 2},
        {"spec",
         {{"resources",
           {{{"type", "node"},
             {"count", 2},
             {"with", {{{"type", "slot"}, {"count", 3}, {"with", {{{"type", "core"}}}}}}}}}},
          {"tasks", {{{"count", {{"per_slot", 2}}}}}}}}};
    CHECK(Job::from_json(per_slot)->nodes() == 2);
    CHECK(Job::from_json(per_slot)->tasks() == 12);
}

TEST_CASE("burst options: an object system.burstable names a plugin and options") {
    auto job = Job::from_json(
        with_system({{"burstable", {{"plugin", "gke"}, {"machine_type", "c2-standard-16"}}}}));
    CHECK(job->burstable());
    CHECK(job->preferred_plugin() == "gke");
    CHECK(job->burst_options() == json{{"plugin", "gke"}, {"machine_type", "c2-standard-16"}});
    auto plain = Job::from_json(with_system({{"burstable", 1}}));
    CHECK(plain->burstable());
    CHECK(plain->preferred_plugin().empty());
    CHECK(plain->burst_options() == json::object());
    auto options_only = Job::from_json(with_system({{"burstable", {{"zone", "us-central1-a"}}}}));
    CHECK(options_only->burstable());
    CHECK(options_only->preferred_plugin().empty());
    for (json value : {json(false), json(0), json(""), json(nullptr)}) {
        auto no = Job::from_json(with_system({{"burstable", value}}));
        CHECK_FALSE(no->burstable());
        CHECK(no->burst_options() == json::object());
    }
    CHECK(why_malformed(with_system({{"burstable", {{"plugin", 3}}}})).find("'plugin'") !=
          std::string::npos);
}

TEST_CASE("a job scheduled for a burst (attribute or memo) is not selected again") {
    auto marked = Job::from_json(with_system({{"burst-scheduled", "mock"}}));
    CHECK(marked->burst_scheduled());
    CHECK(marked->scheduled_plugin() == "mock");
    CHECK_FALSE(fluxburst::selectors::burstable()(*marked));
    json memo = fluxburst::MockQueue::sample_job();
    memo["annotations"] = {{"user", {{"fluxburst", {{"plugin", "local"}}}}}};
    auto job = Job::from_json(memo);
    CHECK(job->scheduled_plugin() == "local");
    CHECK_FALSE(fluxburst::selectors::burstable()(*job));
    memo["annotations"] = {{"user", {{"fluxburst", 1}}}};
    CHECK(Job::from_json(memo)->scheduled_plugin() == "unknown");
}

TEST_CASE("malformed jobs are refused with a JobError naming the job and the field") {
    CHECK(why_malformed(json::array()).find("JSON object") != std::string::npos);
    CHECK(why_malformed(json{{"spec", json::object()}}).find("no 'id'") != std::string::npos);
    CHECK(why_malformed(json{{"id", -1}, {"spec", json::object()}}).find("non-negative") !=
          std::string::npos);
    CHECK(why_malformed(json{{"id", 1}}).find("no 'spec'") != std::string::npos);
    CHECK(why_malformed(json{{"id", 1}, {"spec", "x"}}).find("'spec' must be an object") !=
          std::string::npos);
    CHECK(why_malformed(json{{"id", 1}, {"spec", {{"attributes", {{"system", 3}}}}}})
              .find("system") != std::string::npos);
    std::string nnodes = why_malformed(json{{"id", 1}, {"nnodes", "2"}, {"spec", json::object()}});
    CHECK(nnodes.find("'nnodes'") != std::string::npos);
    CHECK(nnodes.find("job " + fluxburst::job_id_f58(1) + " (1): ") == 0);  // named, F58 first as flux jobs shows it
}

TEST_CASE("counts out of range are malformed, never wrapped or read as one node") {
    const std::string big = "9223372036854775808";  // 2^63
    for (std::string text : std::vector<std::string>{
             R"({"id": 1, "nnodes": -1, "spec": {}})",
             R"({"id": 1, "ntasks": -5, "spec": {}})",
             R"({"id": 1, "nnodes": )" + big + R"(, "spec": {}})",
             R"({"id": 1, "ntasks": 18446744073709551615, "spec": {}})",
             R"({"id": 1, "spec": {"resources": [{"type": "node", "count": -2}]}})",
             R"({"id": 1, "spec": {"resources": [{"type": "node", "count": {"min": -2}}]}})",
             R"({"id": 1, "spec": {"resources": [{"type": "node", "count": )" + big + R"(}]}})",
             // products that overflow 64 bits
             R"({"id": 1, "spec": {"resources": [{"type": "rack", "count": 4294967296, "with":
                 [{"type": "node", "count": 4294967296}]}]}})",
             R"({"id": 1, "spec": {"resources": [{"type": "node", "count": 9223372036854775807},
                 {"type": "node", "count": 1}]}})",
             R"({"id": 1, "spec": {"resources": [{"type": "slot", "count": 4294967296}],
                 "tasks": [{"count": {"per_slot": 4294967296}}]}})",
             R"({"id": 1, "spec": {"tasks": [{"count": {"total": -3}}]}})",
         }) {
        INFO(text);
        CHECK_THROWS_AS(Job::parse(text), JobError);
        CHECK_THROWS_AS(Job::from_json(json::parse(text)), JobError);
    }
    // zero is "unknown": counted from the jobspec, else one node
    CHECK(Job::parse(R"({"id": 1, "nnodes": 0, "spec": {}})")->nodes() == 1);
    CHECK(Job::parse(R"({"id": 1, "nnodes": 9223372036854775807, "spec": {}})")->nodes() ==
          INT64_MAX);
}

TEST_CASE("deep nesting is malformed (bounded), at any depth, without a crash") {
    for (int depth : {fluxburst::max_job_depth + 1, 1000, 100000}) {
        std::string text = R"({"id": 1, "spec": {}, "x": )" + std::string(depth, '[') +
                           std::string(depth, ']') + "}";
        INFO(depth);
        try {
            Job::parse(text);
            FAIL("accepted");
        } catch (const JobError& e) {
            CHECK(std::string(e.what()).find("nested deeper than") != std::string::npos);
        }
        if (depth > 1000) continue;  // a built value that deep is the caller's to avoid
        json job = json::parse(text);
        CHECK(why_malformed(job).find("nested deeper than") != std::string::npos);
    }
    std::string fine =
        R"({"id": 1, "spec": {}, "x": )" + std::string(90, '[') + std::string(90, ']') + "}";
    CHECK_NOTHROW(Job::parse(fine));
}

TEST_CASE("F58 job ids") {
    CHECK(fluxburst::job_id_f58(0) ==
          "\xc6\x92"
          "1");
    CHECK(fluxburst::job_id_f58(57) ==
          "\xc6\x92"
          "z");
    CHECK(fluxburst::job_id_f58(58) ==
          "\xc6\x92"
          "21");
    for (fluxburst::JobId id :
         {0ULL, 1ULL, 11777605632ULL, 17839985524736ULL, 18446744073709551615ULL}) {
        CHECK(fluxburst::parse_job_id(fluxburst::job_id_f58(id)) == id);
        CHECK(fluxburst::parse_job_id(std::to_string(id)) == id);
    }
    CHECK(fluxburst::parse_job_id("f" + fluxburst::job_id_f58(12345).substr(2)) == 12345ULL);
    CHECK_FALSE(fluxburst::parse_job_id("f0OIl"));
    CHECK_FALSE(fluxburst::parse_job_id("18446744073709551616"));
    CHECK_FALSE(fluxburst::parse_job_id(""));
}

TEST_CASE("state names follow Flux") {
    CHECK(fluxburst::job_state_from_flux(8) == JobState::Sched);
    CHECK(std::string(fluxburst::job_state_name(fluxburst::job_state_from_flux(64))) == "INACTIVE");
    CHECK(std::string(fluxburst::job_state_name(fluxburst::job_state_from_flux(3))) == "UNKNOWN");
}
