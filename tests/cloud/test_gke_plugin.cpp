// The gke plugin as the command loads it, against the fake Google OAuth and GKE
// APIs (request bodies checked against the trimmed GKE API description) and the fake
// Kubernetes API server (with its simulated Flux Operator): create -> burst -> grow
// -> unburst, a failure at each step with nothing left behind, a restarted
// controller, a cluster it found (never deleted), and validation at load.
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fluxburst/client.hpp>
#include <fluxburst/curve_cert.hpp>
#include <fluxburst/queue.hpp>
#include <fluxburst/report.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../sample_job.hpp"
#include "../test_support.hpp"
#include "fake_gke.hpp"
#include "fake_google_oauth.hpp"
#include "fake_kube.hpp"
#include "google_credentials.hpp"
#include "test_rsa_key.hpp"
#include "test_tls.hpp"

using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

const std::string cluster = "burst-gke";
const std::string pool = "burst-gke-pool";
const std::string where = "us-central1-a/" + cluster;

struct Env {
    test::TempDir dir;
    test::TlsIdentity ca = test::make_test_ca();
    test::TlsIdentity server = test::make_server_cert(ca);
    test::TestRsaKey key = test::shared_rsa_key();
    test::FakeGoogleOAuth oauth{server, test::FakeGoogleOAuth::service_account(key.public_pem)};
    test::FakeGke gke{server};
    test::FakeKube kube{test::FakeKube::flux_operator_crds(TEST_DATA_DIR "/flux-operator")};
    std::string credentials;

    Env() {
        // The API server takes the Google access tokens the fake OAuth endpoint issues.
        kube.set_token_check([](const std::string& token) {
            return token.rfind("ya29.test-token-", 0) == 0 ? "burst@proj.iam" : "";
        });
        kube.set_start_delay(std::chrono::milliseconds(40));
        kube.set_delete_delay(std::chrono::milliseconds(20));
        kube.start();
        gke.set_cluster_endpoint(kube.url().substr(std::string("https://").size()),
                                 kube.ca().cert_pem);
        test::write_file_mode(dir.file("ca.pem"), ca.cert_pem, 0644);
        credentials = test::write_service_account(dir.path(), key.private_pem, oauth.token_uri());
        fluxburst::write_curve_cert(dir.file("curve.cert"),
                                    fluxburst::generate_curve_cert("gke-test"));
    }

    json params(const json& extra = json::object()) const {
        json p = {{"credentials_file", credentials},
                  {"google_ca_file", dir.file("ca.pem")},
                  {"gke_endpoint", gke.endpoint()},
                  {"location", "us-central1-a"},
                  {"cluster_name", cluster},
                  {"cluster_poll_interval", 0.005},
                  {"cluster_create_timeout", 5.0},
                  {"cluster_delete_timeout", 5.0},
                  {"lead_address", "203.0.113.5"},
                  {"port", 30093},
                  {"max_nodes", 2},
                  {"bursts", 2},
                  {"pool_max_nodes", 4},
                  {"curve_cert", dir.file("curve.cert")},
                  {"state_file", dir.file("state.json")},
                  {"poll_interval", 0.02},
                  {"start_timeout", 5.0},
                  {"delete_timeout", 5.0}};
        for (const auto& [k, v] : extra.items()) p[k] = v;
        return p;
    }

    fluxburst::Client client(const json& extra = json::object()) const {
        fluxburst::Client c;
        c.set_search_installed_dir(false);
        c.add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
        c.load("gke", params(extra));
        return c;
    }

    json node_pool() const {
        auto clusters = gke.clusters();
        auto it = clusters.find(where);
        if (it == clusters.end()) return nullptr;
        for (const auto& p : it->second["nodePools"])
            if (p["name"] == pool) return p;
        return nullptr;
    }
    bool has_cluster() const { return gke.clusters().count(where) > 0; }
};

