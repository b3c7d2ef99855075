#include "node_plan.hpp"

#include <algorithm>

#include "templates.hpp"

namespace fluxburst::local {

std::vector<std::int64_t> startable_ranks(const ResourceStatus& status,
                                          const std::set<std::string>& allowed,
                                          const std::set<std::int64_t>& starting) {
    std::vector<std::int64_t> out;
    for (std::int64_t rank : status.down) {
        if (starting.count(rank)) continue;
        // A drained node that is online gains nothing from a new broker.
        if (status.have_offline &&
            !std::binary_search(status.offline.begin(), status.offline.end(), rank))
            continue;
        if (!is_host_name(status.host(rank))) continue;  // no host a command could reach
        if (!allowed.empty() && !allowed.count(status.host(rank))) continue;
        out.push_back(rank);
    }
    return out;
}

Plan plan(const ResourceStatus& status, std::int64_t wanted, const std::set<std::string>& allowed,
          const std::set<std::int64_t>& starting) {
    Plan p;
    p.wanted = wanted;
    p.free = status.free_nodes();
    for (std::int64_t r : starting)
        if (std::binary_search(status.down.begin(), status.down.end(), r)) ++p.starting;
    p.needed = std::max<std::int64_t>(0, wanted - p.free - p.starting);
    if (p.needed == 0) return p;
    std::vector<std::int64_t> can = startable_ranks(status, allowed, starting);
    std::size_t take = std::min<std::size_t>(can.size(), static_cast<std::size_t>(p.needed));
    p.ranks.assign(can.begin(), can.begin() + static_cast<std::ptrdiff_t>(take));
    p.short_by = p.needed - static_cast<std::int64_t>(take);
    return p;
}

}  // namespace fluxburst::local
