// `flux-burst setup local`: the lead instance's configuration files for a
// connected burst (bootstrap and resource config, R, the CURVE certificate), written
// with <fluxburst/topology.hpp> from the plugin's Config. (Tested without Flux.)
#pragma once

#include <functional>
#include <string>
#include <utility>

#include <fluxburst/plugin.hpp>

#include "local_config.hpp"

namespace fluxburst::local {

/// Where the burst instance's broker configuration is: <config_dir>/conf.d.
std::string config_path(const std::string& config_dir);

/// The cores (and GPUs, "" when none) of the first node of an R object's text, as
/// `flux R encode --local` prints it. Throws fluxburst::Error.
std::pair<std::string, std::string> cores_from_R(const std::string& R_text);

/// Write the configuration for `config` (config_dir, hostnames, port, bind and
/// connect URIs, curve_cert, cores). Without `config.cores`, each node gets
/// `this_machine()`'s cores and GPUs (called only then, after the other checks).
/// Refuses files an earlier setup wrote unless `request.overwrite`. Throws
/// fluxburst::Error ("local: ..."), naming the parameter to set or the file.
BurstResult write_setup(const Config& config, const SetupRequest& request,
                        const std::function<std::pair<std::string, std::string>()>& this_machine);

}  // namespace fluxburst::local
