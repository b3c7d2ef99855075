// Synthetic job queues shaped like real Flux jobs (job-list fields plus "spec"),
// deterministic by seed: by default half of the jobs burstable, sizes 1 to 64
// nodes, about 1 KB each. "Tiny" jobs hold only what a selector and a plugin read
// (about 200 bytes), one node each.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bench {

/// What a generated queue looks like.
struct Shape {
    int burstable_percent = 50;  ///< share of jobs with attributes.system.burstable
    bool tiny = false;           ///< minimal one-node jobs
};

/// Job number `index` of the queue generated from `seed`.
nlohmann::json make_job(std::uint64_t seed, std::size_t index, const Shape& shape = {});

/// `count` jobs.
std::vector<nlohmann::json> make_jobs(std::uint64_t seed, std::size_t count,
                                      const Shape& shape = {});

/// Write `count` jobs as {"jobs": [...]} to `path` (streamed; one line per job).
void write_queue_file(const std::string& path, std::uint64_t seed, std::size_t count,
                      const Shape& shape = {});

}  // namespace bench
