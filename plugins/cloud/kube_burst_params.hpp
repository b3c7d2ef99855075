// The parameters every Flux Operator burst plugin shares (kubernetes, gke, eks):
// declared once, typed and documented, and turned into KubeBurstOptions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <fluxburst/params.hpp>
#include <fluxburst/plugin.hpp>
#include <fluxburst/topology.hpp>

#include "kube_burst.hpp"

namespace fluxburst::cloud {

/// Declarations of the shared parameters (append your plugin's own).
fluxburst::ParamSchema kube_burst_parameters();

/// The shared parameters, checked.
struct KubeBurstSettings {
    /// Everything but curve_cert and munge_key (read when a burst starts: setup
    /// writes the certificate first).
    KubeBurstOptions options;
    std::int64_t max_nodes = 0;
    std::int64_t capacity = 0;  ///< nodes the cluster can run in all; 0: unknown
    std::string state_file;
    std::string config_dir;
    std::string curve_cert_path;  ///< "" when neither curve_cert nor config_dir is set
    std::string munge_key_path;
    std::string cores, gpus_per_node;  ///< setup: each burst node's cores and GPUs in R
    std::chrono::milliseconds request_timeout{30000};
};

/// Checks and converts the shared parameters; throws fluxburst::Error naming the
/// parameter and what is accepted. `plugin` names the default state file.
KubeBurstSettings kube_burst_settings(const fluxburst::Params& params, const std::string& plugin);

/// Reads the CURVE certificate (refused unless private to us) and the munge key
/// into settings.options; throws fluxburst::Error naming the file and the fix.
void load_burst_keys(KubeBurstSettings& settings);

/// The lead's setup for these settings (topology::write_lead_setup writes it).
fluxburst::topology::LeadSetup lead_setup(const KubeBurstSettings& settings, bool overwrite);

/// A duration parameter in seconds (above 0, at most a week); throws
/// fluxburst::Error naming `key` otherwise.
std::chrono::milliseconds seconds_param(const fluxburst::Params& params, const std::string& key);

/// The bursts recorded in a plugin's state file ({name: record}; {} when none).
nlohmann::json recorded_bursts(const nlohmann::json& state);
/// The nodes the recorded bursts hold.
std::int64_t nodes_in_use(const nlohmann::json& bursts);
/// The nodes a plugin can still burst, from its state file (no API request): free
/// declared bursts times max_nodes, at most the smaller of the `capacity` parameter
/// and `cluster_max` (each 0: no limit) less the nodes in use; nullopt when the state
/// file cannot be read.
std::optional<std::int64_t> burst_free_nodes(const KubeBurstSettings& settings,
                                             std::int64_t cluster_max = 0);
/// A burst plugin's schedule(): a job of `nodes` fits one burst (1..max_nodes) and
/// the `free` nodes (nullopt: not known, taken as fitting).
bool burst_takes(const KubeBurstSettings& settings, std::optional<std::int64_t> free,
                 std::int64_t nodes);

/// A burst plugin's setup(): writes the lead's setup and says what it wrote, which
/// port to open to `who` (e.g. "the cluster's pods") and how to start the lead.
fluxburst::BurstResult write_burst_lead_setup(const KubeBurstSettings& settings, bool overwrite,
                                              const std::string& who);

}  // namespace fluxburst::cloud
