// The local plugin: bring up Flux brokers for the configured-but-down nodes of
// the instance (the rest of an HPC allocation), so that waiting jobs can run, and
// stop them again on unburst. Built as an outside plugin is: the public headers,
// fluxburst_add_plugin(), and libflux-core.
#include <flux/core.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fluxburst/atomic_file.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/flux.hpp>
#include <fluxburst/flux_queue.hpp>
#include <fluxburst/plugin.hpp>
#include <fluxburst/state_file.hpp>
#include <fluxburst/topology.hpp>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "local_launch.hpp"

namespace {

namespace fp = fluxburst::flux_protocol;
namespace local = fluxburst::local;
using fluxburst::Error;
using fluxburst::local::Launch;
using nlohmann::json;

using Clock = std::chrono::steady_clock;

std::string trim(std::string s) {
    while (!s.empty() &&
           (s.back() == '\n' || s.back() == ' ' || s.back() == '\r' || s.back() == '\t'))
        s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t')) ++i;
    return s.substr(i);
}

class LocalPlugin : public fluxburst::BurstPlugin {
public:
    static fluxburst::ParamSchema parameters() {
        using fluxburst::ParamType;
        return {
            {"flux_uri", ParamType::String, "", false,
             "the parent instance the default launcher submits the brokers to (default: the "
             "instance's parent-uri attribute)"},
            {"instance_uri", ParamType::String, "", false,
             "the instance to extend, whose down nodes get brokers (default: FLUX_URI)"},
            {"config_dir", ParamType::String, "", false,
             "the burst instance's configuration: conf.d/ (bootstrap, resource), R, curve.cert"},
            {"hostnames", ParamType::String, "", false,
             "hostlist of the instance's hosts, rank 0 first: what flux-burst setup writes; a "
             "burst "
             "starts "
             "brokers only on these (default: any down host)"},
            {"port", ParamType::Integer, 8050, false, "setup: the brokers' TCP port"},
            {"network_device", ParamType::String, "eth0", false,
             "setup: the interface brokers bind to"},
            {"bind_uri", ParamType::String, "", false,
             "setup: the brokers' bind URI (default tcp://<network_device>:%p; %h host, %p port)"},
            {"connect_uri", ParamType::String, "", false,
             "setup: the URI brokers connect to (default tcp://%h:%p)"},
            {"curve_cert", ParamType::String, "", false,
             "an existing CURVE certificate (default: setup generates <config_dir>/curve.cert)"},
            {"cores", ParamType::String, "", false,
             "setup: the core ids of each node in R, e.g. 0-7 (default: this machine's, "
             "flux R encode --local)"},
            {"flux_root", ParamType::String, "", false,
             "the Flux install prefix; <flux_root>/bin/flux is run (default: flux on PATH)"},
            {"launch_command", ParamType::String, "", false,
             "shell command template that starts brokers (default: a job in the parent instance); "
             "see the README for the placeholders"},
            {"stop_command", ParamType::String, "", false,
             "shell command template that stops what launch_command started (default: disconnect "
             "the brokers from the instance, and cancel the default launcher's job)"},
            {"command_timeout", ParamType::Number, 120.0, false,
             "seconds a launch or stop command may take"},
            {"start_timeout", ParamType::Number, 300.0, false,
             "seconds after a launch before a host still down counts as failed and may be "
             "launched again"},
            {"state_file", ParamType::String, "", false,
             "where launched brokers are recorded for unburst (default "
             "<config_dir>/fluxburst-local.json)"},
        };
    }

