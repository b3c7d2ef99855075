#include "cluster_unburst.hpp"

#include <fluxburst/error.hpp>

#include "kube_burst_params.hpp"

namespace fluxburst::cloud {

fluxburst::BurstResult unburst_cluster(const std::string& plugin, fluxburst::StateFile& state,
                                       const std::function<std::optional<KubeBurst>()>& burst,
                                       const std::function<std::vector<ReleaseStep>()>& release) {
    nlohmann::json steps = nlohmann::json::array();
    bool failed = false;
    std::string summary;
    auto add = [&](const ReleaseStep& step) {
        steps.push_back({{"step", step.what}, {"ok", step.ok}, {"message", step.message}});
        failed = failed || !step.ok;
        summary += (summary.empty() ? "" : "; ") + step.what + ": " + (step.ok ? "" : "FAILED: ") +
                   step.message;
    };
    // 1. The MiniClusters, through the cluster's API server while it exists.
    if (!recorded_bursts(state.read()).empty()) {
        try {
            std::optional<KubeBurst> onto = burst();
            if (!onto) {
                state.update([](nlohmann::json& s) { s.erase("kubernetes"); });
                add({"MiniClusters", true, "the cluster is gone, and its MiniClusters with it"});
            } else {
                std::string names;
                for (const auto& n : onto->unburst()) names += (names.empty() ? "" : ", ") + n;
                add({"MiniClusters", true, "deleted " + names});
            }
        } catch (const std::exception& e) {
            add({"MiniClusters", false, e.what()});
        }
    }
    // 2. What the plugin made in the cloud, each step tried whatever happened before.
    for (const ReleaseStep& step : release()) add(step);
    if (failed)
        throw Error(plugin + ": unburst incomplete (what failed stays recorded in " + state.path() +
                    "; unburst again to finish): " + summary);
    if (steps.empty()) return {"nothing to unburst", {{"steps", steps}}};
    return {summary, {{"steps", steps}}};
}

}  // namespace fluxburst::cloud
