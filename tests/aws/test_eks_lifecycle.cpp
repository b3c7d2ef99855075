// The AWS side of the eks plugin against the fake EKS server: statuses over time,
// AWS errors with AWS's message, timeouts, giving back in reverse order whatever
// failed before, and a restart half-way (the state file).
#include <catch2/catch.hpp>
#include <chrono>

#include "aws_eks_api.hpp"
#include "eks_cluster.hpp"
#include "fake_eks.hpp"
#include "memory_state.hpp"

using nlohmann::json;
namespace cloud = fluxburst::cloud;
namespace eks = fluxburst::eks;

namespace {

constexpr const char* key = "AKIDTEST";

cloud::AwsCredentials credentials(const std::string& token = "") {
    return {key, std::string("secret") + key, token, "test"};
}

eks::ClusterOptions options(const std::string& cluster = "burst") {
    eks::ClusterOptions o;
    o.cluster = cluster;
    o.cluster_role_arn = "arn:aws:iam::123456789012:role/eks-cluster";
    o.node_role_arn = "arn:aws:iam::123456789012:role/eks-nodes";
    o.subnets = {"subnet-a", "subnet-b"};
    o.nodegroup = cluster + "-nodes";
    o.max_size = 8;
    o.create_timeout = std::chrono::milliseconds(2000);
    o.delete_timeout = std::chrono::milliseconds(2000);
    o.poll_interval = std::chrono::milliseconds(5);
    return o;
}

struct Fixture {
    test::FakeEks fake{key, "us-east-1"};
    cloud::EksApi api{credentials(), "us-east-1", fake.url()};
    test::MemoryState memory;
    Fixture() { api.retry_delay = std::chrono::milliseconds(1); }
};

}  // namespace

TEST_CASE("eks lifecycle: create, grow, give back in reverse order", "[eks][lifecycle]") {
    Fixture f;
    f.fake.cluster_statuses("burst", {"CREATING", "CREATING", "ACTIVE"});
    eks::ClusterLifecycle life(f.api, options(), f.memory.update());
    eks::ClusterAccess access = life.ensure(2);
    CHECK(access.endpoint == "https://burst.fake-eks.test");
    CHECK_FALSE(access.ca_data.empty());
    CHECK(f.fake.nodegroup("burst", "burst-nodes")["scalingConfig"] ==
          json({{"minSize", 0}, {"maxSize", 8}, {"desiredSize", 2}}));
    json recorded = life.recorded();
    CHECK(recorded["cluster"]["created"] == "yes");
    CHECK(recorded["nodegroup"]["created"] == "yes");

    // A later, larger burst grows the node group instead of making another.
    life.ensure(5);
    CHECK(f.fake.nodegroup("burst", "burst-nodes")["scalingConfig"]["desiredSize"] == 5);
    // A smaller one changes nothing.
    const auto before = f.fake.operations().size();
    life.ensure(3);
    for (std::size_t i = before; i < f.fake.operations().size(); ++i)
        CHECK(f.fake.operations()[i].rfind("Describe", 0) == 0);

    f.fake.deleting_describes(2);
    auto steps = life.release();
    REQUIRE(steps.size() == 2);
    CHECK(steps[0].what == "node group burst/burst-nodes");
    CHECK(steps[0].ok);
    CHECK(steps[1].what == "cluster burst");
    CHECK(steps[1].ok);
    CHECK_FALSE(f.fake.has_cluster("burst"));
    CHECK_FALSE(f.fake.has_nodegroup("burst", "burst-nodes"));
    CHECK(life.recorded().count("cluster") == 0);
    CHECK(life.recorded().count("nodegroup") == 0);
    CHECK(f.fake.violations().empty());
    // Created with the owner tag, both.
    for (const auto& r : f.fake.requests())
        if (r.operation == "CreateCluster" || r.operation == "CreateNodegroup")
            CHECK(r.body["tags"]["fluxburst-owner"] == recorded["owner"]);
}

