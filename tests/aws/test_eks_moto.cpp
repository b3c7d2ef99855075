// The AWS side of the eks plugin against moto_server: the EKS API as moto implements
// it from AWS's own model (required members, name clashes, deletion order). (moto's
// server cannot route a presigned STS URL, so the EKS token is checked against the
// AWS CLI's vectors in test_aws_sigv4.cpp instead.)
#include <catch2/catch.hpp>
#include <chrono>
#include <random>

#include "aws_eks_api.hpp"
#include "eks_cluster.hpp"
#include "memory_state.hpp"
#include "moto.hpp"

using nlohmann::json;
namespace cloud = fluxburst::cloud;
namespace eks = fluxburst::eks;

namespace {

// moto keeps one account for every test of a run: unique names per test.
std::string unique(const std::string& prefix) {
    static std::mt19937_64 random(std::random_device{}());
    return prefix + "-" + std::to_string(random() % 1000000000);
}

cloud::AwsCredentials credentials() {
    return {"AKIDMOTO", "secret", "", "test"};
}

eks::ClusterOptions options(const std::string& cluster) {
    eks::ClusterOptions o;
    o.cluster = cluster;
    o.cluster_role_arn = "arn:aws:iam::123456789012:role/eks-cluster";
    o.node_role_arn = "arn:aws:iam::123456789012:role/eks-nodes";
    o.subnets = {"subnet-1111", "subnet-2222"};
    o.nodegroup = cluster + "-nodes";
    o.create_timeout = std::chrono::seconds(10);
    o.delete_timeout = std::chrono::seconds(10);
    o.poll_interval = std::chrono::milliseconds(20);
    return o;
}

}  // namespace

TEST_CASE("moto: create, burst, grow, give back, nothing left", "[moto][eks]") {
    cloud::EksApi api(credentials(), "us-east-1", test::moto_url());
    test::MemoryState memory;
    const std::string name = unique("flow");
    eks::ClusterLifecycle life(api, options(name), memory.update());
    eks::ClusterAccess access = life.ensure(2);
    CHECK_FALSE(access.endpoint.empty());
    CHECK_FALSE(access.ca_data.empty());
    auto nodegroup = api.describe_nodegroup(name, name + "-nodes");
    REQUIRE(nodegroup);
    CHECK((*nodegroup)["scalingConfig"]["desiredSize"] == 2);
    CHECK((*nodegroup)["tags"]["fluxburst-owner"] == memory.state["eks"]["owner"]);
    life.ensure(6);
    CHECK((*api.describe_nodegroup(name, name + "-nodes"))["scalingConfig"]["desiredSize"] == 6);
    auto steps = life.release();
    REQUIRE(steps.size() == 2);
    for (const auto& s : steps) CHECK(s.ok);
    CHECK_FALSE(api.describe_nodegroup(name, name + "-nodes"));
    CHECK_FALSE(api.describe_cluster(name));
    CHECK(life.recorded().count("cluster") == 0);
}

TEST_CASE("moto: AWS's own errors reach the caller with AWS's message", "[moto][eks]") {
    cloud::EksApi api(credentials(), "us-east-1", test::moto_url());
    const std::string name = unique("errors");
    CHECK_FALSE(api.describe_cluster(name));
    CHECK_THROWS_WITH(
        api.delete_cluster(name),
        Catch::Contains("ResourceNotFoundException (HTTP 404)") && Catch::Contains(name));
    test::MemoryState memory;
    eks::ClusterLifecycle life(api, options(name), memory.update());
    life.ensure(1);
    // AWS refuses to delete a cluster that still has node groups: reported, not hidden.
    CHECK_THROWS_WITH(api.delete_cluster(name), Catch::Contains("ResourceInUseException"));
    // A second create of the same node group is refused by AWS.
    CHECK_THROWS_WITH(api.create_nodegroup(name, {{"nodegroupName", name + "-nodes"},
                                                  {"subnets", {"subnet-1111"}},
                                                  {"nodeRole", "arn:aws:iam::1:role/r"}}),
                      Catch::Contains("ResourceInUseException"));
    auto steps = life.release();
    for (const auto& s : steps) CHECK(s.ok);
    CHECK_FALSE(api.describe_cluster(name));
}

TEST_CASE("moto: a restarted controller finishes giving back", "[moto][eks][restart]") {
    cloud::EksApi api(credentials(), "us-east-1", test::moto_url());
    test::MemoryState memory;
    const std::string name = unique("restart");
    {
        eks::ClusterLifecycle first(api, options(name), memory.update());
        first.ensure(3);
    }  // the first controller is gone; its state remains
    json saved = memory.state;
    test::MemoryState second_memory;
    second_memory.state = saved;
    eks::ClusterLifecycle second(api, options(name), second_memory.update());
    auto steps = second.release();
    REQUIRE(steps.size() == 2);
    for (const auto& s : steps) CHECK(s.ok);
    CHECK_FALSE(api.describe_cluster(name));
}
