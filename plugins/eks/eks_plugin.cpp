// The eks plugin: connected bursts onto an Amazon EKS cluster. It uses the named
// cluster or creates it, with a managed node group sized for the bursts (grown for
// later ones), then bursts onto its Kubernetes API server as the kubernetes plugin
// does (cloud::KubeBurst: one MiniCluster per burst whose brokers join this
// instance), authenticated with EKS tokens. unburst() gives back in reverse order:
// the MiniClusters, then the node group and the cluster it created.
#include <memory>
#include <optional>
#include <string>

#include <fluxburst/error.hpp>
#include <fluxburst/flux.hpp>
#include <fluxburst/job.hpp>
#include <fluxburst/plugin.hpp>
#include <fluxburst/state_file.hpp>

#include "aws_credentials.hpp"
#include "aws_eks_api.hpp"
#include "aws_eks_token.hpp"
#include "base64.hpp"
#include "cluster_unburst.hpp"
#include "eks_cluster.hpp"
#include "eks_params.hpp"
#include "kube_burst.hpp"
#include "kube_burst_params.hpp"
#include "local_file.hpp"

namespace {

using fluxburst::BurstResult;
using fluxburst::Error;
using nlohmann::json;
namespace cloud = fluxburst::cloud;
namespace eks = fluxburst::eks;
namespace fp = fluxburst::flux_protocol;

class EksPlugin : public fluxburst::BurstPlugin {
public:
    static fluxburst::ParamSchema parameters() {
        fluxburst::ParamSchema schema = eks::aws_parameters();
        schema.push_back({"api_server", fluxburst::ParamType::String, "", false,
                          "Kubernetes API URL to use instead of the cluster's endpoint (a tunnel "
                          "or proxy to a private endpoint)"});
        schema.push_back({"api_ca_file", fluxburst::ParamType::String, "", false,
                          "CA (PEM file) of api_server (default: the cluster's CA)"});
        for (auto& spec : cloud::kube_burst_parameters()) schema.push_back(std::move(spec));
        return schema;
    }

    std::optional<std::string> validate() override {
        try {
            settings_ = cloud::kube_burst_settings(params(), "eks");
            settings_.options.label = "eks";
            aws_ = eks::aws_settings(params());
            cluster_ = eks::cluster_options(params());
            if (cluster_.max_size < settings_.max_nodes)
                return "nodegroup_max_size=" + std::to_string(cluster_.max_size) +
                       " is less than max_nodes=" + std::to_string(settings_.max_nodes) +
                       " (the largest burst): raise nodegroup_max_size";
            credentials_ = cloud::load_aws_credentials(aws_.profile);
            api_server_ = params().get_string("api_server");
            const std::string ca_file = params().get_string("api_ca_file");
            if (!api_server_.empty() && api_server_.rfind("https://", 0) != 0)
                return "api_server must be an https:// URL, got '" + api_server_ + "'";
            if (!ca_file.empty())
                api_ca_ = cloud::read_local_file(ca_file, 1u << 20, "api_ca_file");
        } catch (const fluxburst::Error& e) {
            return std::string(e.what());
        }
        return std::nullopt;
    }

    bool schedule(const fluxburst::Job& job) override {
        return cloud::burst_takes(settings_, free_nodes(), job.nodes());
    }

    std::optional<std::int64_t> free_nodes() const override {
        return cloud::burst_free_nodes(settings_, cluster_.max_size);
    }

    BurstResult run(const fluxburst::BurstRequest& request) override {
        auto state = state_file();
        // The node group holds every burst's pods: the ones running and this one.
        const std::int64_t total =
            cloud::nodes_in_use(cloud::recorded_bursts(state->read())) + request.nodes;
        auto eks_api = api();  // outlives `life`, which refers to it
        eks::ClusterLifecycle life = lifecycle(*eks_api, state);
        eks::ClusterAccess access = life.ensure(total);
        cloud::KubeBurst burst = kube_burst(access, state);
        const auto started = burst.run(request.nodes, request.tasks);
        const auto& t = settings_.options.topology;
        json details = started.details;
        details["eks"] = access.details;
        return {"MiniCluster " + started.name + " on EKS cluster " + cluster_.cluster + " (" +
                    aws_.region + ", node group " + cluster_.nodegroup + " of " +
                    std::to_string(access.details.value("desired_nodes", total)) +
                    " nodes): " + std::to_string(started.nodes) + " broker(s) " +
                    fp::compress_hostlist(started.hosts) + " running, joining the lead at " +
                    t.lead_address + ":" + std::to_string(t.port),
                details};
    }

    BurstResult unburst() override {
        auto state = state_file();
        auto eks_api = api();
        eks::ClusterLifecycle life = lifecycle(*eks_api, state);
        return cloud::unburst_cluster(
            "eks", *state,
            [&]() -> std::optional<cloud::KubeBurst> {
                auto access = life.access();
                if (!access) return std::nullopt;
                return kube_burst(*access, state);
            },
            [&] { return life.release(); });
    }

    BurstResult setup(const fluxburst::SetupRequest& request) override {
        return cloud::write_burst_lead_setup(settings_, request.overwrite,
                                             "the EKS node group's nodes (their egress addresses)");
    }

private:
    std::shared_ptr<fluxburst::StateFile> state_file() const {
        return std::make_shared<fluxburst::StateFile>(settings_.state_file);
    }

    std::unique_ptr<cloud::EksApi> api() const {
        auto a = std::make_unique<cloud::EksApi>(credentials_, aws_.region, aws_.eks_endpoint);
        a->request_timeout = settings_.request_timeout;
        return a;
    }

    eks::ClusterLifecycle lifecycle(cloud::EksApi& eks_api,
                                    const std::shared_ptr<fluxburst::StateFile>& state) const {
        return eks::ClusterLifecycle(
            eks_api, cluster_,
            [state](const std::function<void(json&)>& change) { return state->update(change); });
    }

    cloud::KubeBurst kube_burst(const eks::ClusterAccess& access,
                                const std::shared_ptr<fluxburst::StateFile>& state) {
        cloud::load_burst_keys(settings_);
        std::string server = api_server_.empty() ? access.endpoint : api_server_;
        std::string ca = api_ca_;
        if (api_server_.empty() || ca.empty()) {
            std::optional<std::string> pem = cloud::base64_decode(access.ca_data);
            if (!pem || pem->empty())
                throw Error("eks: cluster " + cluster_.cluster +
                            " has no readable certificateAuthority.data");
            ca = *pem;
        }
        auto tokens = std::make_shared<cloud::EksTokenSource>(credentials_, aws_.region,
                                                              cluster_.cluster, aws_.sts_endpoint);
        cloud::KubeConnection connection = cloud::KubeConnection::with_token(
            server, ca, [tokens] { return tokens->token(); },
            "eks cluster " + cluster_.cluster + " in " + aws_.region);
        connection.request_timeout = settings_.request_timeout;
        cloud::BurstState store{
            [state](const std::function<void(json&)>& change) { return state->update(change); },
            [state] { return state->read(); }};
        return cloud::KubeBurst(connection, settings_.options, store);
    }

    cloud::KubeBurstSettings settings_;
    eks::AwsSettings aws_;
    eks::ClusterOptions cluster_;
    cloud::AwsCredentials credentials_;
    std::string api_server_, api_ca_;
};

}  // namespace

FLUXBURST_PLUGIN(EksPlugin, "eks", "0.1.0",
                 "connected bursts onto Amazon EKS: the cluster and a managed node group "
                 "created or grown as needed, one MiniCluster per burst")
