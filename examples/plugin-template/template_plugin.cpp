// A flux-burst plugin to copy: rename the class, the name "template" (here and in
// CMakeLists.txt), and fill in schedule() and run().
#include <fluxburst/plugin.hpp>

#include <string>

namespace {

class TemplatePlugin : public fluxburst::BurstPlugin {
public:
    // Parameters: shown by `flux-burst plugins template`, set with
    // --param template.max_nodes=4, a config file, or FLUXBURST_MAX_NODES.
    static fluxburst::ParamSchema parameters() {
        return {{"max_nodes", fluxburst::ParamType::Integer, 4, false,
                 "the largest job this plugin accepts"}};
    }

    // Called once after loading: refuse with a reason if something is wrong.
    std::optional<std::string> validate() override {
        if (params().get_int("max_nodes") < 1) return std::string("max_nodes must be positive");
        return std::nullopt;
    }

    // Would we take this job? (job-list fields plus "spec", the jobspec)
    bool schedule(const fluxburst::Job& job) override {
        return job.nodes() <= params().get_int("max_nodes");
    }

    // Provide the resources for the jobs accepted in this cycle.
    fluxburst::BurstResult run(const fluxburst::BurstRequest& request) override {
        created_ += request.nodes;
        return {"would create " + std::to_string(request.nodes) + " nodes",
                {{"nodes", request.nodes}, {"jobs", request.jobs.size()}}};
    }

    // Give back what run() created.
    fluxburst::BurstResult unburst() override {
        std::int64_t n = created_;
        created_ = 0;
        return {"would remove " + std::to_string(n) + " nodes", {{"nodes", n}}};
    }

private:
    std::int64_t created_ = 0;
};

}  // namespace

FLUXBURST_PLUGIN(TemplatePlugin, "template", "0.1.0", "A template to start a plugin from")
