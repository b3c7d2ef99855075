#include "local_config.hpp"

#include <fluxburst/error.hpp>
#include <fluxburst/flux.hpp>

#include "templates.hpp"

namespace fluxburst::local {

ParamSchema config_schema() {
    return {
        {"flux_uri", ParamType::String, "", false,
         "the parent instance the default launcher submits the brokers to (default: the "
         "instance's parent-uri attribute)"},
        {"instance_uri", ParamType::String, "", false,
         "the instance to extend, whose down nodes get brokers (default: FLUX_URI)"},
        {"config_dir", ParamType::String, "", false,
         "the burst instance's configuration: conf.d/ (bootstrap, resource), R, curve.cert"},
        {"hostnames", ParamType::String, "", false,
         "hostlist of the instance's hosts, rank 0 first: what flux-burst setup writes; a "
         "burst "
         "starts "
         "brokers only on these (default: any down host)"},
        {"port", ParamType::Integer, 8050, false, "setup: the brokers' TCP port"},
        {"network_device", ParamType::String, "eth0", false,
         "setup: the interface brokers bind to"},
        {"bind_uri", ParamType::String, "", false,
         "setup: the brokers' bind URI (default tcp://<network_device>:%p; %h host, %p port)"},
        {"connect_uri", ParamType::String, "", false,
         "setup: the URI brokers connect to (default tcp://%h:%p)"},
        {"curve_cert", ParamType::String, "", false,
         "an existing CURVE certificate (default: setup generates <config_dir>/curve.cert)"},
        {"cores", ParamType::String, "", false,
         "setup: the core ids of each node in R, e.g. 0-7 (default: this machine's, "
         "flux R encode --local)"},
        {"flux_root", ParamType::String, "", false,
         "the Flux install prefix; <flux_root>/bin/flux is run (default: flux on PATH)"},
        {"launch_command", ParamType::String, "", false,
         "shell command template that starts brokers (default: a job in the parent instance); "
         "see the README for the placeholders"},
        {"stop_command", ParamType::String, "", false,
         "shell command template that stops what launch_command started (default: disconnect "
         "the brokers from the instance, and cancel the default launcher's job)"},
        {"command_timeout", ParamType::Number, 120.0, false,
         "seconds a launch or stop command may take"},
        {"start_timeout", ParamType::Number, 300.0, false,
         "seconds after a launch before a host still down counts as failed and may be "
         "launched again"},
        {"state_file", ParamType::String, "", false,
         "where launched brokers are recorded for unburst (default "
         "<config_dir>/fluxburst-local.json)"},
    };
}

std::string Config::state_path() const {
    if (!state_file.empty()) return state_file;
    if (!config_dir.empty()) return config_dir + "/fluxburst-local.json";
    return "";
}

Config parse_config(const Params& p) {
    Config c;
    c.flux_uri = p.get_string("flux_uri");
    c.instance_uri = p.get_string("instance_uri");
    c.config_dir = p.get_string("config_dir");
    c.hostnames = p.get_string("hostnames");
    c.network_device = p.get_string("network_device");
    c.bind_uri = p.get_string("bind_uri");
    c.connect_uri = p.get_string("connect_uri");
    c.curve_cert = p.get_string("curve_cert");
    c.cores = p.get_string("cores");
    c.flux_root = p.get_string("flux_root");
    c.launch_command = p.get_string("launch_command");
    c.stop_command = p.get_string("stop_command");
    c.state_file = p.get_string("state_file");
    c.port = p.get_int("port");
    if (c.port < 1 || c.port > 65535)
        throw Error("port must be in 1-65535, got " + std::to_string(c.port));
    c.command_timeout = p.get_number("command_timeout");
    if (c.command_timeout <= 0) throw Error("command_timeout must be positive");
    c.start_timeout = p.get_number("start_timeout");
    if (c.start_timeout <= 0) throw Error("start_timeout must be positive");
    if (!c.hostnames.empty()) {
        for (const auto& h : flux_protocol::expand_hostlist(c.hostnames)) {
            if (!is_host_name(h))
                throw Error("hostnames: '" + h +
                            "' is not a host name (letters, digits, '.', '-', '_')");
            c.allowed.insert(h);
        }
    }
    c.launch = c.launch_command.empty() ? default_launch_command : c.launch_command;
    placeholders_in(c.launch, launch_placeholders(), "launch_command");
    if (!c.stop_command.empty())
        placeholders_in(c.stop_command, stop_placeholders(), "stop_command");
    return c;
}

}  // namespace fluxburst::local
