#include "setup_files.hpp"

#include <fluxburst/error.hpp>
#include <fluxburst/flux.hpp>
#include <fluxburst/topology.hpp>

#include "templates.hpp"

namespace fluxburst::local {

std::string config_path(const std::string& config_dir) {
    return config_dir + "/conf.d";
}

std::pair<std::string, std::string> cores_from_R(const std::string& R_text) {
    try {
        nlohmann::json R = nlohmann::json::parse(R_text);
        const nlohmann::json& children = R.at("execution").at("R_lite").at(0).at("children");
        return {children.at("core").get<std::string>(), children.value("gpu", "")};
    } catch (const std::exception& e) {
        throw Error("flux R encode --local printed no R (" + std::string(e.what()) +
                    "); give the core ids with cores=0-7");
    }
}

BurstResult write_setup(const Config& config, const SetupRequest& request,
                        const std::function<std::pair<std::string, std::string>()>& this_machine) {
    namespace topo = fluxburst::topology;
    topo::LeadSetup s;
    s.config_dir = config.config_dir;
    if (s.config_dir.empty())
        throw Error("local: setup needs config_dir (where the configuration is written)");
    if (config.hostnames.empty())
        throw Error(
            "local: setup needs hostnames (every host of the instance, rank 0 first, e.g. "
            "node[0-3])");
    s.topology.lead_hosts = flux_protocol::expand_hostlist(config.hostnames);
    s.topology.port = config.port;
    s.topology.bind =
        config.bind_uri.empty() ? "tcp://" + config.network_device + ":%p" : config.bind_uri;
    s.topology.connect = config.connect_uri.empty() ? "tcp://%h:%p" : config.connect_uri;
    s.curve_cert = config.curve_cert;
    s.overwrite = request.overwrite;
    if (config.cores.empty()) {
        auto [cores, gpus] = this_machine();
        s.cores = cores;
        s.gpus = gpus;
    } else {
        s.cores = config.cores;
    }
    topo::LeadSetupResult r;
    try {
        r = topo::write_lead_setup(s);
    } catch (const Error& e) {
        throw Error(std::string("local: ") + e.what());
    }
    const std::string& leader = s.topology.lead_hosts.front();
    // A command for the operator to paste: the path is one shell word.
    std::string start = "flux broker --config-path=" + shell_quote(r.config_path) +
                        " -Sbroker.rc2_none -Sbroker.quorum=1";
    nlohmann::json details = {{"files", r.files},           {"config_path", r.config_path},
                              {"curve_cert", r.curve_cert}, {"hosts", config.hostnames},
                              {"leader", leader},           {"start_leader", start}};
    if (s.topology.bind.rfind("tcp://", 0) == 0)
        details["listen"] = {{"address", leader}, {"port", config.port}};
    return {"wrote the configuration of " + std::to_string(s.topology.lead_hosts.size()) +
                " host(s) into " + s.config_dir + "; start the leader on " + leader +
                " with: " + start,
            details};
}

}  // namespace fluxburst::local
