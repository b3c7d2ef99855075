// FluxQueue against real Flux instances (label "flux").
#include <flux/core.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fluxburst/flux_queue.hpp>
#include <fluxburst/fluxburst.hpp>
#include <set>

#include "../test_support.hpp"
#include "flux_instance.hpp"

using fluxburst::Client;
using fluxburst::FluxQueue;
using fluxburst::JobId;
using fluxburst::JobPtr;
using fluxburst::QueueError;
using fluxburst::QueueProblem;
using nlohmann::json;

namespace {

// A 4-node instance with only rank 0 up: -N2 jobs stay pending.
struct Fixture {
    test::TempDir dir;
    test::SystemInstance instance;
    Fixture() : instance(dir.path() + "/conf.d", dir.path()) {
        test::write_instance_config(dir.path(), 4);
        instance.start_rank(0);
    }
};

std::vector<JobPtr> list(FluxQueue& q, std::vector<QueueProblem>* problems = nullptr) {
    std::vector<JobPtr> jobs;
    q.for_each_job([&](JobPtr j) { jobs.push_back(std::move(j)); },
                   [&](QueueProblem p) {
                       if (problems) problems->push_back(std::move(p));
                   });
    return jobs;
}

std::set<JobId> ids_of(const std::vector<JobPtr>& jobs) {
    std::set<JobId> out;
    for (const auto& j : jobs) out.insert(j->id());
    return out;
}

std::unique_ptr<Client> mock_client(std::shared_ptr<fluxburst::JobQueue> queue) {
    auto client = std::make_unique<Client>(std::move(queue));
    client->set_search_installed_dir(false);
    client->add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
    client->load("mock", {{"max_nodes", 8}});
    return client;
}

// The fluxburst memo of each job, as `flux jobs` shows it.
std::map<JobId, std::string> memos(test::SystemInstance& instance) {
    auto r = instance.flux("jobs -a --no-header -o '{id.dec} {annotations.user.fluxburst}'");
    std::map<JobId, std::string> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
        auto space = line.find(' ');
        JobId id = std::stoull(line.substr(0, space));
        std::string memo = space == std::string::npos ? "" : line.substr(space + 1);
        while (!memo.empty() && memo.back() == ' ') memo.pop_back();
        out[id] = memo;
    }
    return out;
}

}  // namespace

TEST_CASE(
    "FluxQueue lists pending jobs with their jobspecs, the cycle selects the burstable ones "
    "and its memos show in flux jobs") {
    Fixture f;
    std::vector<JobId> burstable;
    for (int i = 0; i < 3; ++i)
        burstable.push_back(f.instance.submit("-N2 --setattr=burstable --job-name=sim true"));
    JobId plain = f.instance.submit("-N2 --job-name=plain true");
    f.instance.wait_pending(4);

    auto queue = std::make_shared<FluxQueue>(f.instance.uri());
    CHECK_THAT(queue->describe(), Catch::Contains(f.instance.uri()));
    std::vector<QueueProblem> problems;
    auto jobs = list(*queue, &problems);
    CHECK(problems.empty());
    REQUIRE(jobs.size() == 4);
    CHECK(jobs.front()->id() == burstable.front());  // job-list's order
    for (const auto& j : jobs) {
        CHECK(j->state() == fluxburst::JobState::Sched);
        CHECK(j->nodes() == 2);
        CHECK(j->json()["spec"]["version"] == 1);
        CHECK(j->burstable() == (j->id() != plain));
    }

    auto client = mock_client(queue);
    fluxburst::BurstReport report = client->run_burst();
    CHECK(report.jobs_seen == 4);
    REQUIRE(report.assignments.size() == 3);
    std::set<JobId> assigned;
    for (const auto& a : report.assignments) {
        assigned.insert(a.id);
        CHECK(a.plugin == "mock");
    }
    CHECK(assigned == std::set<JobId>(burstable.begin(), burstable.end()));
    REQUIRE(report.plugins.size() == 1);
    CHECK(report.plugins[0].ok);

    // The memo is in Flux, where `flux jobs` shows it.
    auto shown = memos(f.instance);
    for (JobId id : burstable) {
        INFO("job " << id << ": " << shown[id]);
        json memo = json::parse(shown[id]);
        CHECK(memo["plugin"] == "mock");
        CHECK(memo["time"].is_number());
    }
    CHECK(shown[plain].empty());

    // lookup(), state() and the same jobs from a handle the program already holds.
    JobPtr one = queue->lookup(burstable[1]);
    REQUIRE(one);
    CHECK(one->json()["annotations"]["user"]["fluxburst"]["plugin"] == "mock");
    CHECK(one->scheduled_plugin() == "mock");
    CHECK(one->json()["spec"]["attributes"]["system"]["burstable"] == 1);
    CHECK(queue->state(burstable[1]) == std::optional<std::string>("SCHED"));
    CHECK_FALSE(queue->lookup(123456789));
    CHECK_FALSE(queue->state(123456789));

    flux_error_t error;
    flux_t* h = flux_open_ex(f.instance.uri().c_str(), 0, &error);
    REQUIRE(h);
    {
        FluxQueue::Options single;
        single.streaming = false;  // the single-response form of job-list.list
        FluxQueue borrowed(h, single);
        CHECK(ids_of(list(borrowed)) == ids_of(jobs));
        FluxQueue::Options narrow;
        narrow.window = 1;
        narrow.attrs = {"state", "nnodes", "annotations"};
        FluxQueue one_at_a_time(h, narrow);
        auto again = list(one_at_a_time);
        CHECK(ids_of(again) == ids_of(jobs));
        CHECK_FALSE(again.front()->json().contains("name"));
    }
    std::uint32_t size = 0;  // the borrowed handle is still open and usable
    CHECK(flux_get_size(h, &size) == 0);
    CHECK(size == 4);
    flux_close(h);
}

