// A plugin that declares a parameter whose default does not have its type.
#include <fluxburst/plugin.hpp>

namespace {
class BadSchema : public fluxburst::BurstPlugin {
public:
    static fluxburst::ParamSchema parameters() {
        return {{"max_nodes", fluxburst::ParamType::Integer, "eight", false, "wrong default"}};
    }
    bool schedule(const fluxburst::Job&) override { return true; }
    fluxburst::BurstResult run(const fluxburst::BurstRequest&) override { return {}; }
};
}  // namespace

FLUXBURST_PLUGIN(BadSchema, "badschema", "0", "declares an invalid schema")
