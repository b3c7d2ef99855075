#include <fluxburst/selectors.hpp>

#include <fluxburst/job.hpp>

#include "selector_summary.hpp"

namespace fluxburst {

namespace {

// The built-in selectors are named types so that summary_filter() can find them
// inside a Selector (std::function::target).
struct Burstable {
    bool operator()(const Job& job) const { return job.burstable() && !job.burst_scheduled(); }
};

struct BurstableMinNodes {
    std::int64_t min = 0;
    bool operator()(const Job& job) const { return Burstable{}(job) && job.nodes() >= min; }
};

bool burstable_summary(const JobSummary& s) {
    return s.burstable && !s.burst_scheduled;
}

}  // namespace

namespace selectors {

Selector burstable() {
    return Burstable{};
}

Selector burstable_min_nodes(std::int64_t min) {
    return BurstableMinNodes{min};
}

}  // namespace selectors

namespace detail {

JobWanted summary_filter(const Selector& selector) {
    if (selector.target<Burstable>() || selector.target<BurstableMinNodes>())
        return burstable_summary;
    return nullptr;
}

bool is_default_selector(const Selector& selector) {
    return selector.target<Burstable>() != nullptr;
}

}  // namespace detail

}  // namespace fluxburst
