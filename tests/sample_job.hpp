// Jobs for tests that need a queue: the mock queue's sample burstable job, resized.
#pragma once

#include <cstdint>
#include <fluxburst/queue.hpp>
#include <nlohmann/json.hpp>

namespace test {

/// The mock queue's sample burstable job with another id and node count.
inline nlohmann::json sample_job_of(std::uint64_t id, int nodes) {
    nlohmann::json j = fluxburst::MockQueue::sample_job();
    j["id"] = id;
    j["nnodes"] = nodes;
    return j;
}

}  // namespace test
