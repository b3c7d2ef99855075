// Orderings: to which plugins, in which order, a selected job is offered.
//
// An ordering gets the loaded plugins in load order and the job being placed, and
// returns the plugins to offer it to, first choice first. It may leave plugins
// out. These play the role of the Kubernetes Cluster Autoscaler's "expanders".
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <fluxburst/export.hpp>
#include <fluxburst/job.hpp>

namespace fluxburst {

class BurstPlugin;

using Ordering = std::function<std::vector<BurstPlugin*>(const std::vector<BurstPlugin*>& plugins,
                                                         const Job& job)>;

namespace ordering {

/// Load order, every plugin (the default).
FLUXBURST_API Ordering in_order();

/// Highest priority first; ties keep load order. A plugin's priority is its entry
/// in `priorities`, else its own integer parameter "priority" if it declares one,
/// else 0.
FLUXBURST_API Ordering by_priority(std::map<std::string, int> priorities = {});

/// The plugin whose free capacity (BurstPlugin::free_nodes) is closest to the
/// job's node count first; plugins known to be too small are left out; plugins
/// that do not know their capacity come last, in load order.
FLUXBURST_API Ordering least_waste();

/// The names accepted by from_name: "in_order", "priority", "least_waste".
FLUXBURST_API std::vector<std::string> names();

/// An ordering by name; throws fluxburst::Error listing the known names.
FLUXBURST_API Ordering from_name(const std::string& name);

}  // namespace ordering
}  // namespace fluxburst