// The plugin's outcome in a report: "" when it succeeded, else its error.
std::string error_of(const fluxburst::BurstReport& report) {
    for (const auto& outcome : report.plugins)
        if (outcome.plugin == "gke") return outcome.ok ? "" : outcome.error;
    return "no gke outcome in " + report.to_json().dump();
}

std::size_t index_of(const std::vector<std::string>& requests, const std::string& part) {
    for (std::size_t i = 0; i < requests.size(); ++i)
        if (requests[i].find(part) != std::string::npos) return i;
    return requests.size();
}

}  // namespace

TEST_CASE("gke plugin: capacity, below the node pool's largest size, bounds the jobs it takes",
          "[gke][plugin]") {
    Env env;
    for (const auto& [capacity, taken] : {std::pair{0, true}, {2, true}, {1, false}}) {
        auto client = env.client({{"capacity", capacity}});
        client.set_queue(
            std::make_shared<fluxburst::MockQueue>(std::vector<json>{test::sample_job_of(1, 2)}));
        auto plan = client.plan_burst();
        INFO("capacity=" << capacity);
        CHECK(plan.assignments.size() == (taken ? 1u : 0u));
        CHECK(plan.unmatched.size() == (taken ? 0u : 1u));
    }
}

TEST_CASE("gke plugin: create, burst, grow, unburst, nothing left", "[gke][plugin]") {
    Env env;
    auto client = env.client();
    auto first = client.request_burst("gke", 2);
    REQUIRE(error_of(first) == "");
    REQUIRE(env.node_pool().is_object());
    CHECK(env.node_pool()["initialNodeCount"] == 2);
    // What the cluster is made of: the pool's machine type, the owner label.
    const json created = env.gke.clusters().at(where);
    CHECK(created["nodePools"][0]["config"]["machineType"] == "c2-standard-8");
    CHECK(created["resourceLabels"].contains("fluxburst-owner"));
    CHECK(env.kube.miniclusters_received().size() == 1);

    auto second = client.request_burst("gke", 2);
    REQUIRE(error_of(second) == "");
    // The pool holds both bursts: grown with setSize, not a second cluster.
    CHECK(env.node_pool()["initialNodeCount"] == 4);
    CHECK(env.gke.clusters().size() == 1);
    CHECK(index_of(env.gke.requests(), ":setSize") < env.gke.requests().size());
    CHECK(env.kube.miniclusters_received().size() == 2);

    // A third burst: no free slot (bursts=2), refused before anything is asked of GKE.
    CHECK_FALSE(error_of(client.request_burst("gke", 1)).empty());

    auto gone = client.run_unburst("gke");
    CHECK(error_of(gone) == "");
    CHECK(env.kube.leftovers().empty());
    CHECK_FALSE(env.has_cluster());
    CHECK(env.gke.errors().empty());
    CHECK(env.kube.schema_problems().empty());
    CHECK(index_of(env.gke.requests(), "DELETE") < env.gke.requests().size());
    CHECK(error_of(client.run_unburst("gke")) == "");  // nothing left to do
}

TEST_CASE(
    "gke plugin: a failure at each step is reported with Google's or the API server's "
    "message, and unburst leaves nothing",
    "[gke][plugin]") {
    Env env;
    std::string expected;
    SECTION("cluster creation refused") {
        env.gke.fail_next("POST", "/clusters", 403,
                          "Required 'container.clusters.create' permission for "
                          "'projects/proj'.");
        expected = "container.clusters.create";
    }
    SECTION("quota: the cluster ends in ERROR") {
        env.gke.fail_clusters("ERROR",
                              "Insufficient regional quota to satisfy request: resource \"CPUS\"");
        expected = "Insufficient regional quota";
    }
    SECTION("the cluster is DEGRADED") {
        env.gke.fail_clusters("DEGRADED", "Node pool has no healthy nodes");
        expected = "DEGRADED";
    }
    SECTION("the cluster never runs") {
        env.gke.stall(true);
        expected = "after";
    }
    SECTION("the MiniCluster's pods never start") {
        env.kube.fail_pods("ErrImagePull", "image not found");
        expected = "image not found";
    }
    SECTION("the API server refuses the secret") {
        env.kube.forbid("create", "secrets");
        expected = "forbidden";
    }
    auto client = env.client({{"start_timeout", 0.5}, {"cluster_create_timeout", 0.3}});
    auto report = client.request_burst("gke", 2);
    CHECK_THAT(error_of(report), Contains(expected, Catch::CaseSensitive::No));
    env.gke.stall(false);
    auto gone = client.run_unburst("gke");
    CHECK(error_of(gone) == "");
    CHECK(env.kube.leftovers().empty());
    CHECK_FALSE(env.has_cluster());
    CHECK(env.gke.errors().empty());
}

