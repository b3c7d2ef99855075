#include <fluxburst/selectors.hpp>

#include <fluxburst/job.hpp>

namespace fluxburst::selectors {

Selector burstable() {
    return [](const Job& job) { return job.burstable() && !job.burst_scheduled(); };
}

Selector burstable_min_nodes(std::int64_t min) {
    return [min](const Job& job) {
        return job.burstable() && !job.burst_scheduled() && job.nodes() >= min;
    };
}

}  // namespace fluxburst::selectors
