// The mock plugin: a simulated remote cluster, for tests, demos and scheduler
// simulations. Built exactly as an outside plugin is: public headers and
// fluxburst_add_plugin() only.
#include <fluxburst/atomic_file.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/plugin.hpp>

#include <sys/stat.h>

#include <string>
#include <vector>

namespace {

struct Cluster {
    std::string name;
    std::int64_t nodes = 0;
    std::int64_t tasks = 0;
    std::vector<fluxburst::JobId> jobs;
};

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
             "JSON file recording clusters and jobs served (written atomically, read on load)"},
            {"priority", ParamType::Integer, 0, false,
             "rank for the 'priority' ordering (higher first)"},
            {"fail_on", ParamType::String, "", false,
             "simulate a failure: 'schedule', 'run' or 'unburst' throws (for tests and demos)"},
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
            state_file_ = params().get_string("state_file");
            if (auto why = load_state()) return why;
        }
        return std::nullopt;
    }

    bool schedule(const nlohmann::json& job) override {
        if (fail_on_ == "schedule") throw fluxburst::Error("mock: simulated schedule failure");
        return fluxburst::job_nodes(job) <= max_nodes_;
    }

    fluxburst::BurstResult run(const fluxburst::BurstRequest& request) override {
        if (fail_on_ == "run") throw fluxburst::Error("mock: simulated run failure");
        Cluster c;
        c.name = prefix_ + "-" + std::to_string(next_index_);
        c.nodes = std::min(request.nodes, max_nodes_);
        c.tasks = request.tasks;
        for (const auto& job : request.jobs) c.jobs.push_back(fluxburst::job_id(*job));
        std::vector<Cluster> next = clusters_;
        next.push_back(c);
        save_state(next, next_index_ + 1);  // state first: a crash never loses a cluster
        clusters_ = std::move(next);
        ++next_index_;
        return {"created cluster " + c.name + " with " + std::to_string(c.nodes) + " nodes for " +
                    std::to_string(c.jobs.size()) + " job(s)",
                to_json(c)};
    }

    fluxburst::BurstResult unburst() override {
        if (fail_on_ == "unburst") throw fluxburst::Error("mock: simulated unburst failure");
        nlohmann::json removed = nlohmann::json::array();
        std::string names;
        for (const auto& c : clusters_) {
            removed.push_back(c.name);
            names += (names.empty() ? "" : ", ") + c.name;
        }
        save_state({}, next_index_);
        clusters_.clear();
        if (removed.empty()) return {"no clusters to remove", {{"removed", removed}}};
        return {"removed " + names, {{"removed", removed}}};
    }

    std::optional<std::int64_t> free_nodes() const override { return max_nodes_; }

private:
    static nlohmann::json to_json(const Cluster& c) {
        return {{"name", c.name}, {"nodes", c.nodes}, {"tasks", c.tasks}, {"jobs", c.jobs}};
    }

    std::optional<std::string> load_state() {
        struct stat st {};
        if (::stat(state_file_.c_str(), &st) != 0) {
            std::string dir = state_file_.substr(0, state_file_.find_last_of('/') + 1);
            if (!dir.empty() && ::stat(dir.c_str(), &st) != 0)
                return "state_file '" + state_file_ + "': directory '" + dir + "' does not exist";
            return std::nullopt;  // a new state file
        }
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(fluxburst::read_file(state_file_));
            next_index_ = j.at("next_index").get<std::int64_t>();
            for (const auto& c : j.at("clusters")) {
                Cluster cl;
                cl.name = c.at("name").get<std::string>();
                cl.nodes = c.at("nodes").get<std::int64_t>();
                cl.tasks = c.value("tasks", cl.nodes);
                cl.jobs = c.at("jobs").get<std::vector<fluxburst::JobId>>();
                clusters_.push_back(std::move(cl));
            }
        } catch (const std::exception& e) {
            return "state_file '" + state_file_ + "' is not a mock state file (" + e.what() +
                   "); move it away or point state_file elsewhere";
        }
        return std::nullopt;
    }

    void save_state(const std::vector<Cluster>& clusters, std::int64_t next_index) const {
        if (state_file_.empty()) return;
        nlohmann::json j = {
            {"plugin", "mock"}, {"next_index", next_index}, {"clusters", nlohmann::json::array()}};
        for (const auto& c : clusters) j["clusters"].push_back(to_json(c));
        fluxburst::write_file_atomically(state_file_, j.dump(1) + "\n");
    }

    std::int64_t max_nodes_ = 8;
    std::string prefix_;
    std::string fail_on_;
    std::string state_file_;
    std::vector<Cluster> clusters_;
    std::int64_t next_index_ = 0;
};

}  // namespace

FLUXBURST_PLUGIN(MockPlugin, "mock", "0.1.0",
                 "A simulated remote cluster (for tests, demos and simulations)")