TEST_CASE("eks lifecycle: temporary credentials are sent and signed", "[eks][lifecycle]") {
    test::FakeEks fake(key, "eu-west-1", "session/token+=");
    cloud::EksApi api(credentials("session/token+="), "eu-west-1", fake.url());
    test::MemoryState memory;
    eks::ClusterLifecycle life(api, options(), memory.update());
    life.ensure(1);
    CHECK(fake.violations().empty());
    cloud::EksApi unsigned_api(credentials(""), "eu-west-1", fake.url());
    CHECK_THROWS_WITH(
        unsigned_api.describe_cluster("burst"),
        Catch::Contains("InvalidSignatureException") && Catch::Contains("session token"));
}

TEST_CASE("eks lifecycle: an existing cluster and node group are used, grown, and restored",
          "[eks][lifecycle]") {
    Fixture f;
    f.fake.add_cluster({{"name", "theirs"},
                        {"status", "ACTIVE"},
                        {"endpoint", "https://x"},
                        {"certificateAuthority", {{"data", "Q0E="}}}});
    f.fake.add_nodegroup("theirs",
                         {{"nodegroupName", "theirs-nodes"},
                          {"status", "ACTIVE"},
                          {"scalingConfig", {{"minSize", 1}, {"maxSize", 3}, {"desiredSize", 1}}}});
    eks::ClusterOptions o = options("theirs");
    o.cluster_role_arn.clear();  // not needed: nothing is created
    eks::ClusterLifecycle life(f.api, o, f.memory.update());
    life.ensure(4);
    CHECK(f.fake.nodegroup("theirs", "theirs-nodes")["scalingConfig"] ==
          json({{"minSize", 1}, {"maxSize", 4}, {"desiredSize", 4}}));
    CHECK(life.recorded().count("cluster") == 0);
    auto steps = life.release();
    REQUIRE(steps.size() == 1);
    CHECK(steps[0].ok);
    CHECK(steps[0].what == "scaling of node group theirs/theirs-nodes");
    CHECK(f.fake.nodegroup("theirs", "theirs-nodes")["scalingConfig"] ==
          json({{"minSize", 1}, {"maxSize", 3}, {"desiredSize", 1}}));
    CHECK(f.fake.has_cluster("theirs"));
    for (const auto& op : f.fake.operations()) {
        CHECK(op != "DeleteCluster");
        CHECK(op != "DeleteNodegroup");
    }
}

TEST_CASE("eks lifecycle: AWS errors carry AWS's type and message", "[eks][lifecycle]") {
    Fixture f;
    eks::ClusterLifecycle life(f.api, options(), f.memory.update());
    SECTION("permission denied creating the cluster: nothing recorded") {
        f.fake.fail("CreateCluster", 403, "AccessDeniedException",
                    "User: arn:aws:iam::1:user/x is not authorized to perform: eks:CreateCluster");
        CHECK_THROWS_WITH(life.ensure(2),
                          Catch::Contains("AccessDeniedException (HTTP 403)") &&
                              Catch::Contains("not authorized to perform: eks:CreateCluster"));
        CHECK(life.recorded().count("cluster") == 0);
        CHECK(life.release().empty());
    }
    SECTION(
        "quota reached creating the node group: the cluster stays recorded, then is given back") {
        f.fake.fail("CreateNodegroup", 400, "ResourceLimitExceededException",
                    "You have reached the maximum number of node groups");
        CHECK_THROWS_WITH(life.ensure(2), Catch::Contains("ResourceLimitExceededException") &&
                                              Catch::Contains("maximum number of node groups"));
        CHECK(life.recorded()["cluster"]["created"] == "yes");
        CHECK(life.recorded().count("nodegroup") == 0);
        auto steps = life.release();
        REQUIRE(steps.size() == 1);
        CHECK(steps[0].ok);
        CHECK_FALSE(f.fake.has_cluster("burst"));
    }
    SECTION("throttling is retried, a bounded number of times") {
        f.fake.fail("DescribeCluster", 429, "ThrottlingException", "Rate exceeded", 2);
        CHECK_NOTHROW(life.ensure(1));
        f.fake.fail("DescribeCluster", 503, "ServiceUnavailableException", "try later", 3);
        CHECK_THROWS_WITH(life.ensure(1),
                          Catch::Contains("ServiceUnavailableException (HTTP 503): try later"));
    }
    SECTION("a cluster that exists already (made meanwhile) is used, not claimed") {
        f.fake.add_cluster({{"name", "burst"}, {"status", "ACTIVE"}, {"endpoint", "https://x"}});
        life.ensure(1);
        CHECK(life.recorded().count("cluster") == 0);
        CHECK(life.recorded()["nodegroup"]["created"] == "yes");
    }
    CHECK(f.fake.violations().empty());
}