    std::optional<std::string> validate() override {
        const auto& p = params();
        for (const char* key : {"flux_uri", "instance_uri", "config_dir", "hostnames",
                                "network_device", "bind_uri", "connect_uri", "curve_cert", "cores",
                                "flux_root", "launch_command", "stop_command", "state_file"})
            values_[key] = p.get_string(key);
        port_ = p.get_int("port");
        if (port_ < 1 || port_ > 65535)
            return "port must be in 1-65535, got " + std::to_string(port_);
        timeout_ = p.get_number("command_timeout");
        if (timeout_ <= 0) return std::string("command_timeout must be positive");
        start_timeout_ = p.get_number("start_timeout");
        if (start_timeout_ <= 0) return std::string("start_timeout must be positive");
        try {
            if (!values_["hostnames"].empty()) {
                for (const auto& h : fp::expand_hostlist(values_["hostnames"])) {
                    if (!local::is_host_name(h))
                        return "hostnames: '" + h +
                               "' is not a host name (letters, digits, '.', '-', '_')";
                    allowed_.insert(h);
                }
            }
            launch_ = values_["launch_command"].empty() ? local::default_launch_command
                                                        : values_["launch_command"];
            local::placeholders_in(launch_, local::launch_placeholders(), "launch_command");
            if (!values_["stop_command"].empty())
                local::placeholders_in(values_["stop_command"], local::stop_placeholders(),
                                       "stop_command");
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
        std::string state_file = values_["state_file"];
        if (state_file.empty() && !values_["config_dir"].empty())
            state_file = values_["config_dir"] + "/fluxburst-local.json";
        if (!state_file.empty()) {
            state_ = std::make_unique<fluxburst::StateFile>(state_file);
            // A run holds the lock while its launch commands run.
            state_->set_lock_timeout(std::chrono::milliseconds(
                static_cast<std::int64_t>(std::min(timeout_ * 2 + 60, 86400.0) * 1000)));
        }
        if (auto why = load_state()) return why;
        return std::nullopt;
    }

    bool schedule(const fluxburst::Job& job) override {
        const fluxburst::ResourceStatus& s = resources(false);
        std::int64_t can =
            s.free_nodes() + starting_down(s) +
            static_cast<std::int64_t>(local::startable_ranks(s, allowed_, starting()).size());
        return job.nodes() <= can;
    }

    std::optional<std::int64_t> free_nodes() const override {
        if (!cached_) return std::nullopt;
        const auto& s = *cached_;
        return s.free_nodes() +
               static_cast<std::int64_t>(local::startable_ranks(s, allowed_, {}).size());
    }

    fluxburst::BurstResult run(const fluxburst::BurstRequest& request) override {
        // One locked step: read what was launched, launch, record. A parallel
        // command waits, then sees these brokers as starting.
        fluxburst::BurstResult result;
        std::vector<Launch> done;
        std::string failure;
        try {
            change_state([&](std::vector<Launch>& launches) {
                result = run_locked(request, launches, done, failure);
            });
        } catch (const std::exception& e) {
            if (done.empty()) throw;
            failure +=
                std::string(failure.empty() ? "" : "; ") +
                "the brokers started but cannot be recorded for a later unburst: " + e.what();
        }
        if (!failure.empty()) {
            std::string started;
            for (const auto& l : done)
                started += (started.empty() ? "" : ",") + fp::compress_hostlist(l.hosts);
            throw Error("local: " + failure +
                        (started.empty() ? "" : "; started before the failure: " + started));
        }
        return result;
    }

    fluxburst::BurstResult unburst() override {
        std::vector<std::string> errors;
        json stopped = json::array();
        std::vector<std::string> stopped_hosts;
        bool none = false;
        change_state([&](std::vector<Launch>& launches) {
            none = launches.empty();
            std::vector<Launch> kept;
            std::optional<fluxburst::ResourceStatus> status;
            for (const Launch& l : launches) {
                std::string error;
                try {
                    error = stop(l, status);
                } catch (const std::exception& e) {
                    error = e.what();
                }
                if (error.empty()) {
                    stopped.push_back(local::to_json(l));
                    stopped_hosts.insert(stopped_hosts.end(), l.hosts.begin(), l.hosts.end());
                } else {
                    errors.push_back(fp::compress_hostlist(l.hosts) + ": " + error);
                    kept.push_back(l);
                }
            }
            launches = std::move(kept);
        });
        cached_.reset();
        if (none) return {"no brokers to stop", {{"stopped", json::array()}}};
        if (!errors.empty()) {
            std::string text;
            for (const auto& e : errors) text += (text.empty() ? "" : "; ") + e;
            throw Error(
                "local: could not stop every broker (they stay recorded for the next unburst): " +
                text +
                (stopped_hosts.empty() ? ""
                                       : "; stopped: " + fp::compress_hostlist(stopped_hosts)));
        }
        return {"stopped brokers on " + fp::compress_hostlist(stopped_hosts),
                {{"stopped", stopped}}};
    }

    fluxburst::BurstResult setup(const fluxburst::SetupRequest& request) override {
        namespace topo = fluxburst::topology;
        topo::LeadSetup s;
        s.config_dir = values_["config_dir"];
        if (s.config_dir.empty())
            throw Error("local: setup needs config_dir (where the configuration is written)");
        if (values_["hostnames"].empty())
            throw Error(
                "local: setup needs hostnames (every host of the instance, rank 0 first, e.g. "
                "node[0-3])");
        s.topology.lead_hosts = fp::expand_hostlist(values_["hostnames"]);
        s.topology.port = port_;
        s.topology.bind = values_["bind_uri"].empty() ? "tcp://" + values_["network_device"] + ":%p"
                                                      : values_["bind_uri"];
        s.topology.connect =
            values_["connect_uri"].empty() ? "tcp://%h:%p" : values_["connect_uri"];
        s.curve_cert = values_["curve_cert"];
        s.overwrite = request.overwrite;
        if (values_["cores"].empty()) {
            auto [cores, gpus] = local_cores();
            s.cores = cores;
            s.gpus = gpus;
        } else {
            s.cores = values_["cores"];
        }
        topo::LeadSetupResult r;
        try {
            r = topo::write_lead_setup(s);
        } catch (const Error& e) {
            throw Error(std::string("local: ") + e.what());
        }
        const std::string& leader = s.topology.lead_hosts.front();
        // A command for the operator to paste: the path is one shell word.
        std::string start = "flux broker --config-path=" + local::shell_quote(r.config_path) +
                            " -Sbroker.rc2_none -Sbroker.quorum=1";
        json details = {{"files", r.files},           {"config_path", r.config_path},
                        {"curve_cert", r.curve_cert}, {"hosts", values_["hostnames"]},
                        {"leader", leader},           {"start_leader", start}};
        if (s.topology.bind.rfind("tcp://", 0) == 0)
            details["listen"] = {{"address", leader}, {"port", port_}};
        return {"wrote the configuration of " + std::to_string(s.topology.lead_hosts.size()) +
                    " host(s) into " + s.config_dir + "; start the leader on " + leader +
                    " with: " + start,
                details};
    }

private:
    // run() with the state locked: `launches` is what the state file holds, and
    // gets what this run starts; `done` those launches, `failure` what went wrong.
    fluxburst::BurstResult run_locked(const fluxburst::BurstRequest& request,
                                      std::vector<Launch>& launches, std::vector<Launch>& done,
                                      std::string& failure) {
        launches_ = launches;
        const fluxburst::ResourceStatus& s = resources(true);
        local::Plan plan = local::plan(s, request.nodes, allowed_, starting());
        json details = {{"wanted", plan.wanted},
                        {"free", plan.free},
                        {"starting", plan.starting},
                        {"needed", plan.needed},
                        {"resources", s.to_json()}};
        if (plan.needed == 0) {
            return {"no brokers to start: " + std::to_string(plan.free) + " node(s) free" +
                        (plan.starting ? ", " + std::to_string(plan.starting) + " starting" : "") +
                        " for " + std::to_string(plan.wanted) + " wanted",
                    details};
        }
        if (plan.ranks.empty()) {
            throw Error(
                "local: " + std::to_string(plan.needed) + " more node(s) needed but no down node " +
                (allowed_.empty() ? std::string("can be started")
                                  : "in hostnames=" + values_["hostnames"] + " can be started") +
                " (down: " + fp::compress_hostlist(s.host_names(s.down)) + ")");
        }
        std::vector<std::string> hosts = s.host_names(plan.ranks);
        std::map<std::string, std::string> values = common_values();
        bool is_default = values_["launch_command"].empty();
        if (is_default) {
            if (values_["config_dir"].empty())
                throw Error(
                    "local: the default launcher needs config_dir (the configuration the new "
                    "brokers start with); set config_dir, or launch_command");
            values["flux_uri"] = parent_uri();
        }
        // Record a launch; its output must be one safe token (a stop command gets it).
        auto record = [&](std::vector<std::string> on, std::vector<std::int64_t> ranks,
                          const std::string& out) {
            Launch l{std::move(on), std::move(ranks), trim(out), is_default, local::Clocks::now()};
            std::string bad;
            if (!local::is_safe_output(l.output) ||
                (is_default && !l.output.empty() && !fluxburst::parse_job_id(l.output))) {
                bad = "the launch command for " + fp::compress_hostlist(l.hosts) +
                      " printed something other than one " +
                      (is_default ? std::string("job id") : std::string("word")) +
                      " (letters, digits, ._:@/+=,%-); it was not recorded as {launch_output}: "
                      "make the command print only that, or nothing";
                l.output.clear();
            }
            done.push_back(l);
            launches.push_back(l);
            if (!bad.empty()) failure += (failure.empty() ? "" : "; ") + bad;
        };
        if (local::runs_per_host(launch_)) {
            for (std::size_t i = 0; i < hosts.size(); ++i) {
                auto v = values;
                set_hosts(v, {hosts[i]}, {plan.ranks[i]});
                std::string command = local::expand(launch_, v);
                local::CommandResult r = local::run_command(command, timeout_, command_env());
                if (!r.ok()) {
                    failure += std::string(failure.empty() ? "" : "; ") + "launch command for " +
                               hosts[i] + " failed (" + r.describe() + "): " + command;
                    break;
                }
                record({hosts[i]}, {plan.ranks[i]}, r.out);
            }
        } else {
            auto v = values;
            set_hosts(v, hosts, plan.ranks);
            std::string command = local::expand(launch_, v);
            local::CommandResult r = local::run_command(command, timeout_, command_env());
            if (!r.ok())
                failure += std::string(failure.empty() ? "" : "; ") + "launch command failed (" +
                           r.describe() + "): " + command;
            else
                record(hosts, plan.ranks, r.out);
        }
        cached_.reset();
        launches_ = launches;
        json launched = json::array();
        for (const auto& l : done) launched.push_back(local::to_json(l));
        details["launched"] = launched;
        details["short_by"] = plan.short_by;
        std::string summary = "started brokers on " + fp::compress_hostlist(hosts) + " (" +
                              std::to_string(hosts.size()) + " node(s); " +
                              std::to_string(plan.free) + " free, " + std::to_string(plan.wanted) +
                              " wanted)";
        if (plan.short_by > 0)
            summary += "; " + std::to_string(plan.short_by) + " node(s) short: no more down nodes";
        return {summary, details};
    }

    // ---- the instance -----------------------------------------------------------

    fluxburst::FluxQueue& instance() {
        if (!instance_) {
            try {
                instance_ = std::make_unique<fluxburst::FluxQueue>(values_["instance_uri"]);
            } catch (const fluxburst::QueueError& e) {
                throw Error(std::string("local: ") + e.what());
            }
        }
        return *instance_;
    }

    // The instance's URI, without connecting to it (a stop command may not need it).
    std::string instance_uri() const {
        if (instance_) return instance_->uri();
        if (!values_.at("instance_uri").empty()) return values_.at("instance_uri");
        const char* env = std::getenv("FLUX_URI");
        return env ? env : "";
    }

    // The instance's resources, and (for schedule) what other commands launched:
    // both at most 2 s old, or read now when `fresh`.
    const fluxburst::ResourceStatus& resources(bool fresh) {
        if (fresh || !cached_ || Clock::now() - cached_at_ > std::chrono::seconds(2)) {
            try {
                cached_ = instance().resources();
            } catch (const fluxburst::QueueError& e) {
                throw Error(std::string("local: ") + e.what());
            }
            cached_at_ = Clock::now();
            if (!fresh) launches_ = read_state();
        }
        return *cached_;
    }

    // Ranks launched recently enough to be still coming up (or up already).
    std::set<std::int64_t> starting() const {
        std::set<std::int64_t> out;
        local::Clocks now = local::Clocks::now();
        for (const auto& l : launches_)
            if (l.age(now) < start_timeout_) out.insert(l.ranks.begin(), l.ranks.end());
        return out;
    }

    std::int64_t starting_down(const fluxburst::ResourceStatus& s) const {
        std::int64_t n = 0;
        for (std::int64_t r : starting())
            if (std::binary_search(s.down.begin(), s.down.end(), r)) ++n;
        return n;
    }

    std::string parent_uri() {
        if (!values_["flux_uri"].empty()) return values_["flux_uri"];
        const char* parent = flux_attr_get(instance().handle(), "parent-uri");
        if (parent && *parent) return parent;
        throw Error(
            "local: the default launcher submits the brokers as a job to the parent instance, "
            "but flux_uri is not set and " +
            instance().describe() +
            " has no parent-uri; set flux_uri to the parent's URI, or set launch_command");
    }

    // ---- commands ---------------------------------------------------------------

    std::string flux_command() {
        if (!flux_.empty()) return flux_;
        if (!values_["flux_root"].empty()) {
            std::string f = values_["flux_root"] + "/bin/flux";
            if (!local::find_program(f))
                throw Error("local: flux_root is '" + values_["flux_root"] + "' but " + f +
                            " does not exist or is not executable");
            flux_ = f;
        } else if (auto f = local::find_program("flux")) {
            flux_ = *f;
        } else {
            const char* path = std::getenv("PATH");
            throw Error(std::string("local: the flux command is not on PATH (") +
                        (path ? path : "") +
                        "); put flux-core's bin directory on PATH or set flux_root");
        }
        return flux_;
    }

    std::map<std::string, std::string> common_values() {
        std::string flux = flux_command();
        std::string root = values_["flux_root"];
        if (root.empty()) {  // <root>/bin/flux
            auto slash = flux.rfind('/');
            std::string bin = flux.substr(0, slash);
            root = bin.substr(0, bin.rfind('/'));
        }
        return {{"flux", flux},
                {"flux_root", root},
                {"flux_uri", values_["flux_uri"]},
                {"instance_uri", instance_uri()},
                {"config_dir", values_["config_dir"]},
                {"config_path", local::config_path(values_["config_dir"])},
                {"port", std::to_string(port_)},
                {"network_device", values_["network_device"]}};
    }

    static void set_hosts(std::map<std::string, std::string>& v,
                          const std::vector<std::string>& hosts,
                          const std::vector<std::int64_t>& ranks) {
        v["hosts"] = fp::compress_hostlist(hosts);
        v["ranks"] = fp::format_idset(ranks);
        v["nodes"] = std::to_string(hosts.size());
        v["host"] = hosts.empty() ? "" : hosts.front();
        v["rank"] = ranks.empty() ? "" : std::to_string(ranks.front());
    }

    // Commands run as if inside the instance: FLUX_URI is the instance's.
    std::map<std::string, std::optional<std::string>> command_env() const {
        std::string uri = instance_uri();
        if (uri.empty()) return {};
        return {{"FLUX_URI", uri}};
    }

    // Stop one launch; returns "" or what went wrong.
    std::string stop(const Launch& l, std::optional<fluxburst::ResourceStatus>& status) {
        std::map<std::string, std::string> v = common_values();
        v["launch_output"] = l.output;
        const std::string& custom = values_["stop_command"];
        if (!custom.empty()) {
            if (local::runs_per_host(custom)) {
                for (std::size_t i = 0; i < l.hosts.size(); ++i) {
                    auto vh = v;
                    set_hosts(vh, {l.hosts[i]}, {l.ranks[i]});
                    std::string command = local::expand(custom, vh);
                    auto r = local::run_command(command, timeout_, command_env());
                    if (!r.ok()) return "stop command failed (" + r.describe() + "): " + command;
                }
                return "";
            }
            set_hosts(v, l.hosts, l.ranks);
            std::string command = local::expand(custom, v);
            auto r = local::run_command(command, timeout_, command_env());
            return r.ok() ? "" : "stop command failed (" + r.describe() + "): " + command;
        }
        // Built in: disconnect the brokers that are up; cancel the launcher's job.
        if (!status) status = instance().resources();
        for (std::size_t i = 0; i < l.hosts.size(); ++i) {
            std::int64_t rank = l.ranks[i];
            bool offline =
                status->have_offline
                    ? std::binary_search(status->offline.begin(), status->offline.end(), rank)
                    : std::binary_search(status->down.begin(), status->down.end(), rank);
            if (offline) continue;  // not up (or gone already)
            std::vector<std::string> argv = {v["flux"], "overlay", "disconnect",
                                             std::to_string(rank)};
            auto r = local::run_argv(argv, timeout_, command_env());
            if (!r.ok())
                return "cannot disconnect " + l.hosts[i] + " (" + r.describe() +
                       "): " + local::describe_argv(argv);
        }
        if (l.default_launcher && !l.output.empty()) {
            std::string parent = values_["flux_uri"].empty() ? parent_uri() : values_["flux_uri"];
            std::vector<std::string> argv = local::cancel_argv(v["flux"], parent, l.output);
            auto r = local::run_argv(argv, timeout_, command_env());
            if (!r.ok() && r.err.find("inactive") == std::string::npos)
                return "cannot cancel the brokers' job " + l.output + " (" + r.describe() +
                       "): " + local::describe_argv(argv);
        }
        return "";
    }

    // ---- setup ------------------------------------------------------------------

    // This machine's cores (and GPUs) as flux R encode --local sees them.
    std::pair<std::string, std::string> local_cores() {
        std::vector<std::string> argv = {flux_command(), "R", "encode", "--local"};
        auto r = local::run_argv(argv, timeout_);
        if (!r.ok())
            throw Error("flux R encode --local failed (" + r.describe() +
                        "): " + local::describe_argv(argv));
        try {
            json R = json::parse(r.out);
            const json& children = R.at("execution").at("R_lite").at(0).at("children");
            return {children.at("core").get<std::string>(), children.value("gpu", "")};
        } catch (const std::exception& e) {
            throw Error("flux R encode --local printed no R (" + std::string(e.what()) +
                        "); give the core ids with cores=0-7");
        }
    }

    // ---- state --------------------------------------------------------------------

    // What the state file (or, without one, this process) holds. Throws Error.
    std::vector<Launch> read_state() const {
        if (!state_) return local::launches_from_state(memory_);
        json state = state_->read();
        try {
            return local::launches_from_state(state);
        } catch (const Error& e) {
            throw Error(not_a_state_file(e.what()));
        }
    }

    std::string not_a_state_file(const std::string& why) const {
        return "state_file '" + state_->path() + "' is not a local plugin state file (" + why +
               "); move it away or point state_file elsewhere";
    }

    std::optional<std::string> load_state() {
        try {
            launches_ = read_state();
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
        return std::nullopt;
    }

    // Apply `change` to the launches recorded, under the state file's lock.
    void change_state(const std::function<void(std::vector<Launch>&)>& change) {
        auto apply = [&](json& state) {
            std::vector<Launch> launches;
            try {
                launches = local::launches_from_state(state);
            } catch (const Error& e) {
                throw Error("local: " + (state_ ? not_a_state_file(e.what()) : e.what()));
            }
            change(launches);
            launches_ = launches;
            state = local::state_json(launches);
        };
        if (state_)
            state_->update(apply);
        else
            apply(memory_);
    }

    std::map<std::string, std::string> values_;
    std::set<std::string> allowed_;
    std::string launch_;
    std::unique_ptr<fluxburst::StateFile> state_;  // null: the state lives in memory_
    json memory_ = json::object();
    std::string flux_;
    std::int64_t port_ = 8050;
    double timeout_ = 120;
    double start_timeout_ = 300;
    std::unique_ptr<fluxburst::FluxQueue> instance_;
    std::optional<fluxburst::ResourceStatus> cached_;
    Clock::time_point cached_at_;
    std::vector<Launch> launches_;
};

}  // namespace

FLUXBURST_PLUGIN(LocalPlugin, "local", "0.1.0",
                 "Start Flux brokers on the instance's configured but down nodes")
