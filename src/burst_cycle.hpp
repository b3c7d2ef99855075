// One burst cycle: read and place, mark, run (private to the library).
#pragma once

#include <vector>

#include <fluxburst/ordering.hpp>
#include <fluxburst/plugin.hpp>
#include <fluxburst/queue.hpp>
#include <fluxburst/report.hpp>
#include <fluxburst/selectors.hpp>

namespace fluxburst::detail {

/// Read `queue`, offer each job `selector` picks to `plugins` in the order
/// `ordering` gives, and, with `commit`, mark the accepted jobs in the queue (all
/// or none: a QueueError leaves nothing marked and runs nothing) and run every
/// plugin that accepted some, in the order of `plugins`.
BurstReport run_cycle(JobQueue& queue, const std::vector<BurstPlugin*>& plugins,
                      const Selector& selector, const Ordering& ordering, bool commit);

}  // namespace fluxburst::detail
