#include <catch2/catch.hpp>

#include <fluxburst/error.hpp>
#include <fluxburst/queue.hpp>

using nlohmann::json;

TEST_CASE("MockQueue holds the original's sample job by default") {
    fluxburst::MockQueue q;
    auto jobs = q.list_jobs();
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0]->name() == "hostname");
    CHECK(q.state(17839985524736ULL) == std::optional<std::string>("INACTIVE"));
    CHECK_FALSE(q.state(1));
}

TEST_CASE("MockQueue marks jobs, all or nothing") {
    fluxburst::MockQueue q;
    json other = fluxburst::MockQueue::sample_job();
    other["id"] = 5;
    q.add(other);
    // A person reads the job in F58 form (as flux jobs prints it), with the decimal id.
    CHECK_THROWS_WITH(q.mark_scheduled({{5, "mock"}, {99, "mock"}}),
                      Catch::Contains("job " + fluxburst::job_id_f58(99) + " (99)"));
    CHECK(q.lookup(5)->burstable());  // untouched
    q.mark_scheduled(5, "mock");
    CHECK(q.lookup(5)->json()["spec"]["attributes"]["system"]["burst-scheduled"] == "mock");
    // listing hands out copies: changing one does not change the queue
    auto jobs = q.list_jobs();
    CHECK(jobs.size() == 2);
}

TEST_CASE("MockQueue states") {
    fluxburst::MockQueue q(
        std::vector<json>{json{{"id", 7}, {"state", 8}, {"spec", json::object()}}});
    CHECK(q.state(7) == std::optional<std::string>("SCHED"));
    q.set_state(7, 64);
    CHECK(q.state(7) == std::optional<std::string>("INACTIVE"));
}
