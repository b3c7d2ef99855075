// GKE cluster and node pool calls against the fake GKE API.
#include <catch2/catch.hpp>
#include <fluxburst/error.hpp>
#include <nlohmann/json.hpp>

#include "../../plugins/gke/gke_clusters.hpp"
#include "../test_support.hpp"
#include "base64.hpp"
#include "discovery_schema.hpp"
#include "fake_gke.hpp"
#include "fake_google_oauth.hpp"
#include "google_credentials.hpp"
#include "test_rsa_key.hpp"
#include "test_tls.hpp"

using Catch::Matchers::Contains;
using nlohmann::json;
namespace gke = fluxburst::gke;
namespace cloud = fluxburst::cloud;

namespace {

struct Gke {
    test::TempDir dir;
    test::TlsIdentity ca = test::make_test_ca();
    test::TlsIdentity server = test::make_server_cert(ca);
    test::TestRsaKey key = test::shared_rsa_key();
    test::FakeGoogleOAuth oauth{server, test::FakeGoogleOAuth::service_account(key.public_pem)};
    test::FakeGke fake{server};
    cloud::GoogleAuth auth{options()};
    cloud::GoogleApiClient api{auth, fake.endpoint(), ca.cert_pem};
    gke::GkeLocation location{api, "proj", "us-central1"};
    gke::Waits waits{std::chrono::milliseconds(2000), std::chrono::milliseconds(1)};

    cloud::GoogleAuthOptions options() {
        cloud::GoogleAuthOptions o;
        o.credentials_file =
            test::write_service_account(dir.path(), key.private_pem, oauth.token_uri());
        o.ca_pem = ca.cert_pem;
        return o;
    }
};

gke::NodePoolSpec pool(int nodes) {
    gke::NodePoolSpec p;
    p.name = "flux-pool";
    p.nodes = nodes;
    p.machine_type = "c2-standard-8";
    p.disk_size_gb = 100;
    p.tags = {"flux-burst"};
    p.labels = {{"fluxburst", "yes"}};
    return p;
}

}  // namespace

TEST_CASE("gke: request bodies match the GKE API's schemas", "[gke]") {
    test::DiscoverySchema schema(TEST_DATA_DIR "/google/container-v1-cluster.json");
    CHECK(schema
              .check(gke::create_cluster_body("flux-cluster", pool(4), {{"fluxburst", "x"}}),
                     "CreateClusterRequest")
              .empty());
    CHECK(schema.check(gke::create_node_pool_body(pool(2)), "CreateNodePoolRequest").empty());
    json bad = gke::create_cluster_body("Flux_Cluster", pool(4), {});
    bad["cluster"]["nodePools"][0]["nodeCount"] = 4;  // not a NodePool field
    auto problems = schema.check(bad, "CreateClusterRequest");
    CHECK(problems.size() == 2);
}

TEST_CASE("gke: create, wait for RUNNING, resize, add and delete pools, delete", "[gke]") {
    Gke g;
    g.fake.set_cluster_endpoint("127.0.0.1:6443", "CA PEM");
    CHECK(g.location.find_cluster("flux-cluster").is_null());
    json op = g.location.create_cluster(gke::create_cluster_body("flux-cluster", pool(2), {}));
    g.location.wait_operation(op, g.waits, "creation of flux-cluster");
    json c = g.location.wait_running("flux-cluster", g.waits);
    CHECK(c["endpoint"] == "127.0.0.1:6443");
    CHECK(cloud::base64_decode(c["masterAuth"]["clusterCaCertificate"].get<std::string>())
              .value_or("") == "CA PEM");

    g.location.wait_operation(g.location.set_node_pool_size("flux-cluster", "flux-pool", 5),
                              g.waits, "resize");
    CHECK(g.location.find_node_pool("flux-cluster", "flux-pool")["initialNodeCount"] == 5);

    gke::NodePoolSpec second = pool(1);
    second.name = "burst-pool";
    g.location.wait_operation(
        g.location.create_node_pool("flux-cluster", gke::create_node_pool_body(second)), g.waits,
        "node pool");
    g.location.wait_operation(g.location.delete_node_pool("flux-cluster", "burst-pool"), g.waits,
                              "delete");
    g.location.wait_gone("flux-cluster", "burst-pool", g.waits);
    CHECK(g.location.find_node_pool("flux-cluster", "burst-pool").is_null());

    g.location.delete_cluster("flux-cluster");
    g.location.wait_gone("flux-cluster", "", g.waits);
    CHECK(g.fake.clusters().empty());
    CHECK(g.fake.errors().empty());
}

TEST_CASE("gke: a cluster in ERROR or DEGRADED is a failure with GKE's message", "[gke]") {
    Gke g;
    std::string status = GENERATE(std::string("ERROR"), std::string("DEGRADED"));
    g.fake.fail_clusters(status,
                         "Insufficient regional quota to satisfy request: resource \"CPUS\"");
    g.location.create_cluster(gke::create_cluster_body("flux-cluster", pool(2), {}));
    CHECK_THROWS_WITH(g.location.wait_running("flux-cluster", g.waits),
                      Contains("is " + status) && Contains("Insufficient regional quota"));
}

TEST_CASE("gke: waits are bounded", "[gke]") {
    Gke g;
    g.waits.timeout = std::chrono::milliseconds(50);
    g.fake.stall(true);
    json op = g.location.create_cluster(gke::create_cluster_body("flux-cluster", pool(2), {}));
    CHECK_THROWS_WITH(g.location.wait_running("flux-cluster", g.waits),
                      Contains("still PROVISIONING after"));
    CHECK_THROWS_WITH(g.location.wait_operation(op, g.waits, "creation"),
                      Contains("not done after"));
    g.location.delete_cluster("flux-cluster");
    CHECK_THROWS_WITH(g.location.wait_gone("flux-cluster", "", g.waits), Contains("still exists"));
}

TEST_CASE("gke: API errors carry Google's status and message", "[gke]") {
    Gke g;
    g.fake.fail_next(
        "POST", "/clusters", 403,
        "Kubernetes Engine API has not been used in project proj before or it is disabled.");
    try {
        g.location.create_cluster(gke::create_cluster_body("flux-cluster", pool(2), {}));
        FAIL("no error");
    } catch (const cloud::GoogleApiError& e) {
        CHECK(e.http_status() == 403);
        CHECK(e.status() == "PERMISSION_DENIED");
        CHECK_THAT(e.what(), Contains("Kubernetes Engine API has not been used"));
    }
    g.location.create_cluster(gke::create_cluster_body("flux-cluster", pool(2), {}));
    CHECK_THROWS_WITH(
        g.location.create_cluster(gke::create_cluster_body("flux-cluster", pool(2), {})),
        Contains("HTTP 409") && Contains("Already exists"));
}