TEST_CASE("gke plugin: a new cluster gets the Flux Operator from operator_manifest",
          "[gke][plugin][operator]") {
    Env env;
    env.kube.remove_operator();
    std::ifstream crd(TEST_DATA_DIR "/flux-operator/flux-framework.org_miniclusters.yaml");
    std::stringstream manifest;
    manifest << "apiVersion: v1\nkind: Namespace\nmetadata: {name: operator-system}\n---\n"
             << crd.rdbuf()
             << "\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                "  name: operator-controller-manager\n  namespace: operator-system\n"
                "spec: {replicas: 1}\n";
    test::write_file_mode(env.dir.file("flux-operator.yaml"), manifest.str(), 0644);
    SECTION("without it, the burst says what to do") {
        auto client = env.client();
        CHECK_THAT(error_of(client.request_burst("gke", 1)), Contains("operator_manifest"));
    }
    SECTION("with it, the operator is installed and the burst runs") {
        auto client = env.client({{"operator_manifest", env.dir.file("flux-operator.yaml")}});
        auto report = client.request_burst("gke", 1);
        REQUIRE(error_of(report) == "");
        CHECK_THAT(report.to_json().dump(), Contains("Flux Operator installed"));
        CHECK(env.kube.miniclusters_received().size() == 1);
    }
    CHECK(error_of(env.client().run_unburst("gke")) == "");
    CHECK_FALSE(env.has_cluster());
}

TEST_CASE("gke plugin: a growth that fails is reported, and unburst still gives all back",
          "[gke][plugin]") {
    Env env;
    auto client = env.client();
    REQUIRE(error_of(client.request_burst("gke", 2)) == "");
    env.gke.fail_next("POST", ":setSize", 429,
                      "Quota exceeded for quota metric 'Node pool resize requests'");
    CHECK_THAT(error_of(client.request_burst("gke", 2)), Contains("Quota exceeded"));
    CHECK(env.kube.miniclusters_received().size() == 1);  // the second never started
    CHECK(error_of(client.run_unburst("gke")) == "");
    CHECK(env.kube.leftovers().empty());
    CHECK_FALSE(env.has_cluster());
}

TEST_CASE("gke plugin: unburst tries every step, and a second one finishes", "[gke][plugin]") {
    Env env;
    auto client = env.client();
    REQUIRE(error_of(client.request_burst("gke", 1)) == "");
    env.gke.fail_next("DELETE", "/clusters/" + cluster, 500, "Internal error");
    auto partial = client.run_unburst("gke");
    CHECK_THAT(error_of(partial), Contains("Internal error") && Contains("unburst again"));
    CHECK(env.kube.leftovers().empty());  // the MiniCluster went first, whatever came after
    CHECK(env.has_cluster());
    CHECK(error_of(client.run_unburst("gke")) == "");
    CHECK_FALSE(env.has_cluster());
}

TEST_CASE("gke plugin: a restarted controller unbursts what the first one made",
          "[gke][plugin][restart]") {
    Env env;
    {
        auto first = env.client();
        REQUIRE(error_of(first.request_burst("gke", 2)) == "");
    }
    auto second = env.client();
    CHECK(error_of(second.run_unburst("gke")) == "");
    CHECK(env.kube.leftovers().empty());
    CHECK_FALSE(env.has_cluster());
}

