// Crash safety: kill the controller with SIGKILL at random points of cycles that
// write the jobs file and the mock plugin's state file, many times; after each
// kill every file must parse and no recorded burst may be lost.
#include <catch2/catch.hpp>

#include <fluxburst/atomic_file.hpp>
#include <fluxburst/job.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_support.hpp"

extern char** environ;

using nlohmann::json;

namespace {
json make_job(fluxburst::JobId id, bool burstable) {
    json sys = {{"duration", 0}};
    if (burstable) sys["burstable"] = 1;
    return {{"id", id},
            {"state", 8},
            {"nnodes", 1 + id % 4},
            {"name", "crash"},
            {"spec",
             {{"resources", {{{"type", "node"}, {"count", 1 + id % 4}}}},
              {"attributes", {{"system", sys}}}}}};
}

std::set<fluxburst::JobId> marked_jobs(const json& file) {
    std::set<fluxburst::JobId> out;
    for (const auto& j : file.at("jobs"))
        if (fluxburst::Job::from_json(j)->burst_scheduled())
            out.insert(j.at("id").get<fluxburst::JobId>());
    return out;
}
}  // namespace

TEST_CASE("SIGKILL at random points never corrupts files or loses a recorded burst") {
    test::TempDir dir;
    std::string jobs_path = dir.file("jobs.json");
    std::string state_path = dir.file("mock-state.json");
    json file = {{"jobs", json::array()}};
    fluxburst::JobId next_id = 1;
    for (int i = 0; i < 3000; ++i)
        file["jobs"].push_back(make_job(next_id++, false));  // bulk to read
    fluxburst::write_file_atomically(jobs_path, file.dump(1));

    std::mt19937 rng(20261124);
    std::set<fluxburst::JobId> marked, clusters_jobs;
    std::set<std::string> clusters;
    int kills = 0, restarts = 0;

    const char* argv[] = {BURST_LOOP, jobs_path.c_str(), state_path.c_str(), MOCK_PLUGIN_DIR,
                          nullptr};
    // The kill window: twice the time the controller takes, on this machine, under this
    // load and build (sanitizers make it several times slower), to mark its first jobs.
    // A fixed window let a slow build be killed before it ever marked, testing nothing.
    file = json::parse(fluxburst::read_file(jobs_path));
    for (int i = 0; i < 25; ++i) file["jobs"].push_back(make_job(next_id++, true));
    fluxburst::write_file_atomically(jobs_path, file.dump(1));
    int window_us = 0;
    {
        pid_t pid = 0;
        auto start = std::chrono::steady_clock::now();
        REQUIRE(::posix_spawn(&pid, BURST_LOOP, nullptr, nullptr, const_cast<char**>(argv),
                              environ) == 0);
        const auto limit = start + std::chrono::seconds(60);
        while (std::chrono::steady_clock::now() < limit) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            json now;
            try {
                now = json::parse(fluxburst::read_file(jobs_path));
            } catch (const std::exception&) {
                continue;  // never expected (atomic writes); the rounds below check it
            }
            if (!marked_jobs(now).empty()) break;
        }
        auto took = std::chrono::steady_clock::now() - start;
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        marked = marked_jobs(json::parse(fluxburst::read_file(jobs_path)));
        REQUIRE(!marked.empty());  // the controller marks jobs within a minute at all
        window_us = static_cast<int>(std::max<std::int64_t>(
            60000, 2 * std::chrono::duration_cast<std::chrono::microseconds>(took).count()));
        if (::access(state_path.c_str(), F_OK) == 0) {
            const json state = json::parse(fluxburst::read_file(state_path));
            for (const auto& c : state.at("clusters"))
                clusters.insert(c.at("name").get<std::string>());
        }
    }
    const int rounds = std::getenv("FLUXBURST_CRASH_ROUNDS")
                           ? std::atoi(std::getenv("FLUXBURST_CRASH_ROUNDS"))
                           : 120;
    for (int round = 0; round < rounds; ++round) {
        // While the controller is down, new burstable jobs arrive.
        file = json::parse(fluxburst::read_file(jobs_path));
        for (int i = 0; i < 25; ++i) file["jobs"].push_back(make_job(next_id++, true));
        fluxburst::write_file_atomically(jobs_path, file.dump(1));

        pid_t pid = 0;
        REQUIRE(::posix_spawn(&pid, BURST_LOOP, nullptr, nullptr, const_cast<char**>(argv),
                              environ) == 0);
        ++restarts;
        std::this_thread::sleep_for(
            std::chrono::microseconds(std::uniform_int_distribution<int>(0, window_us)(rng)));
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        if (WIFSIGNALED(status))
            ++kills;
        else
            FAIL("the controller exited by itself: status " << status);

        // Every file parses; nothing recorded is lost.
        json now;
        REQUIRE_NOTHROW(now = json::parse(fluxburst::read_file(jobs_path)));
        REQUIRE(now.at("jobs").size() == next_id - 1);
        auto now_marked = marked_jobs(now);
        for (auto id : marked) REQUIRE(now_marked.count(id));
        marked = now_marked;
        if (::access(state_path.c_str(), F_OK) == 0) {
            json state;
            REQUIRE_NOTHROW(state = json::parse(fluxburst::read_file(state_path)));
            std::set<std::string> now_clusters;
            for (const auto& c : state.at("clusters")) {
                now_clusters.insert(c.at("name").get<std::string>());
                for (const auto& id : c.at("jobs")) {
                    // a job a cluster serves was recorded in the jobs file first
                    REQUIRE(marked.count(id.get<fluxburst::JobId>()));
                    clusters_jobs.insert(id.get<fluxburst::JobId>());
                }
            }
            for (const auto& name : clusters) REQUIRE(now_clusters.count(name));
            clusters = now_clusters;
        }
        // no temporary file is left to pile up beyond the one a kill may strand
        int temps = 0;
        for (auto& e : std::filesystem::directory_iterator(dir.path()))
            if (e.path().filename().string().find(".tmp.") != std::string::npos) {
                ++temps;
                std::filesystem::remove(e.path());
            }
        REQUIRE(temps <= 2);
    }
    INFO("kills " << kills << ", marked " << marked.size() << ", clusters " << clusters.size()
                  << ", kill window " << window_us << " us");
    CHECK(kills == rounds);
    CHECK(marked.size() > 0);
    CHECK(clusters.size() > 0);
}
