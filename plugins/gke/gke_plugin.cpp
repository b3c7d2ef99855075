// The gke plugin: connected bursts onto a Google Kubernetes Engine cluster. It uses
// the named cluster or creates it, with a node pool sized for the bursts (grown with
// setSize for later ones), then bursts onto its Kubernetes API server as the
// kubernetes plugin does (cloud::KubeBurst: one MiniCluster per burst whose brokers
// join this instance), authenticated with Google access tokens. unburst() gives back
// in reverse order: the MiniClusters, then the node pool and the cluster it created.
#include <memory>
#include <optional>
#include <string>

#include <fluxburst/error.hpp>
#include <fluxburst/flux.hpp>
#include <fluxburst/job.hpp>
#include <fluxburst/plugin.hpp>
#include <fluxburst/state_file.hpp>

#include "cluster_unburst.hpp"
#include "gke_clusters.hpp"
#include "gke_lifecycle.hpp"
#include "gke_params.hpp"
#include "google_api.hpp"
#include "google_auth.hpp"
#include "kube_burst.hpp"
#include "kube_burst_params.hpp"

namespace {

using fluxburst::BurstResult;
using fluxburst::Error;
using nlohmann::json;
namespace cloud = fluxburst::cloud;
namespace gke = fluxburst::gke;
namespace fp = fluxburst::flux_protocol;

class GkePlugin : public fluxburst::BurstPlugin {
public:
    static fluxburst::ParamSchema parameters() {
        fluxburst::ParamSchema schema = gke::google_parameters();
        for (auto& spec : cloud::kube_burst_parameters()) schema.push_back(std::move(spec));
        return schema;
    }

    std::optional<std::string> validate() override {
        try {
            settings_ = cloud::kube_burst_settings(params(), "gke");
            settings_.options.label = "gke";
            google_ = gke::google_settings(params());
            cluster_ = gke::cluster_options(params());
            if (cluster_.max_nodes < settings_.max_nodes)
                return "pool_max_nodes=" + std::to_string(cluster_.max_nodes) +
                       " is less than max_nodes=" + std::to_string(settings_.max_nodes) +
                       " (the largest burst): raise pool_max_nodes";
            google_.auth.timeout = settings_.request_timeout;
            auth_ = std::make_shared<cloud::GoogleAuth>(google_.auth);  // the file is read here
            if (google_.project.empty()) google_.project = auth_->project_id();
            if (google_.project.empty())
                return "no project: set the project parameter (the credentials name none)";
        } catch (const fluxburst::Error& e) {
            return std::string(e.what());
        }
        return std::nullopt;
    }

    bool schedule(const fluxburst::Job& job) override {
        return cloud::burst_takes(settings_, free_nodes(), job.nodes());
    }

    std::optional<std::int64_t> free_nodes() const override {
        return cloud::burst_free_nodes(settings_, cluster_.max_nodes);
    }

    BurstResult run(const fluxburst::BurstRequest& request) override {
        auto state = state_file();
        // The pool holds every burst's pods: the ones running and this one.
        const std::int64_t total =
            cloud::nodes_in_use(cloud::recorded_bursts(state->read())) + request.nodes;
        cloud::GoogleApiClient api = google_api();
        gke::GkeLocation location(api, google_.project, google_.location);
        gke::ClusterLifecycle life = lifecycle(location, state);
        gke::ClusterAccess access = life.ensure(total);
        cloud::KubeBurst burst = kube_burst(access, state);
        const auto started = burst.run(request.nodes, request.tasks);
        const auto& t = settings_.options.topology;
        json details = started.details;
        details["gke"] = access.details;
        return {"MiniCluster " + started.name + " on GKE cluster " + cluster_.cluster + " (" +
                    google_.project + "/" + google_.location + ", node pool " + cluster_.pool.name +
                    " of " + std::to_string(access.details.value("pool_nodes", total)) +
                    " nodes): " + std::to_string(started.nodes) + " broker(s) " +
                    fp::compress_hostlist(started.hosts) + " running, joining the lead at " +
                    t.lead_address + ":" + std::to_string(t.port),
                details};
    }

    BurstResult unburst() override {
        auto state = state_file();
        cloud::GoogleApiClient api = google_api();
        gke::GkeLocation location(api, google_.project, google_.location);
        gke::ClusterLifecycle life = lifecycle(location, state);
        return cloud::unburst_cluster(
            "gke", *state,
            [&]() -> std::optional<cloud::KubeBurst> {
                auto access = life.access();
                if (!access) return std::nullopt;
                return kube_burst(*access, state);
            },
            [&] { return life.release(); });
    }

    BurstResult setup(const fluxburst::SetupRequest& request) override {
        return cloud::write_burst_lead_setup(settings_, request.overwrite,
                                             "the GKE nodes (their external or NAT addresses)");
    }

private:
    std::shared_ptr<fluxburst::StateFile> state_file() const {
        return std::make_shared<fluxburst::StateFile>(settings_.state_file);
    }

    cloud::GoogleApiClient google_api() const {
        return cloud::GoogleApiClient(*auth_, google_.gke_endpoint, google_.auth.ca_pem,
                                      settings_.request_timeout);
    }

    gke::ClusterLifecycle lifecycle(gke::GkeLocation& location,
                                    const std::shared_ptr<fluxburst::StateFile>& state) const {
        return gke::ClusterLifecycle(
            location, cluster_,
            [state](const std::function<void(json&)>& change) { return state->update(change); });
    }

    cloud::KubeBurst kube_burst(const gke::ClusterAccess& access,
                                const std::shared_ptr<fluxburst::StateFile>& state) {
        cloud::load_burst_keys(settings_);
        auto auth = auth_;
        cloud::KubeConnection connection = cloud::KubeConnection::with_token(
            access.endpoint, access.ca_pem, [auth] { return auth->access_token(); },
            "gke cluster " + cluster_.cluster + " in " + google_.project + "/" + google_.location);
        connection.forget_credentials = [auth] { auth->invalidate(); };
        connection.request_timeout = settings_.request_timeout;
        cloud::BurstState store{
            [state](const std::function<void(json&)>& change) { return state->update(change); },
            [state] { return state->read(); }};
        return cloud::KubeBurst(connection, settings_.options, store);
    }

    cloud::KubeBurstSettings settings_;
    gke::GoogleSettings google_;
    gke::ClusterOptions cluster_;
    std::shared_ptr<cloud::GoogleAuth> auth_;
};

}  // namespace

FLUXBURST_PLUGIN(GkePlugin, "gke", "0.1.0",
                 "connected bursts onto Google Kubernetes Engine: the cluster and a node pool "
                 "created or grown as needed, one MiniCluster per burst")
