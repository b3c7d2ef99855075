#include "kube_burst_params.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <regex>

#include <fluxburst/error.hpp>
#include <fluxburst/flux.hpp>
#include <fluxburst/state_file.hpp>
#include <fluxburst/trusted_file.hpp>

#include "kube_manifest.hpp"
#include "local_file.hpp"

namespace fluxburst::cloud {
namespace {

using fluxburst::ParamType;
namespace fp = fluxburst::flux_protocol;

std::int64_t int_in(const fluxburst::Params& p, const std::string& key, std::int64_t lo,
                    std::int64_t hi) {
    const std::int64_t v = p.get_int(key);
    if (v < lo || v > hi)
        throw Error("parameter " + key + " must be in " + std::to_string(lo) + ".." +
                    std::to_string(hi) + ", got " + std::to_string(v));
    return v;
}

/// A Kubernetes resource quantity ("2", "500m", "4Gi"), as the CRD's pattern says.
void check_quantity(const std::string& key, const std::string& value) {
    static const std::regex quantity(
        "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+("
        "\\.[0-9]*)?)|(\\.[0-9]+))))?$");
    if (!value.empty() && !std::regex_match(value, quantity))
        throw Error("parameter " + key + " '" + value +
                    "' is not a Kubernetes quantity (e.g. 2, 500m, 4Gi)");
}

bool label_part_ok(const std::string& s, std::size_t max) {
    static const std::regex re("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");
    return s.size() <= max && std::regex_match(s, re);
}

/// "key=value,key2=value2" with Kubernetes label syntax.
std::map<std::string, std::string> parse_selector(const std::string& text) {
    std::map<std::string, std::string> out;
    std::size_t start = 0;
    while (!text.empty() && start <= text.size()) {
        const auto comma = text.find(',', start);
        const std::string term =
            text.substr(start, comma == std::string::npos ? comma : comma - start);
        const auto eq = term.find('=');
        const std::string key = term.substr(0, eq);
        const std::string value = eq == std::string::npos ? "" : term.substr(eq + 1);
        const auto slash = key.find('/');
        const std::string name = slash == std::string::npos ? key : key.substr(slash + 1);
        const std::string prefix = slash == std::string::npos ? "" : key.substr(0, slash);
        if (eq == std::string::npos || name.empty() || !label_part_ok(name, 63) ||
            !label_part_ok(value, 63) || prefix.size() > 253 ||
            (slash != std::string::npos && !std::regex_match(prefix, std::regex("[a-z0-9.-]+"))))
            throw Error("parameter node_selector: '" + term +
                        "' is not a Kubernetes label (key=value, e.g. "
                        "node.kubernetes.io/instance-type=c2-standard-8)");
        out[key] = value;
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

std::string short_hostname() {
    char buf[256] = {0};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "";
    std::string h = buf;
    return h.substr(0, h.find('.'));
}

std::string default_state_dir() {
    const char* xdg = std::getenv("XDG_STATE_HOME");
    std::string base;
    if (xdg && *xdg) {
        base = xdg;
    } else {
        const char* home = std::getenv("HOME");
        if (!home || !*home)
            throw Error("no state_file given, and HOME is unset: set state_file (or config_dir)");
        base = std::string(home) + "/.local/state";
    }
    return base + "/flux-burst";
}

void make_private_dirs(const std::string& dir) {
    std::size_t at = 1;
    while (at <= dir.size()) {
        const auto slash = dir.find('/', at);
        const std::string part = dir.substr(0, slash);
        if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
            throw Error("cannot create the state directory '" + part +
                        "': " + std::strerror(errno));
        if (slash == std::string::npos) break;
        at = slash + 1;
    }
}

}  // namespace

std::chrono::milliseconds seconds_param(const fluxburst::Params& p, const std::string& key) {
    const double s = p.get_number(key);
    if (!(s > 0) || s > 7 * 24 * 3600.0)
        throw Error("parameter " + key +
                    " must be a number of seconds above 0 (at most a week), "
                    "got " +
                    std::to_string(s));
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(s * 1000)));
}

nlohmann::json recorded_bursts(const nlohmann::json& state) {
    const nlohmann::json kube = state.value("kubernetes", nlohmann::json::object());
    const nlohmann::json bursts =
        kube.is_object() ? kube.value("bursts", nlohmann::json::object()) : nlohmann::json();
    return bursts.is_object() ? bursts : nlohmann::json::object();
}

std::int64_t nodes_in_use(const nlohmann::json& bursts) {
    std::int64_t used = 0;
    for (const auto& [name, record] : bursts.items())
        if (record.is_object()) used += record.value("nodes", std::int64_t{0});
    return used;
}

std::optional<std::int64_t> burst_free_nodes(const KubeBurstSettings& settings,
                                             std::int64_t cluster_max) {
    nlohmann::json bursts;
    try {
        bursts = recorded_bursts(fluxburst::StateFile(settings.state_file).read());
    } catch (const fluxburst::Error&) {
        return std::nullopt;
    }
    std::int64_t free_slots = 0;
    for (const auto& slot : settings.options.topology.bursts)
        if (!bursts.contains(slot.name)) ++free_slots;
    std::int64_t free = free_slots * settings.max_nodes;
    std::int64_t limit = settings.capacity;
    if (cluster_max > 0 && (limit == 0 || cluster_max < limit)) limit = cluster_max;
    if (limit > 0) free = std::min(free, std::max<std::int64_t>(0, limit - nodes_in_use(bursts)));
    return free;
}

bool burst_takes(const KubeBurstSettings& settings, std::optional<std::int64_t> free,
                 std::int64_t nodes) {
    if (nodes < 1 || nodes > settings.max_nodes) return false;
    return !free || *free >= nodes;
}

fluxburst::ParamSchema kube_burst_parameters() {
    return {
        {"lead_address", ParamType::String, nullptr, true,
         "where the burst brokers reach this instance's rank 0: a DNS name or IP address "
         "reachable from the cluster's pods (original: lead_host)"},
        {"port", ParamType::Integer, 8050, false,
         "rank 0's TCP port, to open to the cluster's pods (original: lead_port)"},
        {"lead_hosts", ParamType::String, "", false,
         "hostlist of this instance's own hosts, rank 0 first, e.g. lead[0-3]; its length is "
         "the lead size (original: lead_size) (default: this machine's host name)"},
        {"bind_uri", ParamType::String, "", false,
         "setup: rank 0's ZeroMQ bind URI (default tcp://*:%p: every interface)"},
        {"burst_prefix", ParamType::String, "burst", false,
         "prefix of burst names: bursts are <prefix>-<instance tag>-<n>, their pods' hosts "
         "<name>-0.. (original: name, always burst-0)"},
        {"bursts", ParamType::Integer, 2, false,
         "how many bursts may live at once: the lead's setup declares this many"},
        {"max_nodes", ParamType::Integer, 4, false,
         "nodes of each declared burst: the largest job this plugin takes"},
        {"capacity", ParamType::Integer, 0, false,
         "nodes the cluster can run in all bursts together (0: not known, only bursts and "
         "max_nodes limit; gke and eks are also bound by their node pool's or node group's "
         "largest size)"},
        {"namespace", ParamType::String, "flux-operator", false,
         "namespace of the MiniClusters and Secrets (created when missing)"},
        {"create_namespace", ParamType::Boolean, true, false,
         "create the namespace when missing (and delete it on unburst if this created it)"},
        {"api_version", ParamType::String, "v1alpha2", false,
         "the Flux Operator's MiniCluster API: v1alpha2 or v1alpha1"},
        {"image", ParamType::String, "ghcr.io/flux-framework/flux-restful-api:latest", false,
         "container image of the burst brokers; its Flux must be compatible with this "
         "instance's"},
        {"image_pull_secret", ParamType::String, "", false,
         "name of a Secret in the namespace to pull the image with"},
        {"pull_always", ParamType::Boolean, false, false, "always pull the image"},
        {"cpu", ParamType::String, "", false,
         "CPU limit and request of each broker pod, e.g. 7 or 3500m (original: cpu_limit)"},
        {"memory", ParamType::String, "", false,
         "memory limit and request of each broker pod, e.g. 28Gi (original: memory_limit)"},
        {"gpus", ParamType::Integer, 0, false, "nvidia.com/gpu limit of each broker pod"},
        {"node_selector", ParamType::String, "", false,
         "pods run on nodes with these labels: key=value,... e.g. "
         "node.kubernetes.io/instance-type=c2-standard-8 (the original's machine_type)"},
        {"service_account", ParamType::String, "", false, "service account of the burst pods"},
        {"log_level", ParamType::Integer, 6, false,
         "the burst brokers' log level, 0-7 (original: log_level)"},
        {"option_flags", ParamType::String, "", false,
         "the MiniCluster's flux.optionFlags (original: flags)"},
        {"wrap", ParamType::String, "", false,
         "flux start --wrap arguments, e.g. strace,-e,network (original: wrap)"},
        {"connect_timeout", ParamType::String, "5s", false,
         "the brokers' tbon.connect_timeout (original: connect_timeout)"},
        {"flux_user", ParamType::String, "", false,
         "v1alpha1 only: the container's flux user (original: flux_user)"},
        {"logging", ParamType::List, nlohmann::json::array(), false,
         "MiniCluster logging flags: any of quiet, strict, debug, timed, zeromq"},
        {"config_dir", ParamType::String, "", false,
         "the lead's configuration: setup writes conf.d/ (bootstrap, resource), R and "
         "curve.cert here; the lead broker starts with --config-path <config_dir>/conf.d"},
        {"curve_cert", ParamType::String, "", false,
         "the lead's CURVE certificate, shared with the bursts (default "
         "<config_dir>/curve.cert)"},
        {"munge_key", ParamType::String, "", false,
         "a munge key file to give the bursts, for multi-user execution (default: none)"},
        {"cores", ParamType::String, "0", false, "setup: core ids of each node in R, e.g. 0-7"},
        {"gpus_per_node", ParamType::String, "", false,
         "setup: GPU ids of each node in R, e.g. 0-1 (default: none)"},
        {"operator_manifest", ParamType::String, "", false,
         "the Flux Operator's manifest (multi-document YAML, e.g. a release's "
         "flux-operator.yaml), applied through the API server when MiniClusters are not "
         "served (default: the operator must be installed)"},
        {"operator_timeout", ParamType::Number, 300.0, false,
         "seconds the Flux Operator installed from operator_manifest may take to be ready"},
        {"start_timeout", ParamType::Number, 600.0, false,
         "seconds a burst's pods may take to run; a burst still Pending or Failed then is "
         "deleted and reported with the API's reason"},
        {"delete_timeout", ParamType::Number, 300.0, false,
         "seconds unburst waits for a burst's pods to be gone"},
        {"poll_interval", ParamType::Number, 2.0, false, "seconds between two looks at the pods"},
        {"request_timeout", ParamType::Number, 30.0, false,
         "seconds one Kubernetes API request may take"},
        {"state_file", ParamType::String, "", false,
         "where bursts are recorded for unburst, also after a restart (default "
         "<config_dir>/fluxburst-<plugin>.json, else ~/.local/state/flux-burst/"
         "<plugin>-<instance tag>.json)"},
    };
}

KubeBurstSettings kube_burst_settings(const fluxburst::Params& p, const std::string& plugin) {
    KubeBurstSettings s;
    KubeBurstOptions& o = s.options;
    o.label = plugin;
    o.ns = p.get_string("namespace");
    check_label_name(o.ns, "parameter namespace");
    o.create_namespace = p.get_bool("create_namespace");

    topology::Topology& t = o.topology;
    t.lead_address = p.get_string("lead_address");
    if (t.lead_address.empty())
        throw Error(
            "parameter lead_address is empty: give the address the cluster's pods reach "
            "this instance's rank 0 at");
    topology::check_host_name(t.lead_address, "lead_address");
    t.port = int_in(p, "port", 1, 65535);
    t.bind = p.get_string("bind_uri");
    const std::string lead_hosts = p.get_string("lead_hosts");
    if (lead_hosts.empty()) {
        const std::string self = short_hostname();
        if (self.empty())
            throw Error("parameter lead_hosts is empty and this machine's host name is unknown");
        t.lead_hosts = {self};
    } else {
        try {
            t.lead_hosts = fp::expand_hostlist(lead_hosts);
        } catch (const std::exception& e) {
            throw Error("parameter lead_hosts '" + lead_hosts + "' is not a hostlist: " + e.what());
        }
    }
    const std::string prefix = p.get_string("burst_prefix");
    topology::check_dns_label(prefix, "burst_prefix");
    const std::int64_t count = int_in(p, "bursts", 1, 64);
    s.max_nodes = int_in(p, "max_nodes", 1, 4096);
    s.capacity = int_in(p, "capacity", 0, 1 << 20);
    const std::string tag = topology::instance_tag(t.lead_address + ":" + std::to_string(t.port));
    t.bursts = topology::declare_bursts(prefix, tag, count, s.max_nodes);
    t.check();

    MiniClusterSpec& m = o.minicluster;
    m.api_version = p.get_string("api_version");
    if (m.api_version != "v1alpha2" && m.api_version != "v1alpha1")
        throw Error("parameter api_version must be v1alpha2 or v1alpha1, got '" + m.api_version +
                    "'");
    m.image = p.get_string("image");
    if (m.image.empty() || m.image.find_first_of(" \t\r\n") != std::string::npos)
        throw Error("parameter image must be an image reference without spaces, got '" + m.image +
                    "'");
    m.image_pull_secret = p.get_string("image_pull_secret");
    if (!m.image_pull_secret.empty())
        check_object_name(m.image_pull_secret, "parameter image_pull_secret");
    m.pull_always = p.get_bool("pull_always");
    m.cpu = p.get_string("cpu");
    check_quantity("cpu", m.cpu);
    m.memory = p.get_string("memory");
    check_quantity("memory", m.memory);
    if (const std::int64_t gpus = int_in(p, "gpus", 0, 64); gpus > 0)
        m.extra_resources["nvidia.com/gpu"] = std::to_string(gpus);
    m.node_selector = parse_selector(p.get_string("node_selector"));
    m.service_account = p.get_string("service_account");
    if (!m.service_account.empty())
        check_object_name(m.service_account, "parameter service_account");
    m.log_level = int_in(p, "log_level", 0, 7);
    m.option_flags = p.get_string("option_flags");
    m.wrap = p.get_string("wrap");
    m.connect_timeout = p.get_string("connect_timeout");
    m.flux_user = p.get_string("flux_user");
    if (!m.flux_user.empty() && m.api_version != "v1alpha1")
        throw Error(
            "parameter flux_user is a v1alpha1 field; with api_version v1alpha2 leave it "
            "empty (the image's user runs Flux)");
    for (const std::string& f : p.get_list("logging")) {
        if (f != "quiet" && f != "strict" && f != "debug" && f != "timed" && f != "zeromq")
            throw Error("parameter logging: '" + f +
                        "' is not one of quiet, strict, debug, timed, zeromq");
        m.logging[f] = true;
    }

    s.config_dir = p.get_string("config_dir");
    s.curve_cert_path = p.get_string("curve_cert");
    if (s.curve_cert_path.empty() && !s.config_dir.empty())
        s.curve_cert_path = s.config_dir + "/curve.cert";
    s.munge_key_path = p.get_string("munge_key");
    s.cores = p.get_string("cores");
    s.gpus_per_node = p.get_string("gpus_per_node");

    o.start_timeout = seconds_param(p, "start_timeout");
    o.delete_timeout = seconds_param(p, "delete_timeout");
    o.poll_interval = seconds_param(p, "poll_interval");
    o.flux_operator.origin = p.get_string("operator_manifest");
    if (!o.flux_operator.origin.empty())
        o.flux_operator.manifest = read_manifest(o.flux_operator.origin, "operator_manifest");
    o.flux_operator.timeout = seconds_param(p, "operator_timeout");
    o.flux_operator.poll = o.poll_interval;
    s.request_timeout = seconds_param(p, "request_timeout");

    s.state_file = p.get_string("state_file");
    if (s.state_file.empty()) {
        if (!s.config_dir.empty()) {
            s.state_file = s.config_dir + "/fluxburst-" + plugin + ".json";
        } else {
            const std::string dir = default_state_dir();
            make_private_dirs(dir);
            s.state_file = dir + "/" + plugin + "-" + tag + ".json";
        }
    }
    return s;
}

void load_burst_keys(KubeBurstSettings& s) {
    if (s.curve_cert_path.empty())
        throw Error(s.options.label +
                    ": no CURVE certificate: set curve_cert (the lead's) or config_dir (where "
                    "`flux-burst setup " +
                    s.options.label + "` writes it)");
    auto cert =
        read_trusted_file(s.curve_cert_path, "CURVE certificate", TrustedOwner::User, 64 * 1024);
    if (!cert)
        throw Error(s.options.label + ": the CURVE certificate '" + s.curve_cert_path +
                    "' does not exist: run `flux-burst setup " + s.options.label +
                    "`, or set curve_cert to the lead's");
    s.options.curve_cert = std::move(*cert);
    if (!s.munge_key_path.empty())
        s.options.munge_key = read_local_file(s.munge_key_path, 64 * 1024, "munge key");
}

fluxburst::topology::LeadSetup lead_setup(const KubeBurstSettings& s, bool overwrite) {
    if (s.config_dir.empty())
        throw Error(s.options.label +
                    " setup: set config_dir, where the lead's configuration is "
                    "written");
    topology::LeadSetup l;
    l.config_dir = s.config_dir;
    l.topology = s.options.topology;
    l.cores = s.cores;
    l.gpus = s.gpus_per_node;
    if (!s.curve_cert_path.empty() && s.curve_cert_path != s.config_dir + "/curve.cert")
        l.curve_cert = s.curve_cert_path;
    l.overwrite = overwrite;
    return l;
}

fluxburst::BurstResult write_burst_lead_setup(const KubeBurstSettings& settings, bool overwrite,
                                              const std::string& who) {
    namespace topo = fluxburst::topology;
    const topo::LeadSetup lead = lead_setup(settings, overwrite);
    const topo::LeadSetupResult r = topo::write_lead_setup(lead);
    const auto& t = lead.topology;
    std::string declared;
    for (const auto& slot : t.bursts)
        declared += (declared.empty() ? "" : ", ") + slot.name + "-[0-" +
                    std::to_string(slot.size - 1) + "]";
    const std::string start =
        "flux broker --config-path=" + r.config_path +
        " -Sbroker.rc2_none -Sbroker.quorum=" + std::to_string(t.lead_hosts.size());
    nlohmann::json details = {{"files", r.files},
                              {"config_path", r.config_path},
                              {"curve_cert", r.curve_cert},
                              {"lead_hosts", fp::compress_hostlist(t.lead_hosts)},
                              {"bursts", declared},
                              {"start_leader", start},
                              {"listen", {{"address", t.lead_address}, {"port", t.port}}}};
    return {"wrote the lead's configuration into " + lead.config_dir + " (" +
                std::to_string(t.lead_hosts.size()) + " lead host(s), then " +
                std::to_string(t.bursts.size()) + " burst(s) of " +
                std::to_string(settings.max_nodes) + " node(s): " + declared + "); open TCP port " +
                std::to_string(t.port) + " of " + t.lead_address + " to " + who +
                ", and start the lead with: " + start,
            details};
}

}  // namespace fluxburst::cloud
