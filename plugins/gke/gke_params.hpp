// The gke plugin's Google parameters: declared once (names, types, defaults, help),
// and turned into the cluster options with every value checked at load, so that a
// typo is refused before anything is created.
#pragma once

#include <string>

#include <fluxburst/params.hpp>

#include "gke_lifecycle.hpp"
#include "google_auth.hpp"

namespace fluxburst::gke {

/// The Google side's parameters (project, location, credentials, cluster, node
/// pool, timeouts).
ParamSchema google_parameters();

/// Where the Google side talks to and with which credentials.
struct GoogleSettings {
    std::string project;  ///< "" = the service account key's
    std::string location;
    std::string gke_endpoint;
    cloud::GoogleAuthOptions auth;
};

/// The settings and cluster options from validated parameters. Throws
/// fluxburst::Error naming the parameter and what is wrong with it.
GoogleSettings google_settings(const Params& params);
ClusterOptions cluster_options(const Params& params);

/// A GKE cluster or node pool name: 1-40 lower-case letters, digits and '-',
/// starting with a letter, not ending with '-'. Throws fluxburst::Error naming `key`.
void check_gke_name(const std::string& key, const std::string& value);

}  // namespace fluxburst::gke
