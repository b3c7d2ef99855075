// Which of the instance's nodes a local burst starts. (Tested without Flux.)
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <fluxburst/flux.hpp>

namespace fluxburst::local {

/// Ranks a burst may start: down (and offline, when known) ranks whose hosts are
/// in `allowed` (all when empty), minus `starting` (launched, not up yet) and
/// minus ranks without a usable host name (is_host_name).
std::vector<std::int64_t> startable_ranks(const ResourceStatus& status,
                                          const std::set<std::string>& allowed,
                                          const std::set<std::int64_t>& starting);

/// What run() decides for a burst of `wanted` nodes.
struct Plan {
    std::int64_t wanted = 0;          ///< nodes the largest job (or the request) needs
    std::int64_t free = 0;            ///< nodes free now
    std::int64_t starting = 0;        ///< nodes launched earlier that are not up yet
    std::int64_t needed = 0;          ///< wanted - free - starting (0 when enough)
    std::vector<std::int64_t> ranks;  ///< ranks to start now (at most `needed`)
    std::int64_t short_by = 0;        ///< needed nodes nothing can provide
};
Plan plan(const ResourceStatus& status, std::int64_t wanted, const std::set<std::string>& allowed,
          const std::set<std::int64_t>& starting);

}  // namespace fluxburst::local
