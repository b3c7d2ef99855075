// The eks plugin's AWS parameters: every bad value refused at load, naming the key.
#include <catch2/catch.hpp>

#include "eks_params.hpp"
#include "test_support.hpp"

using nlohmann::json;
namespace eks = fluxburst::eks;

namespace {

fluxburst::Params params(const json& given) {
    return fluxburst::Params(fluxburst::merge_params("eks", eks::aws_parameters(), given));
}

}  // namespace

TEST_CASE("eks parameters: defaults make a usable configuration", "[eks][params]") {
    test::EnvVar region("AWS_REGION", "us-west-2");
    auto p = params(json::object());
    CHECK(eks::aws_settings(p).region == "us-west-2");
    auto o = eks::cluster_options(p);
    CHECK(o.cluster == "flux-burst");
    CHECK(o.nodegroup == "flux-burst-burst");
    CHECK(o.instance_type == "m5.large");
    CHECK(o.max_size == 8);
    CHECK(o.create_timeout == std::chrono::minutes(30));
    auto q =
        params({{"tags", json::array({"team=hpc", "cost=a=b"})}, {"cluster_poll_interval", 0.5}});
    auto t = eks::cluster_options(q);
    CHECK(t.tags == std::map<std::string, std::string>{{"team", "hpc"}, {"cost", "a=b"}});
    CHECK(t.poll_interval == std::chrono::milliseconds(500));
}

TEST_CASE("eks parameters: each bad value is refused, naming the key", "[eks][params]") {
    test::EnvVar region("AWS_REGION", "us-west-2");
    const std::vector<std::pair<json, std::string>> bad = {
        {{{"cluster_name", ""}}, "cluster_name"},
        {{{"cluster_name", "has space"}}, "cluster_name"},
        {{{"cluster_name", "-dash"}}, "cluster_name"},
        {{{"cluster_name", std::string(101, 'a')}}, "cluster_name"},
        {{{"nodegroup_name", "a/b"}}, "nodegroup_name"},
        {{{"cluster_role_arn", "eks-role"}}, "cluster_role_arn"},
        {{{"node_role_arn", "role/x"}}, "node_role_arn"},
        {{{"instance_type", "large"}}, "instance_type"},
        {{{"capacity_type", "spot"}}, "capacity_type"},
        {{{"disk_size", -1}}, "disk_size"},
        {{{"nodegroup_min_size", -1}}, "nodegroup_min_size"},
        {{{"nodegroup_max_size", 0}}, "nodegroup_max_size"},
        {{{"nodegroup_min_size", 4}, {"nodegroup_max_size", 2}}, "nodegroup_max_size"},
        {{{"tags", {"novalue"}}}, "tags"},
        {{{"tags", {"=x"}}}, "tags"},
        {{{"tags", {"fluxburst-owner=me"}}}, "fluxburst-owner"},
        {{{"cluster_create_timeout", 0}}, "cluster_create_timeout"},
        {{{"cluster_delete_timeout", -5}}, "cluster_delete_timeout"},
        {{{"cluster_poll_interval", 1e12}}, "cluster_poll_interval"},
    };
    for (const auto& [given, key] : bad) {
        INFO(given.dump());
        CHECK_THROWS_WITH(eks::cluster_options(params(given)), Catch::Contains(key));
    }
    for (const json& given : {json{{"region", "US"}}, json{{"eks_endpoint", "eks.local"}},
                              json{{"sts_endpoint", "ftp://x"}}}) {
        INFO(given.dump());
        CHECK_THROWS_AS(eks::aws_settings(params(given)), fluxburst::Error);
    }
}
