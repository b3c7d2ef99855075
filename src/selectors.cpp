#include <fluxburst/selectors.hpp>

#include <fluxburst/job.hpp>

namespace fluxburst::selectors {

Selector burstable() {
    return
        [](const nlohmann::json& job) { return job_is_burstable(job) && !job_burst_plugin(job); };
}

Selector burstable_min_nodes(std::int64_t min) {
    return [min](const nlohmann::json& job) {
        return job_is_burstable(job) && !job_burst_plugin(job) && job_nodes(job) >= min;
    };
}

}  // namespace fluxburst::selectors
