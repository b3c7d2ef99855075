#include "eks_params.hpp"

#include <cctype>

#include "aws_credentials.hpp"
#include "kube_burst_params.hpp"

namespace fluxburst::eks {
namespace {

void check_endpoint(const std::string& key, const std::string& value) {
    if (value.empty()) return;
    if (value.rfind("https://", 0) != 0 && value.rfind("http://", 0) != 0)
        throw Error(key + " must be an http(s):// URL, got '" + value + "'");
}

void check_arn(const std::string& key, const std::string& value) {
    if (!value.empty() && value.rfind("arn:", 0) != 0)
        throw Error(key + " must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got '" +
                    value + "'");
}

}  // namespace

void check_eks_name(const std::string& key, const std::string& value) {
    bool ok =
        !value.empty() && value.size() <= 100 && std::isalnum(static_cast<unsigned char>(value[0]));
    for (unsigned char c : value) ok = ok && (std::isalnum(c) || c == '-' || c == '_');
    if (!ok)
        throw Error(key + " '" + value +
                    "' is not an EKS name: 1 to 100 letters, digits, - and _, starting with a "
                    "letter or digit");
}

ParamSchema aws_parameters() {
    return {
        {"region", ParamType::String, "", false,
         "AWS region (default: AWS_REGION, else AWS_DEFAULT_REGION)"},
        {"profile", ParamType::String, "", false,
         "profile of the shared credentials file (default: the environment's keys, else "
         "AWS_PROFILE, else default)"},
        {"eks_endpoint", ParamType::String, "", false,
         "EKS API URL (default https://eks.<region>.amazonaws.com; a VPC endpoint, a test server)"},
        {"sts_endpoint", ParamType::String, "", false,
         "STS URL the Kubernetes token is signed for (default https://sts.<region>.amazonaws.com)"},
        {"cluster_name", ParamType::String, "flux-burst", false,
         "the EKS cluster: used when it exists, else created"},
        {"create_cluster", ParamType::Boolean, true, false,
         "create the cluster when it does not exist (false: it must exist)"},
        {"cluster_role_arn", ParamType::String, "", false,
         "to create the cluster: its IAM role (trusting eks.amazonaws.com)"},
        {"subnets", ParamType::List, nlohmann::json::array(), false,
         "to create the cluster: subnet ids in two or more availability zones (the node group "
         "defaults to the cluster's)"},
        {"security_groups", ParamType::List, nlohmann::json::array(), false,
         "to create the cluster: extra security group ids"},
        {"kubernetes_version", ParamType::String, "", false,
         "to create the cluster: Kubernetes version, e.g. 1.31 (default: EKS's)"},
        {"nodegroup_name", ParamType::String, "", false,
         "the managed node group the burst runs on (default <cluster_name>-burst): created "
         "when absent, grown for a larger burst"},
        {"node_role_arn", ParamType::String, "", false,
         "to create the node group: the nodes' IAM role (trusting ec2.amazonaws.com)"},
        {"instance_type", ParamType::String, "m5.large", false, "EC2 instance type of the nodes"},
        {"capacity_type", ParamType::String, "ON_DEMAND", false, "ON_DEMAND or SPOT"},
        {"ami_type", ParamType::String, "", false, "node AMI type, e.g. AL2023_x86_64_STANDARD"},
        {"disk_size", ParamType::Integer, 0, false, "node disk in GiB (0: EKS's default, 20)"},
        {"nodegroup_min_size", ParamType::Integer, 0, false,
         "node group minimum size when created"},
        {"nodegroup_max_size", ParamType::Integer, 8, false,
         "node group maximum size: all bursts at once (at least max_nodes)"},
        {"tags", ParamType::List, nlohmann::json::array(), false,
         "key=value tags on what is created (fluxburst-owner=<id> is always added)"},
        {"cluster_create_timeout", ParamType::Number, 1800.0, false,
         "seconds to wait for the cluster or node group to become ACTIVE"},
        {"cluster_delete_timeout", ParamType::Number, 1200.0, false,
         "seconds to wait for the node group, then the cluster, to be deleted on unburst"},
        {"cluster_poll_interval", ParamType::Number, 15.0, false,
         "seconds between two status checks of the cluster or node group"},
    };
}

AwsSettings aws_settings(const Params& params) {
    AwsSettings s;
    s.region = cloud::aws_region(params.get_string("region"));
    s.profile = params.get_string("profile");
    s.eks_endpoint = params.get_string("eks_endpoint");
    s.sts_endpoint = params.get_string("sts_endpoint");
    check_endpoint("eks_endpoint", s.eks_endpoint);
    check_endpoint("sts_endpoint", s.sts_endpoint);
    return s;
}

ClusterOptions cluster_options(const Params& params) {
    ClusterOptions o;
    o.cluster = params.get_string("cluster_name");
    check_eks_name("cluster_name", o.cluster);
    o.create_cluster = params.get_bool("create_cluster");
    o.cluster_role_arn = params.get_string("cluster_role_arn");
    check_arn("cluster_role_arn", o.cluster_role_arn);
    o.subnets = params.get_list("subnets");
    o.security_groups = params.get_list("security_groups");
    o.kubernetes_version = params.get_string("kubernetes_version");
    o.nodegroup = params.get_string("nodegroup_name");
    if (o.nodegroup.empty()) o.nodegroup = o.cluster.substr(0, 94) + "-burst";
    check_eks_name("nodegroup_name", o.nodegroup);
    o.node_role_arn = params.get_string("node_role_arn");
    check_arn("node_role_arn", o.node_role_arn);
    o.instance_type = params.get_string("instance_type");
    if (o.instance_type.empty() || o.instance_type.find('.') == std::string::npos)
        throw Error("instance_type must be an EC2 instance type like m5.large, got '" +
                    o.instance_type + "'");
    o.capacity_type = params.get_string("capacity_type");
    if (o.capacity_type != "ON_DEMAND" && o.capacity_type != "SPOT")
        throw Error("capacity_type must be ON_DEMAND or SPOT, got '" + o.capacity_type + "'");
    o.ami_type = params.get_string("ami_type");
    o.disk_size = params.get_int("disk_size");
    if (o.disk_size < 0) throw Error("disk_size must be 0 (the default) or more GiB");
    o.min_size = params.get_int("nodegroup_min_size");
    o.max_size = params.get_int("nodegroup_max_size");
    if (o.min_size < 0 || o.min_size > 100000) throw Error("nodegroup_min_size must be 0 or more");
    if (o.max_size < 1 || o.max_size < o.min_size || o.max_size > 100000)
        throw Error("nodegroup_max_size must be at least 1 and at least nodegroup_min_size, got " +
                    std::to_string(o.max_size));
    for (const std::string& tag : params.get_list("tags")) {
        const auto equals = tag.find('=');
        if (equals == std::string::npos || equals == 0)
            throw Error("tags: '" + tag + "' is not key=value");
        if (tag.compare(0, equals, "fluxburst-owner") == 0)
            throw Error("tags: fluxburst-owner is set by the plugin");
        o.tags[tag.substr(0, equals)] = tag.substr(equals + 1);
    }
    o.create_timeout = cloud::seconds_param(params, "cluster_create_timeout");
    o.delete_timeout = cloud::seconds_param(params, "cluster_delete_timeout");
    o.poll_interval = cloud::seconds_param(params, "cluster_poll_interval");
    return o;
}

}  // namespace fluxburst::eks
