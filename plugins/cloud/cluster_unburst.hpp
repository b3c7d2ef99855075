// unburst() of a plugin that made or grew the cluster it bursts onto (gke, eks):
// first the MiniClusters, through the cluster's API server while the cluster exists,
// then what the plugin created or changed in the cloud, in reverse order. Every step
// is tried whatever happened to the ones before, and each is reported.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <fluxburst/plugin.hpp>
#include <fluxburst/state_file.hpp>

#include "kube_burst.hpp"

namespace fluxburst::cloud {

/// One step of giving back: what, and how it went.
struct ReleaseStep {
    std::string what;
    bool ok = true;
    std::string message;
};

/// The MiniClusters recorded in `state` are deleted through `burst()` (nullopt: the
/// cluster is gone, and they with it: their record is dropped); then the steps of
/// `release()` are taken. Returns the steps as the report; throws fluxburst::Error
/// naming `plugin`, every step and the state file when one failed (what failed stays
/// recorded there for the next unburst).
fluxburst::BurstResult unburst_cluster(const std::string& plugin, fluxburst::StateFile& state,
                                       const std::function<std::optional<KubeBurst>()>& burst,
                                       const std::function<std::vector<ReleaseStep>()>& release);

}  // namespace fluxburst::cloud
