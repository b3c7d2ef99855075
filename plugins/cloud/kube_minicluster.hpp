// Flux Operator MiniCluster manifests for a connected burst, and the Secret that
// carries the burst's keys.
//
// One MiniCluster per burst: `size` pods whose brokers join the lead instance.
// v1alpha2 (the default) gets the CURVE certificate inline (curveCert) and the
// complete broker config rendered by the topology (brokerConfig): the v1alpha2
// operator's own burst host block is broken. v1alpha1 gets the certificate from the
// Secret (curveCertSecret) and the same brokerConfig (its own host list is wrong for
// a lead of one host). Both carry spec.flux.bursting (leadBroker and the burst's
// clusters entry), as the operator expects of a burst.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace fluxburst::cloud {

/// Where the operator puts the CURVE certificate in the pods: what the broker config
/// must name as curve_cert for `api_version`.
std::string minicluster_curve_cert_path(const std::string& api_version);

/// The keys of the burst Secret, as the operator mounts them.
inline constexpr const char* kCurveCertKey = "curve.cert";
inline constexpr const char* kMungeKeyKey = "munge.key";

struct MiniClusterSpec {
    std::string api_version = "v1alpha2";  ///< v1alpha1 or v1alpha2
    std::string name;                      ///< also the pods' host name prefix
    std::string ns;
    std::int64_t size = 1;   ///< pods (brokers) to start
    std::int64_t slots = 1;  ///< hosts declared for the burst (>= size)
    std::int64_t tasks = 0;  ///< spec.tasks; 0: left out
    std::string image;
    std::string image_pull_secret;
    bool pull_always = false;
    std::string cpu, memory;  ///< container limits and requests ("" : none)
    std::map<std::string, std::string> extra_resources;  ///< e.g. nvidia.com/gpu: "1"
    std::map<std::string, std::string> node_selector;
    std::string service_account;
    // The lead broker.
    std::string lead_address;
    std::int64_t lead_port = 8050;
    std::string lead_name;  ///< host name prefix of the lead (informational for the operator)
    std::int64_t lead_size = 1;
    // Flux.
    std::string broker_config;  ///< complete remote broker config (TOML)
    std::string curve_cert;     ///< certificate text (inline for v1alpha2)
    std::string secret_name;    ///< Secret with curve.cert (and munge.key)
    bool munge = false;         ///< the Secret holds munge.key
    std::int64_t log_level = 6;
    std::string option_flags, wrap, connect_timeout;
    std::string flux_user;  ///< v1alpha1 only (containers[].fluxUser)
    /// spec.logging flags: quiet, strict, debug, timed, zeromq.
    std::map<std::string, bool> logging;
    /// metadata.labels of the MiniCluster and spec.pod.labels of its pods.
    std::map<std::string, std::string> labels;
};

/// The MiniCluster object. Throws fluxburst::Error for an unknown API version, a
/// size outside 1..slots, a field the chosen version cannot carry (flux_user in
/// v1alpha2) or a missing name, image, address or broker config.
nlohmann::json minicluster_manifest(const MiniClusterSpec& spec);

/// The Secret: data curve.cert (and munge.key when `munge_key` is not empty), both
/// base64 of the exact bytes, type Opaque.
nlohmann::json burst_secret_manifest(const std::string& name, const std::string& ns,
                                     const std::string& curve_cert, const std::string& munge_key,
                                     const std::map<std::string, std::string>& labels);

/// The Namespace object.
nlohmann::json namespace_manifest(const std::string& name,
                                  const std::map<std::string, std::string>& labels);

}  // namespace fluxburst::cloud
