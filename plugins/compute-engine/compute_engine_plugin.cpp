// The compute-engine plugin: bursts onto Google Compute Engine VMs (no Kubernetes).
// Each burst is one pre-declared slot of the topology: its VMs are named after the
// slot's host names, boot with a script that writes the remote brokers' config and
// the shared certificate and starts `flux broker`, and so join the lead instance as
// the ranks it declared for them. unburst() deletes exactly the VMs it created
// (checked by name and label), also from a restarted controller (state file).
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fluxburst/error.hpp>
#include <fluxburst/flux.hpp>
#include <fluxburst/job.hpp>
#include <fluxburst/plugin.hpp>
#include <fluxburst/state_file.hpp>
#include <fluxburst/topology.hpp>
#include <fluxburst/trusted_file.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "compute_zone.hpp"
#include "google_api.hpp"
#include "google_auth.hpp"
#include "startup_script.hpp"

namespace {

namespace topo = fluxburst::topology;
namespace ce = fluxburst::compute_engine;
namespace cloud = fluxburst::cloud;
using fluxburst::Error;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* burst_label = "fluxburst-burst";
constexpr const char* instance_label = "fluxburst-instance";

// The default state file, ~/.local/state/flux-burst/compute-engine.json, its
// directories made (0700) when missing so a first burst on a new machine can record.
std::string home_state_file() {
    const char* home = std::getenv("HOME");
    if (!home || !*home)
        throw Error("no state_file given, and HOME is unset: set the state_file parameter");
    std::string path = home;
    for (const char* part : {"/.local", "/.local/state", "/.local/state/flux-burst"}) {
        std::string dir = path + part;
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
            throw Error("cannot create the state file's directory '" + dir +
                        "': " + std::strerror(errno) + "; set the state_file parameter");
    }
    return path + "/.local/state/flux-burst/compute-engine.json";
}

// "a=b" items into labels; Error naming the bad item.
std::map<std::string, std::string> parse_labels(const std::vector<std::string>& items) {
    std::map<std::string, std::string> out;
    for (const auto& item : items) {
        auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
            throw Error("labels: '" + item + "' is not key=value");
        out[item.substr(0, eq)] = item.substr(eq + 1);
    }
    return out;
}

std::string qualified(const std::string& value, const std::string& prefix) {
    return value.find('/') == std::string::npos ? prefix + value : value;
}

// A machine type's name ("c2-standard-16", "n2-custom-4-8192"): a DNS label, since
// it is a path segment of the Compute API (zones/Z/machineTypes/<name>).
void check_machine_type(const std::string& name, const std::string& what) {
    topo::check_dns_label(name, what);
}

class ComputeEnginePlugin : public fluxburst::BurstPlugin {
public:
    static fluxburst::ParamSchema parameters() {
        using fluxburst::ParamType;
        return {
            // Google Cloud
            {"project", ParamType::String, "", false,
             "Google Cloud project (default: the service account key's project)"},
            {"zone", ParamType::String, "us-central1-a", false, "zone the VMs are created in"},
            {"machine_type", ParamType::String, "c2-standard-8", false,
             "VM machine type; per job: a job may ask for its own "
             "(system.burstable={\"plugin\": \"compute-engine\", \"machine_type\": \"...\"})",
             /*per_job=*/true},
            {"image_family", ParamType::String, "", false,
             "boot image family, with Flux installed (the lead's version); e.g. flux-fw-compute"},
            {"image_project", ParamType::String, "", false,
             "project of image_family (default: project)"},
            {"instance_template", ParamType::String, "", false,
             "an instance template (name or projects/P/global/instanceTemplates/T) instead of "
             "image_family; the plugin still sets name, labels and the boot script"},
            {"disk_size_gb", ParamType::Integer, 50, false, "boot disk size (GB)"},
            {"network", ParamType::String, "default", false, "VPC network of the VMs"},
            {"subnetwork", ParamType::String, "", false,
             "subnetwork (name in the zone's region, or its path)"},
            {"external_ip", ParamType::Boolean, true, false,
             "give each VM an external IP (to reach a lead outside the VPC)"},
            {"tags", ParamType::List, json::array({"flux-burst"}), false,
             "network tags (for the firewall rule that lets the VMs reach the lead)"},
            {"labels", ParamType::List, json::array(), false,
             "extra labels, key=value (the plugin adds fluxburst-burst and fluxburst-instance)"},
            {"placement_policy", ParamType::String, "", false,
             "a resource policy (compact placement), name or full path"},
            {"gpu_type", ParamType::String, "", false, "accelerator type, e.g. nvidia-tesla-t4"},
            {"gpu_count", ParamType::Integer, 0, false, "accelerators per VM"},
            {"credentials_file", ParamType::String, "", false,
             "Google credentials (default: GOOGLE_APPLICATION_CREDENTIALS, gcloud's, or the "
             "metadata server)"},
            {"compute_endpoint", ParamType::String, "https://compute.googleapis.com/compute/v1",
             false, "Compute Engine API base URL"},
            {"ca_file", ParamType::String, "", false,
             "trust only this CA (PEM) for Google's endpoints (private endpoints, tests)"},
            // The connected burst
            {"lead_hosts", ParamType::String, "", true,
             "hostlist of the lead instance's hosts, rank 0 first, e.g. flux-sample-[0-3]"},
            {"lead_address", ParamType::String, "", true,
             "address the VMs reach the lead's rank 0 at (public IP or DNS name)"},
            {"lead_port", ParamType::Integer, 8050, false,
             "rank 0's TCP port (open it to the VMs)"},
            {"lead_bind", ParamType::String, "", false,
             "setup: rank 0's bind URI (default tcp://*:%p, every interface; %p is the port)"},
            {"burst_prefix", ParamType::String, "burst", false,
             "burst names: <prefix>-<instance tag>-<n>; VM names add -<index>"},
            {"bursts", ParamType::Integer, 1, false,
             "bursts pre-declared in the lead's config (concurrent bursts possible)"},
            {"burst_size", ParamType::Integer, 4, false, "VMs per burst (largest job it serves)"},
            {"cores", ParamType::String, "0", false,
             "core ids of each burst VM in R, e.g. 0-7 (as in the lead's setup)"},
            {"curve_cert", ParamType::String, "", false,
             "the lead's CURVE certificate, sent to the VMs (default "
             "<lead_config_dir>/curve.cert)"},
            {"lead_config_dir", ParamType::String, "", false,
             "where the lead's setup was written (conf.d/, R, curve.cert)"},
            {"vm_config_dir", ParamType::String, "/etc/flux-burst", false,
             "where the VMs write their broker config"},
            {"vm_flux_root", ParamType::String, "/usr", false, "Flux install prefix on the VMs"},
            {"vm_flux_user", ParamType::String, "flux", false, "user the VMs' broker runs as"},
            // Behaviour
            {"state_file", ParamType::String, "", false,
             "where created VMs are recorded (default "
             "~/.local/state/flux-burst/compute-engine.json)"},
            {"operation_timeout", ParamType::Number, 600.0, false,
             "seconds to wait for VM creation or deletion"},
            {"poll_interval", ParamType::Number, 5.0, false, "seconds between operation polls"},
            {"request_timeout", ParamType::Number, 60.0, false, "seconds per API request"},
        };
    }