TEST_CASE("eks lifecycle: FAILED and DEGRADED are failed bursts with AWS's issues",
          "[eks][lifecycle]") {
    Fixture f;
    eks::ClusterLifecycle life(f.api, options(), f.memory.update());
    SECTION("cluster FAILED: AWS's issue in the error, the cluster recorded and given back") {
        f.fake.cluster_statuses("burst", {"CREATING", "FAILED"});
        f.fake.cluster_issues("burst", json::array({{{"code", "Ec2SubnetInvalidConfiguration"},
                                                     {"message", "subnet-a has no free IP"}}}));
        CHECK_THROWS_WITH(
            life.ensure(1),
            Catch::Contains("cluster burst (created) is FAILED") &&
                Catch::Contains("Ec2SubnetInvalidConfiguration: subnet-a has no free IP") &&
                Catch::Contains("unburst"));
        CHECK(life.recorded()["cluster"]["created"] == "yes");
        auto steps = life.release();
        REQUIRE(steps.size() == 1);
        CHECK(steps[0].ok);
        CHECK_FALSE(f.fake.has_cluster("burst"));
    }
    SECTION("node group DEGRADED after a resize") {
        life.ensure(1);
        f.fake.nodegroup_statuses("burst", "burst-nodes", {"ACTIVE", "UPDATING", "DEGRADED"});
        f.fake.nodegroup_issues("burst", "burst-nodes",
                                json::array({{{"code", "InsufficientFreeAddresses"},
                                              {"message", "not enough addresses"}}}));
        CHECK_THROWS_WITH(life.ensure(3),
                          Catch::Contains("is DEGRADED") &&
                              Catch::Contains("InsufficientFreeAddresses: not enough addresses"));
        auto steps = life.release();
        REQUIRE(steps.size() == 2);
        CHECK(steps[0].ok);
        CHECK(steps[1].ok);
    }
    SECTION("never ACTIVE: a timeout naming the status, no endless wait") {
        f.fake.cluster_statuses("burst", {"CREATING"});
        eks::ClusterOptions o = options();
        o.create_timeout = std::chrono::milliseconds(200);
        eks::ClusterLifecycle slow(f.api, o, f.memory.update());
        const auto start = std::chrono::steady_clock::now();
        CHECK_THROWS_WITH(slow.ensure(1),
                          Catch::Contains("still CREATING after 1 s (cluster_create_timeout)"));
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
        CHECK(slow.recorded()["cluster"]["created"] == "yes");
    }
    CHECK(f.fake.violations().empty());
}

TEST_CASE("eks lifecycle: every release step is tried, failures stay recorded",
          "[eks][lifecycle]") {
    Fixture f;
    eks::ClusterLifecycle life(f.api, options(), f.memory.update());
    life.ensure(2);
    f.fake.fail("DeleteNodegroup", 403, "AccessDeniedException",
                "not authorized: eks:DeleteNodegroup");
    auto steps = life.release();
    REQUIRE(steps.size() == 2);
    CHECK_FALSE(steps[0].ok);
    CHECK_THAT(steps[0].message, Catch::Contains("not authorized: eks:DeleteNodegroup") &&
                                     Catch::Contains("stays recorded"));
    CHECK_FALSE(steps[1].ok);  // tried anyway: AWS refuses while the node group is there
    CHECK_THAT(steps[1].message,
               Catch::Contains("ResourceInUseException") && Catch::Contains("nodegroups attached"));
    CHECK(life.recorded().count("cluster") == 1);
    CHECK(life.recorded().count("nodegroup") == 1);
    // The next release finishes the job.
    steps = life.release();
    REQUIRE(steps.size() == 2);
    CHECK(steps[0].ok);
    CHECK(steps[1].ok);
    CHECK_FALSE(f.fake.has_cluster("burst"));
}

