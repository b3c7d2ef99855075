// The kubernetes plugin: connected bursts onto an existing Kubernetes cluster that
// runs the Flux Operator. Each burst is one MiniCluster whose brokers join this
// Flux instance as the ranks its lead setup pre-declared (see cloud::KubeBurst).
#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include <fluxburst/error.hpp>
#include <fluxburst/flux.hpp>
#include <fluxburst/job.hpp>
#include <fluxburst/plugin.hpp>
#include <fluxburst/state_file.hpp>
#include <fluxburst/topology.hpp>

#include "kube_burst.hpp"
#include "kube_burst_params.hpp"
#include "kube_config.hpp"

namespace {

using fluxburst::BurstResult;
using nlohmann::json;
namespace cloud = fluxburst::cloud;
namespace fp = fluxburst::flux_protocol;

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

class KubernetesPlugin : public fluxburst::BurstPlugin {
public:
    static fluxburst::ParamSchema parameters() {
        using fluxburst::ParamType;
        fluxburst::ParamSchema schema = {
            {"kubeconfig", ParamType::String, "", false,
             "kubeconfig file (default: KUBECONFIG, else ~/.kube/config, else the pod's "
             "service account when running in a pod)"},
            {"context", ParamType::String, "", false,
             "kubeconfig context (default: its current-context)"},
            {"in_cluster", ParamType::Boolean, false, false,
             "use the pod's service account even when a kubeconfig exists"},
            {"exec_timeout", ParamType::Number, 60.0, false,
             "seconds a kubeconfig exec credential plugin may take"},
        };
        for (auto& spec : cloud::kube_burst_parameters()) schema.push_back(std::move(spec));
        return schema;
    }

    std::optional<std::string> validate() override {
        try {
            settings_ = cloud::kube_burst_settings(params(), "kubernetes");
        } catch (const fluxburst::Error& e) {
            return std::string(e.what());
        }
        return std::nullopt;
    }

    bool schedule(const fluxburst::Job& job) override {
        return cloud::burst_takes(settings_, free_nodes(), job.nodes());
    }

    BurstResult run(const fluxburst::BurstRequest& request) override {
        const auto started = burst().run(request.nodes, request.tasks);
        const auto& t = settings_.options.topology;
        return {"MiniCluster " + started.name + " in namespace " + started.ns + ": " +
                    std::to_string(started.nodes) + " broker(s) " +
                    fp::compress_hostlist(started.hosts) + " running, joining the lead at " +
                    t.lead_address + ":" + std::to_string(t.port),
                started.details};
    }

    BurstResult unburst() override {
        const auto removed = burst().unburst();
        if (removed.empty()) return {"nothing to unburst", {{"removed", json::array()}}};
        std::string names;
        for (const auto& n : removed) names += (names.empty() ? "" : ", ") + n;
        return {"deleted burst(s) " + names + " with their pods", {{"removed", removed}}};
    }

    BurstResult setup(const fluxburst::SetupRequest& request) override {
        return cloud::write_burst_lead_setup(settings_, request.overwrite, "the cluster's pods");
    }

    std::optional<std::int64_t> free_nodes() const override {
        // What is in use is in the state file: no API request needed.
        return cloud::burst_free_nodes(settings_);
    }

private:
    cloud::KubeConnection connection() const {
        const auto& p = params();
        const std::string kubeconfig = p.get_string("kubeconfig");
        const char* env = std::getenv("KUBECONFIG");
        const char* home = std::getenv("HOME");
        const bool no_kubeconfig = kubeconfig.empty() && !(env && *env) &&
                                   !(home && exists(std::string(home) + "/.kube/config"));
        cloud::Kubeconfig config;
        if (p.get_bool("in_cluster") || (no_kubeconfig && cloud::in_cluster_available())) {
            config = cloud::in_cluster_config();
        } else {
            cloud::KubeconfigOptions o;
            o.path = kubeconfig;
            o.context = p.get_string("context");
            const double t = p.get_number("exec_timeout");
            if (!(t > 0)) throw fluxburst::Error("parameter exec_timeout must be positive");
            o.exec_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(t * 1000));
            config = cloud::load_kubeconfig(o);
        }
        config.connection.request_timeout = settings_.request_timeout;
        return config.connection;
    }

    cloud::KubeBurst& burst() {
        if (burst_) return *burst_;
        cloud::load_burst_keys(settings_);
        auto state = std::make_shared<fluxburst::StateFile>(settings_.state_file);
        cloud::BurstState store{
            [state](const std::function<void(json&)>& change) { return state->update(change); },
            [state] { return state->read(); }};
        burst_ = std::make_unique<cloud::KubeBurst>(connection(), settings_.options, store);
        return *burst_;
    }

    cloud::KubeBurstSettings settings_;
    std::unique_ptr<cloud::KubeBurst> burst_;
};

}  // namespace

FLUXBURST_PLUGIN(KubernetesPlugin, "kubernetes", "0.1.0",
                 "connected bursts onto a Kubernetes cluster running the Flux Operator (one "
                 "MiniCluster per burst)")
