// Selectors: which jobs of the queue are candidates for a burst.
#pragma once

#include <cstdint>
#include <functional>

#include <fluxburst/export.hpp>
#include <fluxburst/job.hpp>

namespace fluxburst {

/// Given a job, true when it should burst. A selector may throw; the client then
/// reports the job as skipped and goes on.
using Selector = std::function<bool(const Job& job)>;

namespace selectors {

/// The default: the jobspec has attributes.system.burstable (what
/// `flux submit --setattr=burstable` sets) and the job is not already scheduled for
/// a burst (no attributes.system."burst-scheduled", no fluxburst memo).
FLUXBURST_API Selector burstable();

/// Jobs the default selects that also ask for at least `min` nodes.
FLUXBURST_API Selector burstable_min_nodes(std::int64_t min);

}  // namespace selectors
}  // namespace fluxburst
