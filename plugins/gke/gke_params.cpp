#include "gke_params.hpp"

#include <regex>

#include <fluxburst/error.hpp>
#include <fluxburst/trusted_file.hpp>

#include "kube_burst_params.hpp"

namespace fluxburst::gke {
namespace {

/// "key=value" items as Google labels (lower-case keys and values, at most 63).
std::map<std::string, std::string> labels_of(const Params& params, const std::string& key) {
    static const std::regex label_key("[a-z][-_a-z0-9]{0,62}");
    static const std::regex label_value("[-_a-z0-9]{0,63}");
    std::map<std::string, std::string> out;
    for (const std::string& item : params.get_list(key)) {
        const auto equals = item.find('=');
        const std::string k = item.substr(0, equals);
        const std::string v = equals == std::string::npos ? "" : item.substr(equals + 1);
        if (equals == std::string::npos || !std::regex_match(k, label_key) ||
            !std::regex_match(v, label_value))
            throw Error(key + ": '" + item +
                        "' is not a Google label key=value (lower-case letters, digits, - and "
                        "_, the key starting with a letter, each at most 63)");
        if (k == "fluxburst-owner") throw Error(key + ": fluxburst-owner is set by the plugin");
        out[k] = v;
    }
    return out;
}

}  // namespace

void check_gke_name(const std::string& key, const std::string& value) {
    static const std::regex name("[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?");
    if (!std::regex_match(value, name))
        throw Error(key + " '" + value +
                    "' is not a GKE name: 1 to 40 lower-case letters, digits and -, starting "
                    "with a letter and not ending with -");
}

ParamSchema google_parameters() {
    return {
        {"project", ParamType::String, "", false,
         "Google Cloud project (default: the service account key's project)"},
        {"location", ParamType::String, "us-central1-a", false,
         "zone or region of the cluster (original: zone)"},
        {"credentials_file", ParamType::String, "", false,
         "Google credentials, service account key or authorized_user, mode 0600 (default: "
         "GOOGLE_APPLICATION_CREDENTIALS, gcloud's, or the metadata server)"},
        {"gke_endpoint", ParamType::String, "https://container.googleapis.com/v1", false,
         "GKE API base URL (a private endpoint, a test server)"},
        {"google_ca_file", ParamType::String, "", false,
         "trust only this CA (PEM) for Google's endpoints (private endpoints, tests)"},
        {"cluster_name", ParamType::String, "flux-burst", false,
         "the GKE cluster: used when it exists, else created (original: cluster_name)"},
        {"create_cluster", ParamType::Boolean, true, false,
         "create the cluster when it does not exist (false: it must exist)"},
        {"node_pool", ParamType::String, "", false,
         "the node pool the bursts run on (default <cluster_name>-pool, at most 40 "
         "characters): created with the cluster, or in a cluster found without it; grown "
         "with setSize for a larger burst"},
        {"machine_type", ParamType::String, "c2-standard-8", false,
         "machine type of the pool's nodes (original: machine_type)"},
        {"disk_size_gb", ParamType::Integer, 0, false,
         "boot disk of each node in GB (0: GKE's default)"},
        {"node_tags", ParamType::List, nlohmann::json::array({"flux-burst"}), false,
         "network tags of the nodes (for the firewall rule that lets them reach the lead)"},
        {"labels", ParamType::List, nlohmann::json::array(), false,
         "key=value resource labels of a cluster it creates (fluxburst-owner=<id> is always "
         "added, also to the nodes of a pool it creates)"},
        {"pool_max_nodes", ParamType::Integer, 8, false,
         "the most nodes the pool may grow to: all bursts at once (at least max_nodes)"},
        {"cluster_create_timeout", ParamType::Number, 1800.0, false,
         "seconds to wait for the cluster to be RUNNING, or a pool to be created or resized"},
        {"cluster_delete_timeout", ParamType::Number, 1200.0, false,
         "seconds to wait for the pool, then the cluster, to be deleted (or the pool's size "
         "restored) on unburst"},
        {"cluster_poll_interval", ParamType::Number, 10.0, false,
         "seconds between two looks at the cluster or an operation"},
    };
}

GoogleSettings google_settings(const Params& params) {
    GoogleSettings s;
    s.project = params.get_string("project");
    static const std::regex project("[a-z][-a-z0-9.:]{0,62}");
    if (!s.project.empty() && !std::regex_match(s.project, project))
        throw Error("project '" + s.project + "' is not a Google Cloud project id");
    s.location = params.get_string("location");
    static const std::regex location("[a-z]+-[a-z]+[0-9]+(-[a-z])?");
    if (!std::regex_match(s.location, location))
        throw Error("location '" + s.location +
                    "' is not a Google Cloud zone or region (e.g. us-central1-a, us-central1)");
    s.gke_endpoint = params.get_string("gke_endpoint");
    if (s.gke_endpoint.rfind("https://", 0) != 0)
        throw Error("gke_endpoint '" + s.gke_endpoint + "' is not an https:// URL");
    while (!s.gke_endpoint.empty() && s.gke_endpoint.back() == '/') s.gke_endpoint.pop_back();
    s.auth.credentials_file = params.get_string("credentials_file");
    const std::string ca_file = params.get_string("google_ca_file");
    if (!ca_file.empty()) {
        auto pem = fluxburst::read_trusted_file(ca_file, "google_ca_file",
                                                fluxburst::TrustedOwner::UserOrRoot, 1 << 20);
        if (!pem) throw Error("google_ca_file " + ca_file + " does not exist");
        s.auth.ca_pem = *pem;
    }
    return s;
}

ClusterOptions cluster_options(const Params& params) {
    ClusterOptions o;
    o.cluster = params.get_string("cluster_name");
    check_gke_name("cluster_name", o.cluster);
    o.create_cluster = params.get_bool("create_cluster");
    o.pool.name = params.get_string("node_pool");
    if (o.pool.name.empty()) o.pool.name = o.cluster.substr(0, 35) + "-pool";
    check_gke_name("node_pool", o.pool.name);
    o.pool.machine_type = params.get_string("machine_type");
    static const std::regex machine("[a-z][-a-z0-9]{0,62}");
    if (!std::regex_match(o.pool.machine_type, machine))
        throw Error("machine_type '" + o.pool.machine_type +
                    "' is not a Compute Engine machine type (e.g. c2-standard-8)");
    o.pool.disk_size_gb = params.get_int("disk_size_gb");
    if (o.pool.disk_size_gb < 0 || (o.pool.disk_size_gb > 0 && o.pool.disk_size_gb < 10) ||
        o.pool.disk_size_gb > 65536)
        throw Error("disk_size_gb must be 0 (GKE's default) or 10 to 65536, got " +
                    std::to_string(o.pool.disk_size_gb));
    static const std::regex tag("[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?");
    for (const std::string& t : params.get_list("node_tags")) {
        if (!std::regex_match(t, tag))
            throw Error("node_tags: '" + t +
                        "' is not a network tag (lower-case letters, digits and -, at most 63)");
        o.pool.tags.push_back(t);
    }
    o.labels = labels_of(params, "labels");
    o.max_nodes = params.get_int("pool_max_nodes");
    if (o.max_nodes < 1 || o.max_nodes > 15000)
        throw Error("pool_max_nodes must be 1 to 15000, got " + std::to_string(o.max_nodes));
    o.create_waits.timeout = cloud::seconds_param(params, "cluster_create_timeout");
    o.delete_waits.timeout = cloud::seconds_param(params, "cluster_delete_timeout");
    o.create_waits.poll = o.delete_waits.poll =
        cloud::seconds_param(params, "cluster_poll_interval");
    return o;
}

}  // namespace fluxburst::gke
