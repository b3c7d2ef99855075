// The eks plugin as the command loads it, against the fake EKS server and the fake
// Kubernetes API server (with its simulated Flux Operator): create -> burst -> grow
// -> unburst, a failure at each step with nothing left behind, a restarted
// controller, and the EKS token the API server receives.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fluxburst/client.hpp>
#include <fluxburst/queue.hpp>
#include <fluxburst/report.hpp>

#include "aws_eks_token.hpp"
#include "base64.hpp"
#include "fake_eks.hpp"
#include "fake_kube.hpp"
#include "sample_job.hpp"
#include "test_support.hpp"

using nlohmann::json;
namespace cloud = fluxburst::cloud;

namespace {

constexpr const char* key = "AKIDPLUGIN";
const std::string cluster = "burst-eks";

// The EKS token the API server must receive for `cluster`: recomputed from the
// X-Amz-Date it carries, so a wrong signature, key, region or cluster is refused.
std::string eks_user(const std::string& token) {
    if (token.rfind("k8s-aws-v1.", 0) != 0) return "";
    std::optional<std::string> url = cloud::base64_decode(token.substr(11));
    if (!url) return "";
    const auto at = url->find("X-Amz-Date=");
    if (at == std::string::npos) return "";
    std::tm tm{};
    if (!strptime(url->substr(at + 11, 16).c_str(), "%Y%m%dT%H%M%SZ", &tm)) return "";
    const auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
    cloud::AwsCredentials c{key, std::string("secret") + key, "", "test"};
    return cloud::eks_token(c, "us-east-1", cluster, when) == token ? "eks-admin" : "";
}

struct Env {
    test::TempDir dir;
    test::EnvVar access{"AWS_ACCESS_KEY_ID", key};
    test::EnvVar secret{"AWS_SECRET_ACCESS_KEY", (std::string("secret") + key).c_str()};
    test::EnvVar token{"AWS_SESSION_TOKEN", nullptr};
    test::EnvVar profile{"AWS_PROFILE", nullptr};
    test::FakeEks eks{key, "us-east-1"};
    test::FakeKube kube{test::FakeKube::flux_operator_crds(TEST_CRD_DIR)};

    Env() {
        kube.set_token_check(eks_user);
        kube.set_start_delay(std::chrono::milliseconds(40));
        kube.set_delete_delay(std::chrono::milliseconds(20));
        kube.start();
        eks.set_cluster_endpoint(kube.url(), cloud::base64_encode(kube.ca().cert_pem));
        test::write_text(dir.file("curve.cert"),
                         "#   ZeroMQ CURVE **Secret** Certificate\nmetadata\ncurve\n"
                         "    public-key = \"test\"\n    secret-key = \"test\"\n");
        ::chmod(dir.file("curve.cert").c_str(), 0600);
    }

    json params(json extra = json::object()) const {
        json p = {{"region", "us-east-1"},
                  {"eks_endpoint", eks.url()},
                  {"cluster_name", cluster},
                  {"cluster_role_arn", "arn:aws:iam::123456789012:role/eks-cluster"},
                  {"node_role_arn", "arn:aws:iam::123456789012:role/eks-nodes"},
                  {"subnets", {"subnet-a", "subnet-b"}},
                  {"cluster_poll_interval", 0.005},
                  {"cluster_create_timeout", 5.0},
                  {"cluster_delete_timeout", 5.0},
                  {"lead_address", "203.0.113.5"},
                  {"port", 30093},
                  {"max_nodes", 2},
                  {"bursts", 2},
                  {"nodegroup_max_size", 4},
                  {"curve_cert", dir.file("curve.cert")},
                  {"state_file", dir.file("state.json")},
                  {"poll_interval", 0.02},
                  {"start_timeout", 5.0},
                  {"delete_timeout", 5.0}};
        for (const auto& [k, v] : extra.items()) p[k] = v;
        return p;
    }

    fluxburst::Client client(json extra = json::object()) const {
        fluxburst::Client c;
        c.add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
        c.load("eks", params(std::move(extra)));
        return c;
    }
};

// The plugin's outcome in a report: "" when it succeeded, else its error.
std::string error_of(const fluxburst::BurstReport& report) {
    for (const auto& outcome : report.plugins)
        if (outcome.plugin == "eks") return outcome.ok ? "" : outcome.error;
    return "no eks outcome in " + report.to_json().dump();
}

}  // namespace

