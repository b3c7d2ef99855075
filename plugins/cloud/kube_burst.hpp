// Bursting onto a Kubernetes API server through the Flux Operator: what the
// `kubernetes`, `gke` and `eks` plugins share once they know how to reach a cluster.
//
//   cloud::KubeBurstOptions o;                 // namespace, image, topology, cert ...
//   cloud::KubeBurst burst(connection, o, state_update);
//   auto started = burst.run(4);               // a MiniCluster of 4 brokers, running
//   burst.unburst();                           // everything recorded, deleted
//
// Each burst takes a free slot of the topology (a name and hosts the lead declared),
// creates the namespace when missing, a Secret with the CURVE certificate (and munge
// key), and a MiniCluster of `nodes` pods whose brokers join the lead, then waits for
// the pods to run. Every object is recorded through `state` before it is created, so
// a crash or an error half-way leaves it recorded for unburst(), which deletes only
// recorded objects that carry this instance's labels, and waits for the pods to go.
// A burst that does not come up in time is rolled back, with the API's reasons.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <fluxburst/topology.hpp>

#include "flux_operator.hpp"
#include "kube_client.hpp"
#include "kube_minicluster.hpp"

namespace fluxburst::cloud {

/// Where bursts are recorded: a JSON object kept on disk (fluxburst::StateFile).
struct BurstState {
    /// Applies `change` under a lock and writes the state before returning it.
    std::function<nlohmann::json(const std::function<void(nlohmann::json& state)>& change)> update;
    /// The current state ({} when none).
    std::function<nlohmann::json()> read;
};

struct KubeBurstOptions {
    std::string ns = "flux-operator";
    /// MiniCluster fields common to every burst (image, resources, flux options);
    /// name, ns, size, slots, lead, broker config, certificate and labels are filled in.
    MiniClusterSpec minicluster;
    /// The lead and the declared bursts (slots); must be the topology the lead's
    /// setup wrote, or the ranks will not line up.
    topology::Topology topology;
    /// The CURVE certificate text the lead uses.
    std::string curve_cert;
    /// The munge key bytes; "" for none.
    std::string munge_key;
    /// Create the namespace when it does not exist (and delete it on unburst when
    /// this created it and it holds no other MiniCluster).
    bool create_namespace = true;
    std::chrono::milliseconds start_timeout{std::chrono::minutes(10)};
    std::chrono::milliseconds delete_timeout{std::chrono::minutes(5)};
    std::chrono::milliseconds poll_interval{std::chrono::seconds(2)};
    /// The Flux Operator: checked before each burst, installed from its manifest when
    /// absent (api_version is taken from `minicluster`).
    FluxOperatorInstall flux_operator;
    /// The key of the state object under which bursts are recorded.
    std::string state_key = "kubernetes";
    /// Names what bursts (messages): "kubernetes", "gke cluster x".
    std::string label = "kubernetes";
};

/// A burst that failed: what the API said, and whether objects remain recorded.
class KubeBurstError : public fluxburst::Error {
public:
    using fluxburst::Error::Error;
};

class KubeBurst {
public:
    KubeBurst(KubeConnection connection, KubeBurstOptions options, BurstState state);

    /// What run() started.
    struct Started {
        std::string name;  ///< the MiniCluster (and host name prefix)
        std::string ns;
        std::int64_t nodes = 0;
        std::vector<std::string> hosts;  ///< the brokers' host names, in rank order
        nlohmann::json details;          ///< for the report
    };

    /// Starts a burst of `nodes` brokers (1..slot size) in the first free slot and
    /// waits until its pods run. Throws KubeBurstError (API reasons, what remains
    /// recorded), KubeApiError or HttpError.
    Started run(std::int64_t nodes, std::int64_t tasks = 0);

    /// Deletes every recorded burst (or only `name` when not empty) and waits for
    /// its pods to be gone. Tries every burst; throws KubeBurstError listing the
    /// failures (what failed stays recorded). Returns the names removed.
    std::vector<std::string> unburst(const std::string& name = "");

    /// The recorded bursts: {name: record}.
    nlohmann::json recorded() const;
    /// Slots not recorded as in use.
    std::int64_t free_slots() const;
    /// The size of the largest slot.
    std::int64_t slot_size() const;

    KubeClient& client() { return client_; }
    const KubeBurstOptions& options() const { return options_; }

private:
    std::map<std::string, std::string> labels_for(const std::string& burst) const;
    nlohmann::json update(const std::function<void(nlohmann::json& bursts)>& change);
    void rollback(const std::string& name, const std::string& why);
    void delete_burst(const std::string& name, const nlohmann::json& record);
    std::string pods_report(const std::string& name, const std::string& ns, std::int64_t nodes);
    std::int64_t running_pods(const std::string& name, const std::string& ns);
    bool owned(const nlohmann::json& object, const std::string& burst) const;

    KubeClient client_;
    KubeBurstOptions options_;
    BurstState state_;
    std::string broker_config_;
    std::string instance_;
};

}  // namespace fluxburst::cloud
