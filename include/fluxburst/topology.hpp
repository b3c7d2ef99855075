// The connected-burst topology: how a Flux instance gains remote ranks.
//
// The lead instance's bootstrap config pre-declares the burst hosts after its own
// hosts, in rank order; those ranks stay down until brokers with those host names
// connect. The remote brokers start with a config listing the same hosts in the same
// order (so each finds its rank by its host name) and reach rank 0 at the lead's
// public address and port. The tree is flat (every burst broker's parent is rank 0,
// so one open port suffices), and both sides share one CURVE certificate.
//
//   namespace topo = fluxburst::topology;
//   topo::Topology t;
//   t.lead_hosts = fluxburst::flux_protocol::expand_hostlist("lead[0-3]");
//   t.lead_address = "34.1.2.3";  t.port = 30093;
//   std::string tag = topo::instance_tag("34.1.2.3:30093");
//   t.bursts = topo::declare_bursts("burst", tag, 2, 4);   // burst-<tag>-0-[0-3], -1-[0-3]
//   std::string lead = topo::lead_config(t, "/etc/flux/system/curve.cert");
//   std::string remote = topo::remote_config(t, "/mnt/curve/curve.cert");
//
// Everything here but write_lead_setup() and the certificate files is a pure
// function of its arguments. Errors are fluxburst::Error naming the field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <fluxburst/curve_cert.hpp>
#include <fluxburst/export.hpp>

namespace fluxburst::topology {

// ---- names ------------------------------------------------------------------------

/// True when `name` is a DNS-1123 label: 1 to 63 characters, lower-case letters,
/// digits and '-', starting and ending with a letter or digit. Such a name is valid
/// as a Kubernetes object name, a pod host name, a VM name and a Flux host name.
FLUXBURST_API bool is_dns_label(std::string_view name);

/// Throws Error unless `name` is a DNS-1123 label; `what` names it in the message
/// ("burst_prefix", "hosts[3]") and the message says what is wrong and the rule.
FLUXBURST_API void check_dns_label(std::string_view name, std::string_view what);

/// Throws Error unless `host` is a host name Flux's [bootstrap] accepts: dot-separated
/// labels of letters, digits and '-' (not at either end), 1 to 63 characters each,
/// at most 253 in all.
FLUXBURST_API void check_host_name(std::string_view host, std::string_view what);

/// A short tag (8 lower-case hex digits) for a Flux instance, computed from what
/// tells instances apart: e.g. the lead's public "address:port" (two instances
/// cannot share one). The same identity always gives the same tag.
FLUXBURST_API std::string instance_tag(std::string_view identity);

/// The name of burst number `index` of the instance tagged `tag`:
/// "<prefix>-<tag>-<index>". Two bursts of one instance, or bursts of two instances,
/// never share a name. Throws Error when the prefix is not a DNS label, or the name
/// would leave no room (63 characters) for host names "<name>-<n>".
FLUXBURST_API std::string burst_name(std::string_view prefix, std::string_view tag,
                                     std::int64_t index);

/// The host names of a burst of `size` nodes, in rank order: "<name>-0" ...
/// "<name>-<size-1>" (a Flux Operator MiniCluster's pod host names). Throws Error
/// for size < 1 or a host name that is not a DNS label.
FLUXBURST_API std::vector<std::string> burst_hosts(std::string_view name, std::int64_t size);

// ---- the topology -----------------------------------------------------------------

/// One pre-declared burst: `size` hosts named burst_hosts(name, size).
struct BurstSlot {
    std::string name;
    std::int64_t size = 0;
};

/// `count` bursts of `size` hosts each, named burst_name(prefix, tag, 0..count-1).
FLUXBURST_API std::vector<BurstSlot> declare_bursts(std::string_view prefix, std::string_view tag,
                                                    std::int64_t count, std::int64_t size);

/// Where each broker of a connected burst sits.
struct FLUXBURST_API Topology {
    /// The lead instance's own hosts, rank 0 first (expand_hostlist("lead[0-3]")).
    std::vector<std::string> lead_hosts;
    /// The pre-declared bursts: their hosts follow the lead's, in this order.
    std::vector<BurstSlot> bursts;
    /// Where rank 0 is reached from the burst machines: a DNS name or an IP address.
    std::string lead_address;
    /// Rank 0's TCP port: the port to open to the burst machines.
    std::int64_t port = 8050;
    /// Rank 0's ZeroMQ bind URI, as Flux reads it (%p is the port, %h the host);
    /// "" means "tcp://*:%p" (every interface).
    std::string bind;
    /// Rank 0's connect URI; "" means "tcp://<lead_address>:%p".
    std::string connect;