TEST_CASE("eks plugin: capacity, below the node group's largest size, bounds the jobs it takes",
          "[eks][plugin]") {
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

TEST_CASE("eks plugin: create, burst, grow, unburst, nothing left", "[eks][plugin]") {
    Env env;
    auto client = env.client();
    auto first = client.request_burst("eks", 2);
    REQUIRE(error_of(first) == "");
    CHECK(env.eks.nodegroup(cluster, cluster + "-burst")["scalingConfig"]["desiredSize"] == 2);
    auto second = client.request_burst("eks", 2);
    REQUIRE(error_of(second) == "");
    // The node group holds both bursts: grown, not a second cluster.
    CHECK(env.eks.nodegroup(cluster, cluster + "-burst")["scalingConfig"]["desiredSize"] == 4);
    CHECK(env.kube.miniclusters_received().size() == 2);
    auto gone = client.run_unburst("eks");
    CHECK(error_of(gone) == "");
    CHECK(env.kube.leftovers().empty());
    CHECK_FALSE(env.eks.has_cluster(cluster));
    CHECK(env.eks.violations().empty());
    CHECK(env.kube.schema_problems().empty());
    // Reverse order: MiniClusters (Kubernetes), node group, cluster.
    auto ops = env.eks.operations();
    auto at = [&](const std::string& op) {
        return std::find(ops.begin(), ops.end(), op) - ops.begin();
    };
    CHECK(at("DeleteNodegroup") < at("DeleteCluster"));
    CHECK(error_of(client.run_unburst("eks")) == "");
}

TEST_CASE(
    "eks plugin: a failure at each step is reported with the provider's message, "
    "and unburst leaves nothing",
    "[eks][plugin]") {
    Env env;
    std::string expected;
    SECTION("cluster creation refused") {
        env.eks.fail("CreateCluster", 403, "AccessDeniedException",
                     "is not authorized to perform: eks:CreateCluster");
        expected = "not authorized to perform: eks:CreateCluster";
    }
    SECTION("node group quota") {
        env.eks.fail("CreateNodegroup", 400, "ResourceLimitExceededException",
                     "maximum number of node groups");
        expected = "maximum number of node groups";
    }
    SECTION("cluster FAILED") {
        env.eks.cluster_statuses(cluster, {"CREATING", "FAILED"});
        env.eks.cluster_issues(
            cluster,
            json::array({{{"code", "Ec2SecurityGroupNotFound"}, {"message", "sg-1 not found"}}}));
        expected = "Ec2SecurityGroupNotFound: sg-1 not found";
    }
    SECTION("the MiniCluster's pods never start") {
        env.kube.fail_pods("ErrImagePull", "image not found");
        expected = "image not found";
    }
    SECTION("the API server refuses the secret") {
        env.kube.forbid("create", "secrets");
        expected = "forbidden";
    }
    auto client = env.client({{"start_timeout", 1.0}});
    auto report = client.request_burst("eks", 2);
    CHECK_THAT(error_of(report), Catch::Contains(expected, Catch::CaseSensitive::No));
    auto gone = client.run_unburst("eks");
    CHECK(error_of(gone) == "");
    CHECK(env.kube.leftovers().empty());
    CHECK_FALSE(env.eks.has_cluster(cluster));
    CHECK(env.eks.violations().empty());
}

TEST_CASE("eks plugin: unburst tries every step, and a second one finishes", "[eks][plugin]") {
    Env env;
    auto client = env.client();
    REQUIRE(error_of(client.request_burst("eks", 1)) == "");
    env.eks.fail("DeleteNodegroup", 500, "ServerException", "internal failure", 3);
    auto partial = client.run_unburst("eks");
    CHECK_THAT(error_of(partial), Catch::Contains("internal failure") &&
                                      Catch::Contains("cluster " + cluster) &&
                                      Catch::Contains("unburst again"));
    CHECK(env.kube.leftovers().empty());  // the MiniCluster went first, whatever came after
    CHECK(env.eks.has_cluster(cluster));
    auto rest = client.run_unburst("eks");
    CHECK(error_of(rest) == "");
    CHECK_FALSE(env.eks.has_cluster(cluster));
}

TEST_CASE("eks plugin: a restarted controller unbursts what the first one made",
          "[eks][plugin][restart]") {
    Env env;
    {
        auto first = env.client();
        REQUIRE(error_of(first.request_burst("eks", 2)) == "");
    }
    auto second = env.client();
    CHECK(error_of(second.run_unburst("eks")) == "");
    CHECK(env.kube.leftovers().empty());
    CHECK_FALSE(env.eks.has_cluster(cluster));
}

TEST_CASE("eks plugin: bad parameters and credentials are refused at load", "[eks][plugin]") {
    Env env;
    fluxburst::Client c;
    c.add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
    CHECK_THROWS_WITH(c.load("eks", env.params({{"cluster_name", "bad name"}})),
                      Catch::Contains("cluster_name"));
    CHECK_THROWS_WITH(c.load("eks", env.params({{"nodegroup_max_size", 1}})),
                      Catch::Contains("nodegroup_max_size"));
    test::EnvVar no_key("AWS_ACCESS_KEY_ID", nullptr);
    test::EnvVar no_file("AWS_SHARED_CREDENTIALS_FILE", env.dir.file("none").c_str());
    CHECK_THROWS_WITH(c.load("eks", env.params()), Catch::Contains("no AWS credentials"));
}
