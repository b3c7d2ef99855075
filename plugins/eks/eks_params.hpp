// The eks plugin's AWS parameters: declared once (names, types, defaults, help), and
// turned into the cluster options with every value checked at load, so that a typo
// is refused before anything is created.
#pragma once

#include <optional>
#include <string>

#include <fluxburst/params.hpp>

#include "eks_cluster.hpp"

namespace fluxburst::eks {

/// The AWS side's parameters (region, credentials, cluster, node group, timeouts).
ParamSchema aws_parameters();

/// Where the AWS side talks to and with which identity.
struct AwsSettings {
    std::string region;
    std::string profile;
    std::string eks_endpoint;  ///< "" = the region's
    std::string sts_endpoint;  ///< "" = the region's
};

/// The settings and cluster options from validated parameters. Throws
/// fluxburst::Error naming the parameter and what is wrong with it.
AwsSettings aws_settings(const Params& params);
ClusterOptions cluster_options(const Params& params);

/// An EKS name (cluster, node group): 1-100 of A-Z a-z 0-9 - _, starting with a
/// letter or digit. Throws fluxburst::Error naming `key` otherwise.
void check_eks_name(const std::string& key, const std::string& value);

}  // namespace fluxburst::eks