    /// Every host in rank order: the lead's, then each burst's.
    std::vector<std::string> hosts() const;
    /// The number of ranks (brokers) of the instance.
    std::int64_t size() const;
    /// The rank of the first host of burst `index` (Error when out of range).
    std::int64_t first_rank(std::size_t index) const;
    /// The bind and connect URIs actually written for rank 0.
    std::string bind_uri() const;
    std::string connect_uri() const;
    /// The tree fanout written ([tbon] topo = "kary:<fanout>"): at least size(),
    /// so that every broker's parent is rank 0. At least 256.
    std::int64_t fanout() const;
    /// Throws Error naming the field when the topology cannot be rendered: no lead
    /// host, a host name Flux refuses or given twice (it would shift every later
    /// rank), a burst name that is not a DNS label, a port outside 1-65535, an
    /// empty address or a URI with quotes or spaces.
    void check() const;
};

/// The lead instance's broker config (TOML): [bootstrap] with `curve_cert`,
/// `default_port`, `hosts` in rank order (rank 0 with `bind` and `connect`, the
/// others compressed into hostlists: a lead of one host has only its own entry), and
/// [tbon] `topo` = "kary:<fanout>" (a flat tree). Calls t.check().
FLUXBURST_API std::string lead_config(const Topology& t, const std::string& curve_cert);

/// The remote brokers' config (TOML): the same hosts in the same order, rank 0
/// reached at connect_uri() (the lead's public address and port), `curve_cert` the
/// path of the shared certificate on the remote machines, the same flat tree. Rank 0's
/// bind is left out (it names the lead's interface, which means nothing remotely).
FLUXBURST_API std::string remote_config(const Topology& t, const std::string& curve_cert);

/// [resource] config pointing at the R file `R_path`, with noverify = true (the
/// burst machines' hardware is not checked against R).
FLUXBURST_API std::string resource_config(const std::string& R_path);

/// An RFC 20 R object (version 1) for `hosts` in rank order, each with the cores
/// `cores` (an idset, e.g. "0-7") and, when not empty, the GPUs `gpus`.
FLUXBURST_API nlohmann::json resource_R(const std::vector<std::string>& hosts,
                                        const std::string& cores, const std::string& gpus = "");

// ---- the lead's setup, written ---------------------------------------------------

/// What write_lead_setup() writes.
struct LeadSetup {
    /// Created 0700 when missing; refused when owned by another user or writable by
    /// group or others. Files: conf.d/bootstrap.toml, conf.d/resource.toml, R,
    /// curve.cert (unless `curve_cert` is given).
    std::string config_dir;
    Topology topology;
    /// The instance's R (JSON text); "" renders resource_R(hosts, cores, gpus).
    std::string R;
    std::string cores = "0";
    std::string gpus;
    /// An existing certificate to use; "" generates <config_dir>/curve.cert.
    std::string curve_cert;
    /// Replace existing files; otherwise any of them existing refuses the whole setup
    /// before anything is written.
    bool overwrite = false;
};

/// What was written.
struct LeadSetupResult {
    std::vector<std::string> files;  ///< paths written, in order
    std::string config_path;         ///< <config_dir>/conf.d: flux broker --config-path
    std::string curve_cert;          ///< the certificate the config names
};

/// Write the lead's setup (config files 0644, the certificate 0600, each atomically).
/// Throws Error naming the file and the fix (overwrite) when one exists.
FLUXBURST_API LeadSetupResult write_lead_setup(const LeadSetup& setup);

}  // namespace fluxburst::topology