TEST_CASE("No double burst: not after a controller restart, nor after the instance restarts") {
    Fixture f;
    JobId a = f.instance.submit("-N2 --setattr=burstable true");
    JobId b = f.instance.submit("-N2 --setattr=burstable true");
    f.instance.wait_pending(2);
    {
        auto client = mock_client(std::make_shared<FluxQueue>(f.instance.uri()));
        CHECK(client->run_burst().assignments.size() == 2);
    }
    {  // a new controller process
        auto client = mock_client(fluxburst::open_flux_queue(f.instance.uri()));
        auto report = client->run_burst();
        CHECK(report.jobs_seen == 2);
        CHECK(report.selected.empty());
        CHECK(report.plugins.empty());
    }
    // The instance itself restarts; the jobs and their memos come back from its state.
    f.instance.stop();
    f.instance.start_rank(0);
    f.instance.wait_pending(2);
    auto queue = std::make_shared<FluxQueue>(f.instance.uri());
    auto jobs = list(*queue);
    CHECK(ids_of(jobs) == std::set<JobId>{a, b});
    auto report = mock_client(queue)->run_burst();
    CHECK(report.jobs_seen == 2);
    CHECK(report.selected.empty());
    CHECK(report.plugins.empty());
    // A new burstable job after the restart is selected, only it.
    JobId c = f.instance.submit("-N2 --setattr=burstable true");
    f.instance.wait_pending(3);
    report = mock_client(queue)->run_burst();
    REQUIRE(report.assignments.size() == 1);
    CHECK(report.assignments[0].id == c);
}

TEST_CASE("A job that vanishes between the listing and its lookup is reported, not fatal") {
    Fixture f;
    std::vector<JobId> ids;
    for (int i = 0; i < 4; ++i) ids.push_back(f.instance.submit("-N2 --setattr=burstable true"));
    f.instance.wait_pending(4);
    FluxQueue::Options one;
    one.window = 1;        // lookups one at a time, so the job can vanish in between
    one.journal = false;   // (the journal's backlog would give every jobspec at once)
    auto queue = std::make_shared<FluxQueue>(f.instance.uri(), one);
    Client client(queue);
    client.set_search_installed_dir(false);
    client.add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
    client.load("mock");
    bool purged = false;
    client.set_selector([&](const fluxburst::Job& job) {
        if (!purged) {  // while the first job is judged, the last one disappears for good
            purged = true;
            std::string victim = std::to_string(ids.back());
            f.instance.flux("cancel " + victim);
            f.instance.flux("job wait-event " + victim + " clean");
            f.instance.flux("job purge --force " + victim);
        }
        return job.burstable() && !job.burst_scheduled();
    });
    fluxburst::BurstReport report = client.run_burst();
    CHECK(report.jobs_seen == 4);
    CHECK(report.assignments.size() == 3);
    REQUIRE(report.skipped.size() == 1);
    CHECK_THAT(report.skipped[0].job, Catch::Contains(std::to_string(ids.back())));
    CHECK_THAT(report.skipped[0].reason, Catch::Contains("vanished"));
}

