// The mock plugin: a simulated remote cluster, for tests, demos and scheduler
// simulations. Built exactly as an outside plugin is: public headers and
// fluxburst_add_plugin() only.
#include <fluxburst/error.hpp>
#include <fluxburst/plugin.hpp>
#include <fluxburst/state_file.hpp>

#include <sys/stat.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

class MockPlugin : public fluxburst::BurstPlugin {
public:
    static fluxburst::ParamSchema parameters() {
        using fluxburst::ParamType;
        return {
            {"max_nodes", ParamType::Integer, 8, false,
             "accept a job only if it needs at most this many nodes; also the largest cluster"},
            {"cluster_prefix", ParamType::String, "mock", false,
             "clusters are named <prefix>-0, <prefix>-1, ..."},
            {"state_file", ParamType::String, nullptr, false,
             "JSON file recording clusters and jobs served (locked while changed, written "
             "atomically with mode 0600, read on load)"},
            {"priority", ParamType::Integer, 0, false,
             "rank for the 'priority' ordering (higher first)"},
            {"fail_on", ParamType::String, "", false,
             "simulate a failure: 'schedule', 'run' or 'unburst' throws (for tests and demos)"},
            {"machine_type", ParamType::String, "mock-standard", false,
             "the machine type of a cluster's nodes (recorded); a job may ask for its own",
             /*per_job=*/true},
        };
    }

    std::optional<std::string> validate() override {
        max_nodes_ = params().get_int("max_nodes");
        if (max_nodes_ < 1)
            return "max_nodes must be at least 1, got " + std::to_string(max_nodes_);
        prefix_ = params().get_string("cluster_prefix");
        if (prefix_.empty()) return std::string("cluster_prefix must not be empty");
        fail_on_ = params().get_string("fail_on");
        if (!fail_on_.empty() && fail_on_ != "schedule" && fail_on_ != "run" &&
            fail_on_ != "unburst")
            return "fail_on must be '', 'schedule', 'run' or 'unburst', got '" + fail_on_ + "'";
        if (params().has("state_file")) {
            if (auto why = load_state(params().get_string("state_file"))) return why;
        }
        return std::nullopt;
    }

    bool schedule(const fluxburst::Job& job) override {
        if (fail_on_ == "schedule") throw fluxburst::Error("mock: simulated schedule failure");
        return job.nodes() <= max_nodes_;
    }

    fluxburst::BurstResult run(const fluxburst::BurstRequest& request) override {
        if (fail_on_ == "run") throw fluxburst::Error("mock: simulated run failure");
        nlohmann::json cluster;
        // One locked step: parallel commands sharing the state file each get a
        // cluster of their own, and every cluster is recorded.
        change_state([&](nlohmann::json& state) {
            std::int64_t index = state["next_index"].get<std::int64_t>();
            std::vector<fluxburst::JobId> jobs;
            for (const auto& job : request.jobs) jobs.push_back(job->id());
            cluster = {{"name", prefix_ + "-" + std::to_string(index)},
                       {"nodes", std::min(request.nodes, max_nodes_)},
                       {"tasks", request.tasks},
                       {"machine_type", machine_type(request)},
                       {"jobs", jobs}};
            state["clusters"].push_back(cluster);
            state["next_index"] = index + 1;
        });
        return {"created cluster " + cluster["name"].get<std::string>() + " with " +
                    std::to_string(cluster["nodes"].get<std::int64_t>()) + " nodes for " +
                    std::to_string(cluster["jobs"].size()) + " job(s)",
                cluster};
    }

    fluxburst::BurstResult unburst() override {
        if (fail_on_ == "unburst") throw fluxburst::Error("mock: simulated unburst failure");
        nlohmann::json removed = nlohmann::json::array();
        change_state([&](nlohmann::json& state) {
            removed = nlohmann::json::array();
            for (const auto& c : state["clusters"]) removed.push_back(c["name"]);
            state["clusters"] = nlohmann::json::array();
        });
        if (removed.empty()) return {"no clusters to remove", {{"removed", removed}}};
        std::string names;
        for (const auto& name : removed)
            names += (names.empty() ? "" : ", ") + name.get<std::string>();
        return {"removed " + names, {{"removed", removed}}};
    }

    std::optional<std::int64_t> free_nodes() const override { return max_nodes_; }

private:
    // The burst's machine type: the jobs' own (per-job value), else the plugin's.
    std::string machine_type(const fluxburst::BurstRequest& request) const {
        const auto& p = request.params.has("machine_type") ? request.params : params();
        return p.get_string("machine_type");
    }

    // The state: {"plugin": "mock", "next_index": N, "clusters": [{name, nodes,
    // tasks, jobs}]}. Throws when `state` is not that (an empty one is filled in).
    void check_state(nlohmann::json& state) const {
        if (state.empty()) state = {{"plugin", "mock"}, {"next_index", 0}};
        if (!state.contains("clusters")) state["clusters"] = nlohmann::json::array();
        if (!state.contains("next_index") || !state["next_index"].is_number_integer() ||
            state["next_index"].get<std::int64_t>() < 0 || !state["clusters"].is_array())
            throw fluxburst::Error("no next_index, or clusters is not a list");
        for (const auto& c : state["clusters"]) {
            if (!c.is_object() || !c.contains("name") || !c["name"].is_string() ||
                !c.contains("nodes") || !c["nodes"].is_number_integer() || !c.contains("jobs") ||
                !c["jobs"].is_array())
                throw fluxburst::Error("a cluster without name, nodes and jobs");
        }
    }

    std::string not_a_state_file(const std::string& why) const {
        return "state_file '" + state_->path() + "' is not a mock state file (" + why +
               "); move it away or point state_file elsewhere";
    }

    // Apply `change` to the state: under the state file's lock when there is one.
    void change_state(const std::function<void(nlohmann::json&)>& change) {
        if (!state_) {
            check_state(memory_);
            change(memory_);
            return;
        }
        state_->update([&](nlohmann::json& state) {
            try {
                check_state(state);
            } catch (const fluxburst::Error& e) {
                throw fluxburst::Error("mock: " + not_a_state_file(e.what()));
            }
            change(state);
        });
    }

    std::optional<std::string> load_state(const std::string& path) {
        struct stat st {};
        std::string dir = path.substr(0, path.find_last_of('/') + 1);
        if (!dir.empty() && ::stat(dir.c_str(), &st) != 0)
            return "state_file '" + path + "': directory '" + dir + "' does not exist";
        state_ = std::make_unique<fluxburst::StateFile>(path);
        nlohmann::json state;
        try {
            state = state_->read();
        } catch (const fluxburst::Error& e) {
            return std::string(e.what());
        }
        try {
            check_state(state);
        } catch (const fluxburst::Error& e) {
            return not_a_state_file(e.what());
        }
        return std::nullopt;
    }

    std::int64_t max_nodes_ = 8;
    std::string prefix_;
    std::string fail_on_;
    std::unique_ptr<fluxburst::StateFile> state_;  // null: the state lives in memory_
    nlohmann::json memory_;
};

}  // namespace

FLUXBURST_PLUGIN(MockPlugin, "mock", "0.1.0",
                 "A simulated remote cluster (for tests, demos and simulations)")
