#include <catch2/catch.hpp>

#include <fluxburst/job.hpp>
#include <fluxburst/queue.hpp>
#include <fluxburst/selectors.hpp>

#include "test_support.hpp"

using nlohmann::json;

TEST_CASE("the sample job is burstable, 4 nodes, 4 tasks") {
    json job = fluxburst::MockQueue::sample_job();
    CHECK_FALSE(job.contains("info"));
    CHECK(fluxburst::job_id(job) == 17839985524736ULL);
    CHECK(fluxburst::job_nodes(job) == 4);
    CHECK(fluxburst::job_tasks(job) == 4);
    CHECK(fluxburst::job_is_burstable(job));
    CHECK_FALSE(fluxburst::check_job_shape(job));
    CHECK(fluxburst::selectors::burstable()(job));
}

TEST_CASE("node and task counts come from the jobspec when job-list has none") {
    json job = fluxburst::MockQueue::sample_job();
    job.erase("nnodes");
    job.erase("ntasks");
    job["spec"]["resources"][0]["count"] = 3;
    CHECK(fluxburst::job_nodes(job) == 3);
    CHECK(fluxburst::job_tasks(job) == 3);
    json cores_only = {
        {"id", 1},
        {"spec",
         {{"resources",
           {{{"type", "slot"}, {"count", 2}, {"with", {{{"type", "core"}, {"count", 1}}}}}}}}}};
    CHECK(fluxburst::job_nodes(cores_only) == 1);
}

TEST_CASE("marking follows the original: burst-scheduled set, burstable removed") {
    json job = fluxburst::MockQueue::sample_job();
    fluxburst::mark_job_scheduled(job, "mock");
    CHECK(job["spec"]["attributes"]["system"]["burst-scheduled"] == "mock");
    CHECK_FALSE(job["spec"]["attributes"]["system"].contains("burstable"));
    CHECK(fluxburst::job_burst_plugin(job) == std::optional<std::string>("mock"));
    CHECK_FALSE(fluxburst::selectors::burstable()(job));
}

TEST_CASE("a job with a fluxburst memo is not selected again") {
    json job = fluxburst::MockQueue::sample_job();
    job["annotations"] = {{"user", {{"fluxburst", {{"plugin", "local"}}}}}};
    CHECK(fluxburst::job_burst_plugin(job) == std::optional<std::string>("local"));
    CHECK_FALSE(fluxburst::selectors::burstable()(job));
}

TEST_CASE("malformed jobs are described, not thrown") {
    CHECK(fluxburst::check_job_shape(json::array()).value().find("JSON object") !=
          std::string::npos);
    CHECK(fluxburst::check_job_shape(json{{"spec", json::object()}}).value().find("no 'id'") !=
          std::string::npos);
    CHECK(fluxburst::check_job_shape(json{{"id", -1}, {"spec", json::object()}})
              .value()
              .find("non-negative") != std::string::npos);
    CHECK(fluxburst::check_job_shape(json{{"id", 1}}).value().find("no 'spec'") !=
          std::string::npos);
    CHECK(fluxburst::check_job_shape(json{{"id", 1}, {"spec", "x"}})
              .value()
              .find("'spec' must be an object") != std::string::npos);
    CHECK(fluxburst::check_job_shape(json{{"id", 1}, {"spec", {{"attributes", {{"system", 3}}}}}})
              .value()
              .find("system") != std::string::npos);
    CHECK(fluxburst::check_job_shape(json{{"id", 1}, {"nnodes", "2"}, {"spec", json::object()}})
              .value()
              .find("'nnodes'") != std::string::npos);
    // the default selector never throws, whatever the shape
    for (const json& bad :
         {json(nullptr), json::array(), json{{"spec", {{"attributes", 5}}}},
          json{{"spec",
                {{"attributes", {{"system", {{"burstable", 1}, {"burst-scheduled", 7}}}}}}}}})
        CHECK_NOTHROW(fluxburst::selectors::burstable()(bad));
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
    CHECK(fluxburst::job_state_name(8) == "SCHED");
    CHECK(fluxburst::job_state_name(64) == "INACTIVE");
    CHECK(fluxburst::job_state_name(3) == "UNKNOWN");
}
