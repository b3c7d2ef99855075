// The local plugin's configuration: its parameters, and their values parsed and
// checked once into a typed Config. (Tested without Flux.)
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include <fluxburst/params.hpp>

namespace fluxburst::local {

/// The parameters (LocalPlugin::parameters()).
ParamSchema config_schema();

struct Config {
    std::string flux_uri;           ///< the parent instance ("": its parent-uri attribute)
    std::string instance_uri;       ///< the instance to extend ("": FLUX_URI)
    std::string config_dir;         ///< the burst instance's configuration
    std::string hostnames;          ///< hostlist of the instance's hosts, as given
    std::set<std::string> allowed;  ///< hostnames expanded: the hosts a burst may start
    std::int64_t port = 8050;
    std::string network_device = "eth0";
    std::string bind_uri;
    std::string connect_uri;
    std::string curve_cert;
    std::string cores;
    std::string flux_root;
    std::string launch_command;  ///< as given ("": the default launcher)
    std::string launch;          ///< the launch template used (launch_command or the default)
    std::string stop_command;
    double command_timeout = 120;
    double start_timeout = 300;
    std::string state_file;  ///< as given

    bool default_launcher() const { return launch_command.empty(); }
    /// state_file, else <config_dir>/fluxburst-local.json, else "" (state in memory).
    std::string state_path() const;
};

/// The configuration in `params` (validated against config_schema()), checked:
/// port, timeouts, host names, the launch and stop templates. Throws
/// fluxburst::Error with the reason (validate() refuses with it).
Config parse_config(const Params& params);

}  // namespace fluxburst::local