TEST_CASE("A job that ends before it is marked: nothing is recorded, the next cycle goes on") {
    Fixture f;
    std::vector<JobId> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(f.instance.submit("-N2 --setattr=burstable true"));
    f.instance.wait_pending(3);
    auto queue = std::make_shared<FluxQueue>(f.instance.uri());
    Client client(queue);
    client.set_search_installed_dir(false);
    client.add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
    client.load("mock");
    client.set_selector([&](const fluxburst::Job& job) {
        if (job.id() == ids[1]) f.instance.flux("cancel " + std::to_string(ids[1]));
        return job.burstable() && !job.burst_scheduled();
    });
    try {
        client.run_burst();
        FAIL("expected QueueError");
    } catch (const QueueError& e) {
        CHECK_THAT(e.what(), Catch::Contains(std::to_string(ids[1])));
        CHECK_THAT(e.what(), Catch::Contains("inactive"));
        CHECK_THAT(e.what(), Catch::Contains("removed"));
    }
    // All or nothing: no memo is left on the others, and no plugin ran.
    auto wait = queue->wait_inactive({ids[1]}, 30);
    CHECK(wait.complete());
    for (const auto& [id, memo] : memos(f.instance)) CHECK(memo.empty());
    client.reset_selector();
    auto report = client.run_burst();
    CHECK(report.assignments.size() == 2);
}

TEST_CASE("wait_inactive waits for jobs to end, without polling, within a timeout") {
    Fixture f;
    JobId quick = f.instance.submit("-N1 sleep 0.5");
    JobId stuck = f.instance.submit("-N2 true");
    FluxQueue queue(f.instance.uri());
    auto r = queue.wait_inactive({quick}, 60);
    CHECK(r.complete());
    CHECK(r.inactive == std::vector<JobId>{quick});
    CHECK(queue.state(quick) == std::optional<std::string>("INACTIVE"));

    auto t0 = std::chrono::steady_clock::now();
    r = queue.wait_inactive({stuck, quick, 987654321}, 0.5);
    double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(waited < 5);
    CHECK(r.active == std::vector<JobId>{stuck});
    CHECK(r.inactive == std::vector<JobId>{quick});
    REQUIRE(r.problems.size() == 1);
    CHECK_THAT(r.problems[0].where, Catch::Contains("987654321"));
}

TEST_CASE("FluxQueue::resources: free, allocated and down nodes with host names") {
    Fixture f;
    FluxQueue queue(f.instance.uri());
    fluxburst::ResourceStatus s = queue.resources();
    CHECK(s.total_nodes() == 4);
    CHECK(s.free == std::vector<std::int64_t>{0});
    CHECK(s.down == std::vector<std::int64_t>{1, 2, 3});
    CHECK(s.offline == std::vector<std::int64_t>{1, 2, 3});
    CHECK(s.host_names(s.down) == std::vector<std::string>{"fake1", "fake2", "fake3"});
    f.instance.start_rank(2);
    f.instance.wait_online(2, true);
    JobId sleeper = f.instance.submit("-N1 --requires=host:fake2 sleep 300");
    f.instance.flux("job wait-event " + std::to_string(sleeper) + " start");
    s = queue.resources();
    CHECK(s.free == std::vector<std::int64_t>{0});
    CHECK(s.allocated == std::vector<std::int64_t>{2});
    CHECK(s.down == std::vector<std::int64_t>{1, 3});
    f.instance.flux("cancel " + std::to_string(sleeper));
}

TEST_CASE("An unreachable instance is a clear error naming its URI") {
    test::TempDir dir;
    std::string uri = "local://" + dir.path() + "/no-broker-here";
    CHECK_THROWS_WITH(FluxQueue(uri), Catch::Contains(uri) && Catch::Contains("cannot connect"));
    test::EnvVar env("FLUX_URI", uri.c_str());
    CHECK_THROWS_WITH(FluxQueue(), Catch::Contains(uri));
    CHECK_THROWS_WITH(fluxburst::open_flux_queue(), Catch::Contains(uri));
}

namespace {
// The job manager's count of journal listeners (`flux module stats job-manager`).
int journal_listeners(test::SystemInstance& instance) {
    auto r = instance.flux("module stats job-manager");
    return json::parse(r.out)["journal"]["listeners"].get<int>();
}

// Each listed job as a comparable text: id, state, name, burstable, and its spec.
std::map<JobId, std::string> listed(FluxQueue& q) {
    std::map<JobId, std::string> out;
    for (const auto& j : list(q))
        out[j->id()] = std::string(fluxburst::job_state_name(j->state())) + " " + j->name() +
                       " " + std::to_string(j->burstable()) + " " + j->preferred_plugin() + " " +
                       j->json()["spec"].dump();
    return out;
}
}  // namespace

