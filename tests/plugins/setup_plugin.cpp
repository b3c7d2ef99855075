// A test plugin with a setup step, as a cloud plugin has: it writes the lead's
// setup with fluxburst::topology (burst hosts pre-declared, certificate) and says
// which address and port must be reachable.
#include <fluxburst/flux.hpp>
#include <fluxburst/plugin.hpp>
#include <fluxburst/topology.hpp>

namespace {
namespace topo = fluxburst::topology;

class LeadSetupPlugin : public fluxburst::BurstPlugin {
public:
    static fluxburst::ParamSchema parameters() {
        using fluxburst::ParamType;
        return {{"config_dir", ParamType::String, nullptr, true, "where setup writes"},
                {"lead_hosts", ParamType::String, nullptr, true, "the lead's hosts (hostlist)"},
                {"address", ParamType::String, "127.0.0.1", false, "rank 0's public address"},
                {"port", ParamType::Integer, 8050, false, "rank 0's port"},
                {"bursts", ParamType::Integer, 1, false, "bursts to pre-declare"},
                {"burst_size", ParamType::Integer, 2, false, "hosts per burst"}};
    }
    bool schedule(const fluxburst::Job&) override { return false; }
    fluxburst::BurstResult run(const fluxburst::BurstRequest&) override { return {"nothing", {}}; }
    fluxburst::BurstResult setup(const fluxburst::SetupRequest& request) override {
        const auto& p = params();
        topo::LeadSetup s;
        s.config_dir = p.get_string("config_dir");
        s.topology.lead_hosts =
            fluxburst::flux_protocol::expand_hostlist(p.get_string("lead_hosts"));
        s.topology.lead_address = p.get_string("address");
        s.topology.port = p.get_int("port");
        std::string tag =
            topo::instance_tag(s.topology.lead_address + ":" + std::to_string(s.topology.port));
        s.topology.bursts =
            topo::declare_bursts("burst", tag, p.get_int("bursts"), p.get_int("burst_size"));
        s.overwrite = request.overwrite;
        topo::LeadSetupResult r = topo::write_lead_setup(s);
        return {"wrote the lead's setup into " + s.config_dir,
                {{"files", r.files},
                 {"listen", {{"address", s.topology.lead_address}, {"port", s.topology.port}}}}};
    }
};
}  // namespace

FLUXBURST_PLUGIN(LeadSetupPlugin, "leadsetup", "0.1.0", "test plugin with a lead setup step")
