// Synthetic job queues shaped like real Flux jobs (job-list fields plus "spec"),
// deterministic by seed: half of the jobs burstable, sizes 1 to 64 nodes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bench {

/// Job number `index` of the queue generated from `seed`.
nlohmann::json make_job(std::uint64_t seed, std::size_t index);

/// `count` jobs.
std::vector<nlohmann::json> make_jobs(std::uint64_t seed, std::size_t count);

/// Write `count` jobs as {"jobs": [...]} to `path` (streamed; one line per job).
void write_queue_file(const std::string& path, std::uint64_t seed, std::size_t count);

}  // namespace bench
