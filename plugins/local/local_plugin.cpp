// The local plugin: bring up Flux brokers for the configured-but-down nodes of
// the instance (the rest of an HPC allocation), so that waiting jobs can run, and
// stop them again on unburst. Built as an outside plugin is: the public headers,
// fluxburst_add_plugin(), and libflux-core.
//
// By concern: local_config (parameters, parsed once into a Config), templates
// (commands and the values they take), node_plan (which nodes to start),
// command_runner (running them), launch_state (what was launched, for unburst),
// setup_files (`flux-burst setup local`), instance (the handle on the instance).
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fluxburst/error.hpp>
#include <fluxburst/flux.hpp>
#include <fluxburst/job.hpp>
#include <fluxburst/plugin.hpp>

#include "command_runner.hpp"
#include "instance.hpp"
#include "launch_state.hpp"
#include "local_config.hpp"
#include "node_plan.hpp"
#include "setup_files.hpp"
#include "templates.hpp"

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
    static fluxburst::ParamSchema parameters() { return local::config_schema(); }

    std::optional<std::string> validate() override {
        try {
            config_ = local::parse_config(params());
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
        state_ =
            std::make_unique<local::LaunchState>(config_.state_path(), config_.command_timeout);
        instance_ = std::make_unique<local::Instance>(config_.instance_uri);
        try {
            launches_ = state_->read();
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
        return std::nullopt;
    }

    bool schedule(const fluxburst::Job& job) override {
        const fluxburst::ResourceStatus& s = resources(false);
        std::int64_t can = s.free_nodes() + starting_down(s) +
                           static_cast<std::int64_t>(
                               local::startable_ranks(s, config_.allowed, starting()).size());
        return job.nodes() <= can;
    }

    std::optional<std::int64_t> free_nodes() const override {
        if (!cached_) return std::nullopt;
        const auto& s = *cached_;
        return s.free_nodes() +
               static_cast<std::int64_t>(local::startable_ranks(s, config_.allowed, {}).size());
    }

    fluxburst::BurstResult run(const fluxburst::BurstRequest& request) override {
        // One locked step: read what was launched, launch, record. A parallel
        // command waits, then sees these brokers as starting.
        fluxburst::BurstResult result;
        std::vector<Launch> done;
        std::string failure;
        try {
            launches_ = state_->change([&](std::vector<Launch>& launches) {
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
        launches_ = state_->change([&](std::vector<Launch>& launches) {
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
            launches_ = launches;
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
        return local::write_setup(config_, request, [this] { return this_machine_cores(); });
    }

private:
    // run() with the state locked: `launches` is what the state file holds, and
    // gets what this run starts; `done` those launches, `failure` what went wrong.
    fluxburst::BurstResult run_locked(const fluxburst::BurstRequest& request,
                                      std::vector<Launch>& launches, std::vector<Launch>& done,
                                      std::string& failure) {
        launches_ = launches;
        const fluxburst::ResourceStatus& s = resources(true);
        local::Plan plan = local::plan(s, request.nodes, config_.allowed, starting());
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
            throw Error("local: " + std::to_string(plan.needed) +
                        " more node(s) needed but no down node " +
                        (config_.allowed.empty()
                             ? std::string("can be started")
                             : "in hostnames=" + config_.hostnames + " can be started") +
                        " (down: " + fp::compress_hostlist(s.host_names(s.down)) + ")");
        }
        std::vector<std::string> hosts = s.host_names(plan.ranks);
        std::map<std::string, std::string> values = common_values();
        bool is_default = config_.default_launcher();
        if (is_default) {
            if (config_.config_dir.empty())
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
        if (local::runs_per_host(config_.launch)) {
            for (std::size_t i = 0; i < hosts.size(); ++i) {
                auto v = values;
                set_hosts(v, {hosts[i]}, {plan.ranks[i]});
                std::string command = local::expand(config_.launch, v);
                local::CommandResult r =
                    local::run_command(command, config_.command_timeout, command_env());
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
            std::string command = local::expand(config_.launch, v);
            local::CommandResult r =
                local::run_command(command, config_.command_timeout, command_env());
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

    // The instance's resources, and (for schedule) what other commands launched:
    // both at most 2 s old, or read now when `fresh`.
    const fluxburst::ResourceStatus& resources(bool fresh) {
        if (fresh || !cached_ || Clock::now() - cached_at_ > std::chrono::seconds(2)) {
            cached_ = instance_->resources();
            cached_at_ = Clock::now();
            if (!fresh) launches_ = state_->read();
        }
        return *cached_;
    }

    // Ranks launched recently enough to be still coming up (or up already).
    std::set<std::int64_t> starting() const {
        std::set<std::int64_t> out;
        local::Clocks now = local::Clocks::now();
        for (const auto& l : launches_)
            if (l.age(now) < config_.start_timeout) out.insert(l.ranks.begin(), l.ranks.end());
        return out;
    }

    std::int64_t starting_down(const fluxburst::ResourceStatus& s) const {
        std::int64_t n = 0;
        for (std::int64_t r : starting())
            if (std::binary_search(s.down.begin(), s.down.end(), r)) ++n;
        return n;
    }

    std::string parent_uri() {
        if (!config_.flux_uri.empty()) return config_.flux_uri;
        std::string parent = instance_->attribute("parent-uri");
        if (!parent.empty()) return parent;
        throw Error(
            "local: the default launcher submits the brokers as a job to the parent instance, "
            "but flux_uri is not set and " +
            instance_->describe() +
            " has no parent-uri; set flux_uri to the parent's URI, or set launch_command");
    }

    // ---- commands ---------------------------------------------------------------

    std::string flux_command() {
        if (!flux_.empty()) return flux_;
        if (!config_.flux_root.empty()) {
            std::string f = config_.flux_root + "/bin/flux";
            if (!local::find_program(f))
                throw Error("local: flux_root is '" + config_.flux_root + "' but " + f +
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
        std::string root = config_.flux_root;
        if (root.empty()) {  // <root>/bin/flux
            auto slash = flux.rfind('/');
            std::string bin = flux.substr(0, slash);
            root = bin.substr(0, bin.rfind('/'));
        }
        return {{"flux", flux},
                {"flux_root", root},
                {"flux_uri", config_.flux_uri},
                {"instance_uri", instance_->uri()},
                {"config_dir", config_.config_dir},
                {"config_path", local::config_path(config_.config_dir)},
                {"port", std::to_string(config_.port)},
                {"network_device", config_.network_device}};
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
        std::string uri = instance_->uri();
        if (uri.empty()) return {};
        return {{"FLUX_URI", uri}};
    }

    // Stop one launch; returns "" or what went wrong.
    std::string stop(const Launch& l, std::optional<fluxburst::ResourceStatus>& status) {
        std::map<std::string, std::string> v = common_values();
        v["launch_output"] = l.output;
        const std::string& custom = config_.stop_command;
        double timeout = config_.command_timeout;
        if (!custom.empty()) {
            if (local::runs_per_host(custom)) {
                for (std::size_t i = 0; i < l.hosts.size(); ++i) {
                    auto vh = v;
                    set_hosts(vh, {l.hosts[i]}, {l.ranks[i]});
                    std::string command = local::expand(custom, vh);
                    auto r = local::run_command(command, timeout, command_env());
                    if (!r.ok()) return "stop command failed (" + r.describe() + "): " + command;
                }
                return "";
            }
            set_hosts(v, l.hosts, l.ranks);
            std::string command = local::expand(custom, v);
            auto r = local::run_command(command, timeout, command_env());
            return r.ok() ? "" : "stop command failed (" + r.describe() + "): " + command;
        }
        // Built in: disconnect the brokers that are up; cancel the launcher's job.
        if (!status) status = instance_->resources();
        for (std::size_t i = 0; i < l.hosts.size(); ++i) {
            std::int64_t rank = l.ranks[i];
            bool offline =
                status->have_offline
                    ? std::binary_search(status->offline.begin(), status->offline.end(), rank)
                    : std::binary_search(status->down.begin(), status->down.end(), rank);
            if (offline) continue;  // not up (or gone already)
            std::vector<std::string> argv = {v["flux"], "overlay", "disconnect",
                                             std::to_string(rank)};
            auto r = local::run_argv(argv, timeout, command_env());
            if (!r.ok())
                return "cannot disconnect " + l.hosts[i] + " (" + r.describe() +
                       "): " + local::describe_argv(argv);
        }
        if (l.default_launcher && !l.output.empty()) {
            std::vector<std::string> argv = local::cancel_argv(v["flux"], parent_uri(), l.output);
            auto r = local::run_argv(argv, timeout, command_env());
            if (!r.ok() && r.err.find("inactive") == std::string::npos)
                return "cannot cancel the brokers' job " + l.output + " (" + r.describe() +
                       "): " + local::describe_argv(argv);
        }
        return "";
    }

    // This machine's cores (and GPUs) as flux R encode --local sees them.
    std::pair<std::string, std::string> this_machine_cores() {
        std::vector<std::string> argv = {flux_command(), "R", "encode", "--local"};
        auto r = local::run_argv(argv, config_.command_timeout);
        if (!r.ok())
            throw Error("flux R encode --local failed (" + r.describe() +
                        "): " + local::describe_argv(argv));
        return local::cores_from_R(r.out);
    }

    local::Config config_;                       // parsed once, by validate()
    std::unique_ptr<local::LaunchState> state_;  // what was launched
    std::unique_ptr<local::Instance> instance_;  // the instance extended
    std::string flux_;                           // the flux command, once found
    std::optional<fluxburst::ResourceStatus> cached_;
    Clock::time_point cached_at_;
    std::vector<Launch> launches_;  // as last read or changed
};

}  // namespace

FLUXBURST_PLUGIN(LocalPlugin, "local", "0.1.0",
                 "Start Flux brokers on the instance's configured but down nodes")