TEST_CASE("jobspecs from the journal's backlog equal job-info's, without the environment, and the journal is cancelled") {
    Fixture f;
    std::vector<JobId> ids;
    ids.push_back(f.instance.submit("-N2 --setattr=burstable --env=SECRET=hunter2 true"));
    ids.push_back(f.instance.submit("-N2 --setattr=burstable='{\"plugin\": \"mock\"}' -n4 true"));
    ids.push_back(f.instance.submit("-N2 --setattr=burst-scheduled=forged --setattr=burstable true"));
    ids.push_back(f.instance.submit("-N3 --job-name=plain true"));
    f.instance.wait_pending(ids.size());
    const int listeners = journal_listeners(f.instance);  // job-list is one
    FluxQueue::Options from_journal, from_lookups;
    from_lookups.journal = false;
    FluxQueue a(f.instance.uri(), from_journal), b(f.instance.uri(), from_lookups);
    auto journal = listed(a);
    auto lookups = listed(b);
    REQUIRE(journal.size() == ids.size());
    CHECK(journal == lookups);
    for (const auto& [id, text] : journal) {
        INFO(text);
        CHECK(text.find("environment") == std::string::npos);
        CHECK(text.find("hunter2") == std::string::npos);
        CHECK(text.find("forged") == std::string::npos);  // a submitter's mark is never a mark
    }
    CHECK(journal[ids[1]].find("\"plugin\":\"mock\"") != std::string::npos);
    // The backlog's stream ends with the listing: no listener is left behind,
    // whatever the number of cycles on one connection.
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) CHECK(listed(a).size() == ids.size());
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
    CHECK(journal_listeners(f.instance) == listeners);
}

TEST_CASE("with many more active jobs than listed ones, jobspecs are looked up, and the answer is the same") {
    // The journal's backlog holds every active job: 12 pending jobs a constraint
    // leaves out and one it lists make lookups cheaper (active > 4x listed).
    Fixture f;
    for (int i = 0; i < 12; ++i) f.instance.submit("-N2 --setattr=burstable --job-name=other true");
    JobId wanted = f.instance.submit("-N2 --setattr=burstable --job-name=wanted true");
    f.instance.wait_pending(13);
    const int listeners = journal_listeners(f.instance);  // job-list is one
    std::vector<std::string> said;
    const fluxburst::LogLevel level = fluxburst::log_level();
    fluxburst::set_log_level(fluxburst::LogLevel::Debug);
    fluxburst::set_log_handler(
        [&](fluxburst::LogLevel, const std::string& message) { said.push_back(message); });
    FluxQueue::Options only;
    only.constraint = {{"name", {"wanted"}}};
    FluxQueue q(f.instance.uri(), only);
    auto jobs = list(q);
    fluxburst::set_log_handler(nullptr);
    fluxburst::set_log_level(level);
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0]->id() == wanted);
    CHECK(jobs[0]->burstable());
    CHECK(jobs[0]->json()["spec"]["attributes"]["system"].count("environment") == 0);
    bool looked_up = std::any_of(said.begin(), said.end(), [](const std::string& m) {
        return m.find("1 to read, 13 active: jobspecs from job-info lookups") != std::string::npos;
    });
    CHECK(looked_up);
    // Without the constraint, 13 of 13: from the journal.
    said.clear();
    fluxburst::set_log_level(fluxburst::LogLevel::Debug);
    fluxburst::set_log_handler(
        [&](fluxburst::LogLevel, const std::string& message) { said.push_back(message); });
    FluxQueue all(f.instance.uri());
    CHECK(list(all).size() == 13);
    fluxburst::set_log_handler(nullptr);
    fluxburst::set_log_level(level);
    CHECK(std::any_of(said.begin(), said.end(), [](const std::string& m) {
        return m.find("13 to read, 13 active: jobspecs from the journal") != std::string::npos;
    }));
    // Once a cycle has marked the 13, a new job is the only one to read: its
    // jobspec is looked up, not read from a backlog of 14.
    said.clear();
    auto client = mock_client(std::make_shared<FluxQueue>(f.instance.uri()));
    CHECK(client->run_burst().assignments.size() == 13);
    JobId late = f.instance.submit("-N2 --setattr=burstable --job-name=late true");
    f.instance.wait_pending(14);
    fluxburst::set_log_level(fluxburst::LogLevel::Debug);
    fluxburst::set_log_handler(
        [&](fluxburst::LogLevel, const std::string& message) { said.push_back(message); });
    auto report = client->run_burst();
    fluxburst::set_log_handler(nullptr);
    fluxburst::set_log_level(level);
    REQUIRE(report.assignments.size() == 1);
    CHECK(report.assignments[0].id == late);
    CHECK(std::any_of(said.begin(), said.end(), [](const std::string& m) {
        return m.find("1 to read, 14 active: jobspecs from job-info lookups") != std::string::npos;
    }));
    CHECK(journal_listeners(f.instance) == listeners);
}
