// The boot script of a burst VM (its "startup-script" metadata): it writes the
// remote brokers' configuration, installs the shared CURVE certificate readable by
// the Flux user only, and starts `flux broker` under systemd so the VM joins the
// lead instance as its pre-declared rank (found by its host name).
//
// The script is a set of shell functions and a main part; sourcing it with
// FLUXBURST_SOURCE_ONLY=1 defines the functions without running anything (the
// tests run fluxburst_write_files, then the written start-broker script).
#pragma once

#include <string>

namespace fluxburst::compute_engine {

struct StartupScript {
    std::string burst;            ///< burst name (for messages and the unit description)
    std::string config_dir;       ///< where the VM keeps conf.d/, R, curve.cert, start-broker
    std::string flux_root;        ///< Flux install prefix on the VM (<flux_root>/bin/flux)
    std::string flux_user;        ///< the user the broker runs as
    std::string broker_config;    ///< conf.d/bootstrap.toml (the remote brokers' config)
    std::string resource_config;  ///< conf.d/resource.toml
    std::string R;                ///< the R file's text
    std::string curve_cert;       ///< the certificate's text
};

/// The whole script (bash). Throws fluxburst::Error naming the field when a path or
/// the user name is unsafe to place in a shell script or a systemd unit (only
/// letters, digits and "._-/" are accepted; paths must be absolute), or when a file
/// text contains the heredoc delimiter line.
std::string render_startup_script(const StartupScript& s);

/// The name of the systemd unit the script installs.
inline const char* broker_unit_name() {
    return "flux-burst-broker.service";
}

}  // namespace fluxburst::compute_engine
