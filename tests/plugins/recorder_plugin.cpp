// A well-behaved test plugin: accepts jobs up to `capacity` nodes, records calls.
#include <fluxburst/plugin.hpp>

namespace {
class Recorder : public fluxburst::BurstPlugin {
public:
    static fluxburst::ParamSchema parameters() {
        using fluxburst::ParamType;
        return {{"capacity", ParamType::Integer, 4, false, "largest job accepted"},
                {"known_capacity", ParamType::Boolean, true, false, "report free_nodes()"},
                {"priority", ParamType::Integer, 0, false, "ordering priority"},
                {"label", ParamType::String, nullptr, true, "required text"},
                {"ratio", ParamType::Number, 0.5, false, "a number"},
                {"hosts", ParamType::List, nlohmann::json::array(), false, "a list"}};
    }
    bool schedule(const fluxburst::Job& job) override {
        ++schedule_calls;
        return job.nodes() <= params().get_int("capacity");
    }
    fluxburst::BurstResult run(const fluxburst::BurstRequest& request) override {
        ++run_calls;
        return {"ran for " + std::to_string(request.jobs.size()) + " jobs",
                {{"nodes", request.nodes}, {"tasks", request.tasks}, {"runs", run_calls}}};
    }
    fluxburst::BurstResult unburst() override { return {"unbursted", {{"runs", run_calls}}}; }
    std::optional<std::int64_t> free_nodes() const override {
        if (!params().get_bool("known_capacity")) return std::nullopt;
        return params().get_int("capacity");
    }
    int schedule_calls = 0;
    int run_calls = 0;
};
}  // namespace

FLUXBURST_PLUGIN(Recorder, PLUGIN_NAME, "1.2.3", "test plugin that records calls")
