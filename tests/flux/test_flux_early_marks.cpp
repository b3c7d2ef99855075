// FluxQueue::mark_early: memos posted while the listing runs (label "flux").
#include <catch2/catch.hpp>
#include <chrono>
#include <fluxburst/flux_queue.hpp>
#include <fluxburst/fluxburst.hpp>
#include <map>
#include <sstream>
#include <thread>

#include "../test_support.hpp"
#include "flux_instance.hpp"

using fluxburst::FluxQueue;
using fluxburst::JobId;
using fluxburst::JobMark;
using fluxburst::JobPtr;
using fluxburst::QueueError;

namespace {

// The fluxburst memo of each job, as `flux jobs` shows it.
std::map<JobId, std::string> memos(test::SystemInstance& instance) {
    auto r = instance.flux("jobs -a --no-header -o '{id.dec} {annotations.user.fluxburst.plugin}'");
    std::map<JobId, std::string> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
        auto space = line.find(' ');
        std::string memo = space == std::string::npos ? "" : line.substr(space + 1);
        while (!memo.empty() && memo.back() == ' ') memo.pop_back();
        out[std::stoull(line.substr(0, space))] = memo;
    }
    return out;
}

// job-list learns of memos from the job manager's journal: wait (bounded) until
// `flux jobs` shows `expected`.
std::map<JobId, std::string> wait_memos(test::SystemInstance& instance,
                                        const std::map<JobId, std::string>& expected) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        auto now = memos(instance);
        if (now == expected || std::chrono::steady_clock::now() > deadline) return now;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

// List the queue, calling mark_early for the jobs in `early`.
void list_marking(FluxQueue& q, const std::vector<JobId>& early) {
    q.for_each_job(
        [&](JobPtr job) {
            JobId id = job->id();
            if (std::find(early.begin(), early.end(), id) != early.end())
                q.mark_early(JobMark{id, "mock"});
        },
        [](fluxburst::QueueProblem) {});
}

}  // namespace

TEST_CASE("Memos posted during the listing count as marked, one failure takes them all back") {
    test::TempDir dir;
    test::SystemInstance instance(dir.path() + "/conf.d", dir.path());
    test::write_instance_config(dir.path(), 4);
    instance.start_rank(0);
    std::vector<JobId> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(instance.submit("-N2 --setattr=burstable true"));
    instance.wait_pending(3);
    FluxQueue q(instance.uri());

    // Posted while listing: visible before mark_scheduled is called.
    list_marking(q, {ids[0], ids[2]});
    CHECK(wait_memos(instance, {{ids[0], "mock"}, {ids[1], ""}, {ids[2], "mock"}}) ==
          std::map<JobId, std::string>{{ids[0], "mock"}, {ids[1], ""}, {ids[2], "mock"}});

    // ids[1] ends before its memo: the cycle records nothing, early memos included.
    instance.flux("cancel " + std::to_string(ids[1]));
    REQUIRE(q.wait_inactive({ids[1]}, 30).complete());
    try {
        q.mark_scheduled({{ids[0], "mock"}, {ids[1], "mock"}, {ids[2], "mock"}});
        FAIL("expected QueueError");
    } catch (const QueueError& e) {
        CHECK_THAT(e.what(), Catch::Contains(std::to_string(ids[1])) &&
                                 Catch::Contains("nothing is recorded"));
    }
    std::map<JobId, std::string> none = {{ids[0], ""}, {ids[1], ""}, {ids[2], ""}};
    CHECK(wait_memos(instance, none) == none);

    // A cycle that never reaches mark_scheduled: the next listing takes its memos back.
    list_marking(q, {ids[0]});
    list_marking(q, {});
    CHECK(wait_memos(instance, none) == none);

    // Early and late memos together: every job marked once.
    list_marking(q, {ids[2]});
    q.mark_scheduled({{ids[0], "mock"}, {ids[2], "mock"}});
    std::map<JobId, std::string> both = {{ids[0], "mock"}, {ids[1], ""}, {ids[2], "mock"}};
    CHECK(wait_memos(instance, both) == both);
}