    std::optional<std::string> validate() override {
        try {
            configure();
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
        return std::nullopt;
    }

    bool schedule(const fluxburst::Job& job) override {
        // A job's machine type is the submitter's text and goes into an API path:
        // refused here (the job's reason) unless it is a machine type's shape.
        const json& options = job.burst_options();
        if (auto it = options.find("machine_type"); it != options.end() && it->is_string())
            check_machine_type(it->get<std::string>(), "burst option machine_type");
        return job.nodes() <= burst_size_ && free_slot().has_value();
    }

    std::optional<std::int64_t> free_nodes() const override {
        std::int64_t used = 0;
        json state = state_->read();
        if (state.contains("bursts")) used = static_cast<std::int64_t>(state["bursts"].size());
        return std::max<std::int64_t>(0,
                                      static_cast<std::int64_t>(topology_.bursts.size()) - used) *
               burst_size_;
    }

    fluxburst::BurstResult run(const fluxburst::BurstRequest& request) override;
    fluxburst::BurstResult unburst() override;
    fluxburst::BurstResult setup(const fluxburst::SetupRequest& request) override;

private:
    void configure();
    // Read the certificate the VMs get; `required`: a missing one is an error.
    void read_cert(bool required);
    std::optional<std::size_t> free_slot() const;
    std::string startup_script(const std::string& burst) const;
    cloud::GoogleAuth& auth();
    // Wait for `ops` (host -> operation name); returns host -> error ("" when done
    // without one); hosts still running at the deadline are left out.
    std::map<std::string, std::string> wait(ce::ComputeZone& zone,
                                            std::map<std::string, std::string> ops,
                                            std::vector<std::string>& unfinished);

    topo::Topology topology_;
    std::string tag_;
    std::int64_t burst_size_ = 0;
    ce::InstanceSpec spec_;
    std::string cert_path_, lead_config_dir_;
    std::string curve_cert_text_;
    std::string ca_pem_;
    std::unique_ptr<fluxburst::StateFile> state_;
    std::unique_ptr<cloud::GoogleAuth> auth_;
    std::unique_ptr<cloud::GoogleApiClient> api_;
    double operation_timeout_ = 0, poll_interval_ = 0;
};

void ComputeEnginePlugin::configure() {
    const auto& p = params();
    // Credentials first: the project may come from them.
    cloud::GoogleAuthOptions auth_options;
    auth_options.credentials_file = p.get_string("credentials_file");
    std::string ca_file = p.get_string("ca_file");
    if (!ca_file.empty()) {
        auto pem = fluxburst::read_trusted_file(ca_file, "ca_file",
                                                fluxburst::TrustedOwner::UserOrRoot, 1 << 20);
        if (!pem) throw Error("ca_file " + ca_file + " does not exist");
        ca_pem_ = *pem;
    }
    auth_options.ca_pem = ca_pem_;
    double request_timeout = p.get_number("request_timeout");
    if (request_timeout <= 0) throw Error("request_timeout must be positive");
    auth_options.timeout =
        std::chrono::milliseconds(static_cast<long long>(request_timeout * 1000));
    auth_ = std::make_unique<cloud::GoogleAuth>(auth_options);

    spec_.project = p.get_string("project");
    if (spec_.project.empty()) spec_.project = auth_->project_id();
    if (spec_.project.empty())
        throw Error("no project: set the project parameter (the credentials name none)");
    spec_.zone = p.get_string("zone");
    topo::check_dns_label(spec_.zone, "zone");
    spec_.machine_type = p.get_string("machine_type");
    if (!spec_.machine_type.empty()) check_machine_type(spec_.machine_type, "machine_type");
    std::string family = p.get_string("image_family");
    std::string image_project = p.get_string("image_project");
    if (image_project.empty()) image_project = spec_.project;
    std::string templ = p.get_string("instance_template");
    if (family.empty() == templ.empty())
        throw Error(
            "give exactly one of image_family (a boot image with Flux) and instance_template");
    if (!family.empty())
        spec_.source_image =
            qualified(family, "projects/" + image_project + "/global/images/family/");
    if (!templ.empty())
        spec_.instance_template =
            qualified(templ, "projects/" + spec_.project + "/global/instanceTemplates/");
    spec_.disk_size_gb = p.get_int("disk_size_gb");
    if (spec_.disk_size_gb < 0) throw Error("disk_size_gb must not be negative");
    spec_.network = p.get_string("network");
    spec_.subnetwork = p.get_string("subnetwork");
    spec_.external_ip = p.get_bool("external_ip");
    spec_.tags = p.get_list("tags");
    for (const auto& t : spec_.tags) topo::check_dns_label(t, "tags");
    spec_.labels = parse_labels(p.get_list("labels"));
    std::string policy = p.get_string("placement_policy");
    if (!policy.empty())
        spec_.placement_policy = qualified(policy, "projects/" + spec_.project + "/regions/" +
                                                       spec_.zone.substr(0, spec_.zone.rfind('-')) +
                                                       "/resourcePolicies/");
    spec_.gpu_type = p.get_string("gpu_type");
    spec_.gpu_count = p.get_int("gpu_count");
    if (spec_.gpu_count < 0 || (spec_.gpu_count > 0 && spec_.gpu_type.empty()))
        throw Error("gpu_count needs gpu_type (and must not be negative)");
    std::string endpoint = p.get_string("compute_endpoint");
    if (endpoint.rfind("https://", 0) != 0)
        throw Error("compute_endpoint '" + endpoint + "' is not an https:// URL");
    api_ = std::make_unique<cloud::GoogleApiClient>(
        *auth_, endpoint, ca_pem_,
        std::chrono::milliseconds(static_cast<long long>(request_timeout * 1000)));

    // The topology: the same one the lead's setup wrote.
    topology_.lead_hosts = fluxburst::flux_protocol::expand_hostlist(p.get_string("lead_hosts"));
    topology_.lead_address = p.get_string("lead_address");
    topology_.port = p.get_int("lead_port");
    topology_.bind = p.get_string("lead_bind");
    tag_ = topo::instance_tag(topology_.lead_address + ":" + std::to_string(topology_.port));
    std::int64_t bursts = p.get_int("bursts");
    burst_size_ = p.get_int("burst_size");
    if (bursts < 1) throw Error("bursts must be at least 1");
    if (burst_size_ < 1) throw Error("burst_size must be at least 1");
    topology_.bursts =
        topo::declare_bursts(p.get_string("burst_prefix"), tag_, bursts, burst_size_);
    topology_.check();
    spec_.labels[instance_label] = tag_;

    cert_path_ = p.get_string("curve_cert");
    lead_config_dir_ = p.get_string("lead_config_dir");
    if (cert_path_.empty() && !lead_config_dir_.empty())
        cert_path_ = lead_config_dir_ + "/curve.cert";
    if (cert_path_.empty())
        throw Error(
            "give lead_config_dir (where setup writes the lead's config and certificate) "
            "or curve_cert (the lead's CURVE certificate, sent to the VMs)");
    read_cert(false);  // a certificate that exists must be sound now; setup may write it later
    operation_timeout_ = p.get_number("operation_timeout");
    poll_interval_ = p.get_number("poll_interval");
    if (operation_timeout_ <= 0) throw Error("operation_timeout must be positive");
    if (poll_interval_ <= 0 || poll_interval_ > operation_timeout_)
        throw Error("poll_interval must be positive and at most operation_timeout");
    std::string state = p.get_string("state_file");
    state_ = std::make_unique<fluxburst::StateFile>(state.empty() ? home_state_file() : state);
    state_->read();  // refuse a state file we cannot trust now, not at the first burst
    startup_script(topology_.bursts.front().name);  // and a script we cannot render
}

void ComputeEnginePlugin::read_cert(bool required) {
    auto text = fluxburst::read_trusted_file(cert_path_, "curve_cert",
                                             fluxburst::TrustedOwner::UserOrRoot, 64 * 1024);
    if (!text) {
        if (required)
            throw Error("compute-engine: the certificate " + cert_path_ +
                        " does not exist: run `flux-burst setup compute-engine` (or flux keygen)");
        return;
    }
    fluxburst::parse_curve_cert(*text, cert_path_);
    curve_cert_text_ = *text;
}

fluxburst::BurstResult ComputeEnginePlugin::setup(const fluxburst::SetupRequest& request) {
    if (lead_config_dir_.empty())
        throw Error(
            "compute-engine: setup needs lead_config_dir (where to write the lead's config)");
    topo::LeadSetup s;
    s.config_dir = lead_config_dir_;
    s.topology = topology_;
    s.cores = params().get_string("cores");
    if (cert_path_ != lead_config_dir_ + "/curve.cert") s.curve_cert = cert_path_;
    s.overwrite = request.overwrite;
    topo::LeadSetupResult r = topo::write_lead_setup(s);
    read_cert(true);
    return {"wrote the lead's config in " + r.config_path + " with " +
                std::to_string(topology_.bursts.size()) + " burst(s) of " +
                std::to_string(burst_size_) +
                " VMs pre-declared; start the lead with flux broker "
                "--config-path=" +
                r.config_path + " and open TCP port " + std::to_string(topology_.port) +
                " to the VMs",
            {{"files", r.files},
             {"config_path", r.config_path},
             {"curve_cert", r.curve_cert},
             {"listen", {{"address", topology_.lead_address}, {"port", topology_.port}}}}};
}

std::optional<std::size_t> ComputeEnginePlugin::free_slot() const {
    json state = state_->read();
    for (std::size_t i = 0; i < topology_.bursts.size(); ++i)
        if (!state.contains("bursts") || !state["bursts"].contains(topology_.bursts[i].name))
            return i;
    return std::nullopt;
}

std::string ComputeEnginePlugin::startup_script(const std::string& burst) const {
    const auto& p = params();
    ce::StartupScript s;
    s.burst = burst;
    s.config_dir = p.get_string("vm_config_dir");
    s.flux_root = p.get_string("vm_flux_root");
    s.flux_user = p.get_string("vm_flux_user");
    s.broker_config = topo::remote_config(topology_, s.config_dir + "/curve.cert");
    s.resource_config = topo::resource_config(s.config_dir + "/R");
    s.R = topo::resource_R(topology_.hosts(), p.get_string("cores")).dump() + "\n";
    s.curve_cert = curve_cert_text_;
    return ce::render_startup_script(s);
}

std::map<std::string, std::string> ComputeEnginePlugin::wait(ce::ComputeZone& zone,
                                                             std::map<std::string, std::string> ops,
                                                             std::vector<std::string>& unfinished) {
    std::map<std::string, std::string> done;
    auto deadline = Clock::now() + std::chrono::duration<double>(operation_timeout_);
    for (;;) {
        for (auto it = ops.begin(); it != ops.end();) {
            std::string error;
            try {
                json op = zone.operation(it->second);
                if (op.value("status", std::string()) != "DONE") {
                    ++it;
                    continue;
                }
                error = ce::operation_error(op);
            } catch (const cloud::GoogleApiError& e) {
                if (e.http_status() < 500 && e.http_status() != 429) {
                    error = e.what();  // the operation is gone or not ours
                } else {
                    ++it;  // a passing server error: ask again
                    continue;
                }
            }
            done[it->first] = error;
            it = ops.erase(it);
        }
        if (ops.empty() || Clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::duration<double>(poll_interval_));
    }
    for (const auto& [host, op] : ops) unfinished.push_back(host);
    return done;
}

fluxburst::BurstResult ComputeEnginePlugin::run(const fluxburst::BurstRequest& request) {
    if (request.nodes > burst_size_)
        throw Error("compute-engine: " + std::to_string(request.nodes) +
                    " nodes wanted, but bursts are pre-declared with burst_size=" +
                    std::to_string(burst_size_) + " (raise it and rerun the lead's setup)");
    std::int64_t nodes = std::max<std::int64_t>(1, request.nodes);
    // The burst's machine type: its jobs' (a per-job parameter), else ours.
    std::string machine_type = spec_.machine_type;
    if (request.params.has("machine_type")) {
        machine_type = request.params.get_string("machine_type");
        check_machine_type(machine_type, "machine_type");
    }
    if (curve_cert_text_.empty()) read_cert(true);
    // Claim a slot and record the VMs before creating any: a crash from here on
    // leaves a record that unburst() acts on.
    std::string burst;
    std::vector<std::string> hosts;
    state_->update([&](json& state) {
        if (!state.contains("bursts")) state["bursts"] = json::object();
        for (const auto& slot : topology_.bursts) {
            if (state["bursts"].contains(slot.name)) continue;
            burst = slot.name;
            auto all = topo::burst_hosts(slot.name, slot.size);
            hosts.assign(all.begin(), all.begin() + nodes);
            state["bursts"][burst] = {{"project", spec_.project},
                                      {"zone", spec_.zone},
                                      {"machine_type", machine_type},
                                      {"hosts", hosts},
                                      {"status", "creating"},
                                      {"operations", json::object()},
                                      {"errors", json::object()}};
            return;
        }
    });
    if (burst.empty())
        throw Error("compute-engine: all " + std::to_string(topology_.bursts.size()) +
                    " pre-declared bursts are in use (unburst one, or raise bursts and rerun the "
                    "lead's setup)");

    std::string script = startup_script(burst);  // needs the certificate
    ce::ComputeZone zone(*api_, spec_.project, spec_.zone);
    ce::InstanceSpec spec = spec_;
    spec.machine_type = machine_type;
    spec.labels[burst_label] = burst;
    std::map<std::string, std::string> ops, errors;
    std::vector<std::string> created;
    for (const auto& host : hosts) {
        try {
            json op = zone.insert(ce::instance_body(spec, host, script), spec.instance_template);
            ops[host] = op.value("name", std::string());
        } catch (const cloud::GoogleApiError& e) {
            if (e.http_status() == 409) {
                // Made by an earlier attempt that did not record it? Only if labelled so.
                try {
                    json vm = zone.get_instance(host);
                    if (vm.value("labels", json::object()).value(burst_label, std::string()) ==
                        burst) {
                        created.push_back(host);
                        continue;
                    }
                } catch (const std::exception&) {
                }
            }
            errors[host] = e.message().empty() ? e.what() : e.message();
        } catch (const std::exception& e) {
            errors[host] = e.what();
        }
    }
    state_->update([&](json& state) {
        json& b = state["bursts"][burst];
        for (const auto& [host, op] : ops) b["operations"][host] = op;
        for (const auto& [host, why] : errors) b["errors"][host] = why;
    });
    std::vector<std::string> unfinished;
    for (const auto& [host, error] : wait(zone, ops, unfinished)) {
        if (error.empty())
            created.push_back(host);
        else
            errors[host] = error;
    }
    std::sort(created.begin(), created.end());
    bool ok = errors.empty() && unfinished.empty();
    state_->update([&](json& state) {
        json& b = state["bursts"][burst];
        b["created"] = created;
        b["errors"] = errors;
        b["status"] = ok ? "running" : (unfinished.empty() ? "failed" : "creating");
        if (ok) b["operations"] = json::object();
    });
    json details = {{"burst", burst},
                    {"project", spec_.project},
                    {"zone", spec_.zone},
                    {"machine_type", machine_type},
                    {"hosts", hosts},
                    {"created", created},
                    {"errors", errors},
                    {"unfinished", unfinished},
                    {"lead", topology_.lead_address + ":" + std::to_string(topology_.port)},
                    {"state_file", state_->path()}};
    if (!ok) {
        std::string why;
        for (const auto& [host, error] : errors) why += "; " + host + ": " + error;
        if (!unfinished.empty())
            why += "; still being created after " +
                   std::to_string(static_cast<long>(operation_timeout_)) +
                   " s: " + fluxburst::flux_protocol::compress_hostlist(unfinished);
        throw Error("compute-engine: burst " + burst + " created " +
                    std::to_string(created.size()) + " of " + std::to_string(hosts.size()) +
                    " VMs in " + spec_.zone + why + "; what exists is recorded in " +
                    state_->path() + ": unburst deletes it");
    }
    return {"created " + std::to_string(created.size()) + " VMs " +
                fluxburst::flux_protocol::compress_hostlist(created) + " in " + spec_.zone +
                "; they join " + topology_.lead_address + ":" + std::to_string(topology_.port) +
                " once booted",
            details};
}

fluxburst::BurstResult ComputeEnginePlugin::unburst() {
    json state = state_->read();
    json bursts = state.value("bursts", json::object());
    if (bursts.empty()) return {"no VMs to delete", json::object()};
    std::vector<std::string> problems, deleted, skipped;
    for (const auto& item : bursts.items()) {
        // Named copies: the lambda below captures them (C++17 cannot capture a
        // structured binding).
        const std::string burst = item.key();
        const json& b = item.value();
        ce::ComputeZone zone(*api_, b.value("project", spec_.project), b.value("zone", spec_.zone));
        std::map<std::string, std::string> ops;
        std::vector<std::string> gone;
        for (const auto& host_json : b.value("hosts", json::array())) {
            std::string host = host_json.get<std::string>();
            try {
                json vm = zone.get_instance(host);
                std::string label =
                    vm.value("labels", json::object()).value(burst_label, std::string());
                if (label != burst) {
                    skipped.push_back(host);
                    problems.push_back(host + ": not deleted, its label " + burst_label + " is '" +
                                       label + "', not " + burst + " (not ours)");
                    gone.push_back(host);  // nothing of ours to wait for
                    continue;
                }
                ops[host] = zone.remove(host).value("name", std::string());
            } catch (const cloud::GoogleApiError& e) {
                if (e.http_status() == 404)
                    gone.push_back(host);
                else
                    problems.push_back(host + ": " + e.what());
            } catch (const std::exception& e) {
                problems.push_back(host + ": " + e.what());
            }
        }
        std::vector<std::string> unfinished;
        for (const auto& [host, error] : wait(zone, ops, unfinished)) {
            if (error.empty()) {
                gone.push_back(host);
                deleted.push_back(host);
            } else {
                problems.push_back(host + ": " + error);
            }
        }
        for (const auto& host : unfinished)
            problems.push_back(host + ": deletion still running after " +
                               std::to_string(static_cast<long>(operation_timeout_)) + " s");
        state_->update([&](json& s) {
            if (!s.contains("bursts") || !s["bursts"].contains(burst)) return;
            json& rec = s["bursts"][burst];
            json left = json::array();
            for (const auto& h : rec.value("hosts", json::array()))
                if (std::find(gone.begin(), gone.end(), h.get<std::string>()) == gone.end())
                    left.push_back(h);
            if (left.empty()) {
                s["bursts"].erase(burst);
            } else {
                rec["hosts"] = left;
                rec["status"] = "deleting";
            }
        });
    }
    std::sort(deleted.begin(), deleted.end());
    json details = {{"deleted", deleted}, {"skipped", skipped}, {"problems", problems}};
    if (!problems.empty()) {
        std::string why;
        for (const auto& p : problems) why += "; " + p;
        throw Error("compute-engine: unburst deleted " + std::to_string(deleted.size()) + " VMs" +
                    why + "; what is left stays recorded in " + state_->path() + ": unburst again");
    }
    return {"deleted " + std::to_string(deleted.size()) + " VMs" +
                (deleted.empty() ? "" : " " + fluxburst::flux_protocol::compress_hostlist(deleted)),
            details};
}

}  // namespace

FLUXBURST_PLUGIN(ComputeEnginePlugin, "compute-engine", "0.1.0",
                 "Google Compute Engine VMs that join this Flux instance (connected burst)")