TEST_CASE("gke plugin: a controller that died while the cluster was being made finishes",
          "[gke][plugin][restart]") {
    Env env;
    {
        // The first controller gives up while GKE is still provisioning.
        env.gke.stall(true);
        auto first = env.client({{"cluster_create_timeout", 0.2}});
        CHECK_THAT(error_of(first.request_burst("gke", 2)), Contains("after"));
    }
    env.gke.stall(false);
    auto second = env.client();
    REQUIRE(error_of(second.request_burst("gke", 2)) == "");  // the same cluster, now running
    CHECK(env.gke.clusters().size() == 1);
    CHECK(error_of(second.run_unburst("gke")) == "");
    CHECK_FALSE(env.has_cluster());
    CHECK(env.kube.leftovers().empty());
}

TEST_CASE("gke plugin: a cluster it found is used, its pool grown and given back, never deleted",
          "[gke][plugin]") {
    Env env;
    SECTION("with the pool: grown, then its size restored") {
        env.gke.add_cluster("us-central1-a", cluster, pool, 1);
        auto client = env.client();
        REQUIRE(error_of(client.request_burst("gke", 2)) == "");
        CHECK(env.node_pool()["initialNodeCount"] == 2);
        CHECK(error_of(client.run_unburst("gke")) == "");
        REQUIRE(env.has_cluster());
        CHECK(env.node_pool()["initialNodeCount"] == 1);
    }
    SECTION("without the pool: the pool created, then deleted") {
        env.gke.add_cluster("us-central1-a", cluster, "default-pool", 3);
        auto client = env.client();
        REQUIRE(error_of(client.request_burst("gke", 2)) == "");
        REQUIRE(env.node_pool().is_object());
        CHECK(env.node_pool()["config"]["labels"].contains("fluxburst-owner"));
        CHECK(error_of(client.run_unburst("gke")) == "");
        REQUIRE(env.has_cluster());
        CHECK(env.node_pool().is_null());
        CHECK(env.gke.clusters().at(where)["nodePools"].size() == 1);
    }
    SECTION("create_cluster=false and no cluster: an error naming the fix") {
        auto client = env.client({{"create_cluster", false}});
        CHECK_THAT(error_of(client.request_burst("gke", 1)), Contains("create_cluster"));
        CHECK(env.gke.clusters().empty());
    }
    CHECK(env.kube.leftovers().empty());
    CHECK(env.gke.errors().empty());
}

TEST_CASE("gke plugin: bad parameters and credentials are refused at load", "[gke][plugin]") {
    Env env;
    fluxburst::Client c;
    c.set_search_installed_dir(false);
    c.add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
    const std::vector<std::pair<json, std::string>> bad = {
        {{{"cluster_name", "Bad_Name"}}, "cluster_name"},
        {{{"node_pool", "a-very-long-node-pool-name-that-google-refuses"}}, "node_pool"},
        {{{"location", "mars"}}, "location"},
        {{{"pool_max_nodes", 1}}, "pool_max_nodes"},
        {{{"labels", {"Owner=x"}}}, "labels"},
        {{{"labels", {"fluxburst-owner=x"}}}, "set by the plugin"},
        {{{"disk_size_gb", 5}}, "disk_size_gb"},
        {{{"gke_endpoint", "http://plain"}}, "gke_endpoint"},
        {{{"cluster_create_timeout", 0}}, "cluster_create_timeout"},
        {{{"credentials_file", env.dir.file("missing.json")}}, "missing.json"},
    };
    for (const auto& [extra, expected] : bad) {
        INFO(extra.dump());
        CHECK_THROWS_WITH(c.load("gke", env.params(extra)), Contains(expected));
    }
    // A credentials file others may read is refused (it holds a private key).
    ::chmod(env.credentials.c_str(), 0644);
    CHECK_THROWS_WITH(c.load("gke", env.params()), Contains(env.credentials));
}
