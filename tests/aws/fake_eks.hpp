// An in-process fake of the EKS REST API on 127.0.0.1 (cpp-httplib, plain HTTP), for
// what moto_server cannot do: statuses that change over time (CREATING -> ACTIVE,
// FAILED with health issues), scripted errors, slow deletions. It checks what a real
// endpoint would: every request SigV4-signed for eks in the region with the test's
// key, and every body against the botocore model (tests/data/aws/eks-2017-11-01.
// requests.json); a violation is answered 400 and recorded in violations().
#pragma once

#include <httplib.h>

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace test {

class FakeEks {
public:
    FakeEks(std::string access_key, std::string region, std::string session_token = "");
    ~FakeEks();
    FakeEks(const FakeEks&) = delete;
    FakeEks& operator=(const FakeEks&) = delete;

    /// "http://127.0.0.1:<port>"
    std::string url() const;

    struct Request {
        std::string operation;  ///< "CreateCluster", ...
        std::string method, path;
        nlohmann::json body;
    };

    /// The next `times` calls of `operation` answer `status` with this error type and
    /// message instead of doing anything.
    void fail(const std::string& operation, int status, const std::string& type,
              const std::string& message, int times = 1);
    /// The statuses the next describes of a cluster show, one per describe, the last
    /// one staying (set before or after the cluster exists).
    void cluster_statuses(const std::string& name, std::deque<std::string> statuses);
    void nodegroup_statuses(const std::string& cluster, const std::string& nodegroup,
                            std::deque<std::string> statuses);
    /// Health issues a cluster or node group shows ({code, message} objects), set
    /// before or after it exists.
    void cluster_issues(const std::string& name, nlohmann::json issues);
    void nodegroup_issues(const std::string& cluster, const std::string& nodegroup,
                          nlohmann::json issues);
    /// A deleted resource shows DELETING for this many describes before it is gone.
    void deleting_describes(int n);
    /// The endpoint and certificateAuthority.data (base64 of the CA's PEM) of the
    /// clusters created from now on (default: a name that does not resolve).
    void set_cluster_endpoint(const std::string& url, const std::string& ca_data);
    /// Adds a resource as if someone else had made it.
    void add_cluster(const nlohmann::json& cluster);
    void add_nodegroup(const std::string& cluster, const nlohmann::json& nodegroup);

    bool has_cluster(const std::string& name);
    bool has_nodegroup(const std::string& cluster, const std::string& nodegroup);
    nlohmann::json nodegroup(const std::string& cluster, const std::string& nodegroup);
    std::vector<Request> requests();
    /// Operations called, in order.
    std::vector<std::string> operations();
    std::vector<std::string> violations();

private:
    struct Failure {
        int status;
        std::string type, message;
        int times;
    };
    void handle(const httplib::Request& request, httplib::Response& response);
    void answer_error(httplib::Response& response, int status, const std::string& type,
                      const std::string& message);
    bool check_signature(const httplib::Request& request, std::string& problem);
    nlohmann::json describe(const std::string& key, nlohmann::json& resource);

    std::string access_key_, region_, session_token_;
    nlohmann::json model_;
    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;

    std::mutex mutex_;
    std::map<std::string, nlohmann::json> clusters_;
    std::map<std::string, nlohmann::json> nodegroups_;         // "cluster/nodegroup"
    std::map<std::string, std::deque<std::string>> statuses_;  // same keys, clusters bare
    std::map<std::string, int> deleting_;                      // describes left
    std::map<std::string, nlohmann::json> issues_;             // health issues
    std::map<std::string, Failure> failures_;
    std::vector<Request> requests_;
    std::vector<std::string> violations_;
    int deleting_describes_ = 1;
    std::string endpoint_, ca_data_;
};

/// The problems of `body` against the model's `input` shape ("" when none).
std::string check_against_model(const nlohmann::json& shape, const nlohmann::json& value,
                                const std::string& where);

}  // namespace test
