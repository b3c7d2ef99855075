// A fake Kubernetes API server for the tests: HTTPS on 127.0.0.1 with the test CA,
// bearer-token and client-certificate authentication, Kubernetes Status error
// bodies, the endpoints the kubernetes plugin uses, and a simulated Flux Operator:
// every MiniCluster gets `spec.size` pods, Pending then Running after a delay (or
// stuck, on request), deleted with their MiniCluster after a delay.
//
// Every MiniCluster it receives is validated against the CRD schema of its API
// version (read from the Flux Operator CRD files); an invalid one is refused with
// 422 Invalid naming each problem (unknown fields included) and logged.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crd_schema.hpp"
#include "https_server.hpp"
#include "test_tls.hpp"

namespace test {

class FakeKube {
public:
    /// crd_files: the MiniCluster CRDs whose versions are served.
    explicit FakeKube(const std::vector<std::string>& crd_files);
    /// The two MiniCluster CRD files (v1alpha2, v1alpha1) in `dir`.
    static std::vector<std::string> flux_operator_crds(const std::string& dir);
    ~FakeKube();

    /// Serves on a free port (or the port it had, after stop()).
    void start();
    /// Stops serving: the "API server going away". State is kept.
    void stop();
    std::string url() const;
    const TlsIdentity& ca() const { return ca_; }

    // ---- authentication and authorization ----
    /// A bearer token that authenticates as `user`.
    void add_token(const std::string& token, const std::string& user);
    /// The token no longer authenticates (revoked, expired).
    void remove_token(const std::string& token);
    /// Bearer tokens not added with add_token are given to `check`, which returns
    /// the user they authenticate as, "" to refuse them (tokens made per request,
    /// like EKS's).
    void set_token_check(std::function<std::string(const std::string& token)> check);
    /// Client certificates signed by ca() authenticate as their CN.
    /// Refuse `verb` ("create", "get", "list", "delete") on `resource` ("secrets") for
    /// every user: 403 Forbidden.
    void forbid(const std::string& verb, const std::string& resource);

    // ---- the simulated operator ----
    /// Pods turn Running this long after their creation.
    void set_start_delay(std::chrono::milliseconds delay);
    /// Pods are gone this long after their MiniCluster is deleted.
    void set_delete_delay(std::chrono::milliseconds delay);
    /// New pods never start: they stay Pending with this container waiting reason
    /// and message (e.g. "ErrImagePull"), or, with reason "Unschedulable", with a
    /// PodScheduled=False condition.
    void fail_pods(const std::string& reason, const std::string& message);
    /// New MiniClusters get no pods at all, and a Warning event with this message
    /// (what a quota refusal looks like).
    void refuse_pods(const std::string& message);

    // ---- the operator itself ----
    /// The Flux Operator is not installed: MiniClusters are not served until a
    /// CustomResourceDefinition miniclusters.flux-framework.org is created.
    void remove_operator();
    /// Deployments created through the API get no available replica while set.
    void hold_deployments(bool hold);
    /// Objects created through the generic kinds (the operator's manifest: CRDs,
    /// RBAC, service accounts, services, config maps, deployments): "plural/ns/name".
    std::vector<std::string> applied();

    // ---- inspection ----
    /// Objects created through the API and not deleted: "secrets/ns/name",
    /// "miniclusters/ns/name", "pods/ns/name", "namespaces/name".
    std::vector<std::string> leftovers();
    /// Every MiniCluster accepted, as received.
    std::vector<nlohmann::json> miniclusters_received();
    /// Every secret accepted, as received.
    std::vector<nlohmann::json> secrets_received();
    /// The schema problems of every MiniCluster refused.
    std::vector<std::string> schema_problems();
    /// "POST /api/v1/namespaces" ... in order.
    std::vector<std::string> requests();
    /// Adds a namespace (as if it existed before the test).
    void add_namespace(const std::string& name);
    /// Adds an object as if someone else had created it (kind: secrets, miniclusters).
    void add_object(const std::string& kind, const std::string& ns, const nlohmann::json& object);

private:
    struct Pod {
        std::string ns, name, owner;
        nlohmann::json labels;
        std::chrono::steady_clock::time_point created;
        std::optional<std::chrono::steady_clock::time_point> deleted;
    };
    struct Response {
        int status;
        nlohmann::json body;
    };
    void handle(const httplib::Request& req, httplib::Response& res);
    Response route(const std::string& method, const std::string& path,
                   const std::multimap<std::string, std::string>& params, const std::string& body,
                   const std::string& user);
    void expire();
    std::optional<Response> generic(const std::string& method,
                                    const std::vector<std::string>& parts, const std::string& body);
    bool operator_served() const;
    nlohmann::json pod_json(const Pod& pod) const;

    TlsIdentity ca_;
    TlsIdentity server_cert_;
    std::unique_ptr<HttpsServer> server_;
    int port_ = 0;
    std::map<std::string, CrdSchema> versions_;  // version -> schema

    std::mutex mutex_;
    std::map<std::string, std::string> tokens_;
    std::function<std::string(const std::string&)> token_check_;
    std::set<std::string> forbidden_;
    std::chrono::milliseconds start_delay_{100};
    std::chrono::milliseconds delete_delay_{50};
    std::string fail_reason_, fail_message_, refuse_message_;
    std::set<std::string> namespaces_;
    std::set<std::string> preexisting_;
    // kind -> "ns/name" -> object
    std::map<std::string, std::map<std::string, nlohmann::json>> objects_;
    std::vector<Pod> pods_;
    std::vector<nlohmann::json> events_;
    std::vector<nlohmann::json> minicluster_log_, secret_log_;
    std::vector<std::string> problems_, requests_;
    int pod_serial_ = 0;
    bool operator_installed_ = true;
    bool hold_deployments_ = false;
    std::map<std::string, nlohmann::json> generic_;  // "plural/ns/name" -> object
};

}  // namespace test