TEST_CASE("eks lifecycle: a deletion that does not finish in time stays recorded",
          "[eks][lifecycle]") {
    Fixture f;
    eks::ClusterOptions o = options();
    o.delete_timeout = std::chrono::milliseconds(100);
    eks::ClusterLifecycle life(f.api, o, f.memory.update());
    life.ensure(1);
    f.fake.deleting_describes(1000000);
    auto steps = life.release();
    REQUIRE(steps.size() == 2);
    CHECK_FALSE(steps[0].ok);
    CHECK_THAT(steps[0].message,
               Catch::Contains("still DELETING after 1 s (cluster_delete_timeout)"));
    CHECK(life.recorded().count("nodegroup") == 1);
}

TEST_CASE("eks lifecycle: a controller restarted half-way finds what is its own",
          "[eks][lifecycle][restart]") {
    Fixture f;
    SECTION("died after CreateCluster was sent, before it was recorded as done") {
        // What the first controller left: the owner id, a pending record, and the cluster.
        f.memory.state = {
            {"eks",
             {{"owner", "fb-0123"}, {"cluster", {{"name", "burst"}, {"created", "pending"}}}}}};
        f.fake.add_cluster({{"name", "burst"},
                            {"status", "CREATING"},
                            {"tags", {{"fluxburst-owner", "fb-0123"}}}});
        f.fake.cluster_statuses("burst", {"CREATING", "ACTIVE"});
        eks::ClusterLifecycle life(f.api, options(), f.memory.update());
        life.ensure(1);
        CHECK(life.recorded()["cluster"]["created"] == "yes");
        CHECK(f.fake.operations()[0] == "DescribeCluster");
        for (const auto& op : f.fake.operations()) CHECK(op != "CreateCluster");
        auto steps = life.release();
        CHECK(steps.size() == 2);
        CHECK_FALSE(f.fake.has_cluster("burst"));
    }
    SECTION("a pending record of a cluster someone else owns is dropped, the cluster left alone") {
        f.memory.state = {
            {"eks",
             {{"owner", "fb-0123"}, {"cluster", {{"name", "burst"}, {"created", "pending"}}}}}};
        f.fake.add_cluster(
            {{"name", "burst"}, {"status", "ACTIVE"}, {"tags", {{"fluxburst-owner", "fb-other"}}}});
        eks::ClusterLifecycle life(f.api, options(), f.memory.update());
        auto steps = life.release();
        REQUIRE(steps.size() == 1);
        CHECK(steps[0].ok);
        CHECK_THAT(steps[0].message, Catch::Contains("not ours"));
        CHECK(f.fake.has_cluster("burst"));
        CHECK(life.recorded().count("cluster") == 0);
    }
    SECTION("a pending record of a cluster that was never made is dropped") {
        f.memory.state = {
            {"eks",
             {{"owner", "fb-0123"}, {"cluster", {{"name", "burst"}, {"created", "pending"}}}}}};
        eks::ClusterLifecycle life(f.api, options(), f.memory.update());
        auto steps = life.release();
        REQUIRE(steps.size() == 1);
        CHECK(steps[0].message == "already gone");
        CHECK(life.recorded().count("cluster") == 0);
    }
}

TEST_CASE("eks lifecycle: limits are checked before anything is created", "[eks][lifecycle]") {
    Fixture f;
    eks::ClusterLifecycle life(f.api, options(), f.memory.update());
    CHECK_THROWS_WITH(life.ensure(9), Catch::Contains("more than nodegroup_max_size=8"));
    CHECK_THROWS_WITH(life.ensure(0), Catch::Contains("at least one node"));
    eks::ClusterOptions o = options();
    o.create_cluster = false;
    eks::ClusterLifecycle no_create(f.api, o, f.memory.update());
    CHECK_THROWS_WITH(no_create.ensure(1), Catch::Contains("does not exist in region us-east-1") &&
                                               Catch::Contains("create_cluster is false"));
    o = options();
    o.subnets.clear();
    eks::ClusterLifecycle no_subnets(f.api, o, f.memory.update());
    CHECK_THROWS_WITH(no_subnets.ensure(1), Catch::Contains("needs subnets"));
    for (const auto& op : f.fake.operations()) CHECK(op.rfind("Create", 0) != 0);
}
