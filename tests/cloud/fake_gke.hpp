// A fake GKE API (container.googleapis.com/v1, HTTPS, in-process) for the gke
// plugin's tests: clusters and node pools that are PROVISIONING, then RUNNING, as
// they are polled; deletions that take a poll or two; operations; request bodies
// checked against the trimmed discovery document; failures on demand (a cluster
// that ends in ERROR, an HTTP error for the next call of a kind, a stall).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fake_google_api.hpp"

namespace test {

class FakeGke : public FakeGoogleApi {
public:
    /// Serves HTTPS with `server` (a certificate from test_tls).
    explicit FakeGke(const TlsIdentity& server);

    /// "https://127.0.0.1:PORT/v1"
    std::string endpoint() const { return url() + "/v1"; }

    /// What clusters report as endpoint and CA (the fake Kubernetes API server).
    void set_cluster_endpoint(const std::string& host_port, const std::string& ca_pem);
    /// Add a cluster that exists already (RUNNING), with one pool `pool` of `nodes`.
    void add_cluster(const std::string& location, const std::string& name, const std::string& pool,
                     int nodes);
    /// Clusters created from now on end in `status` (ERROR, DEGRADED) with `message`.
    void fail_clusters(const std::string& status, const std::string& message);
    /// Nothing advances (provisioning, deletions, operations) while set.
    void stall(bool stall);

    /// "location/cluster" -> the stored cluster.
    std::map<std::string, nlohmann::json> clusters() const;

private:
    struct Operation {
        std::string location, type, cluster, pool;
        int polls = 0;
        bool done = false;
    };
    void serve(const httplib::Request& req, httplib::Response& res) override;
    void tick(const std::string& key);
    nlohmann::json op_json(const std::string& name, const Operation& op) const;

    std::string cluster_endpoint_, cluster_ca_b64_;
    std::string fail_status_, fail_message_;
    bool stall_ = false;
    int next_op_ = 0;
    std::map<std::string, nlohmann::json> clusters_;
    std::map<std::string, int> ticks_;  // "location/cluster[/pool]" -> polls seen
    std::map<std::string, Operation> operations_;
};

}  // namespace test
