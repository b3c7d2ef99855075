// A plugin whose schedule, run or unburst throws (THROW_IN names which), or whose
// constructor throws (THROW_IN == "init"), or whose validate() refuses ("validate").
#include <fluxburst/plugin.hpp>

#include <stdexcept>
#include <string>

namespace {
const std::string where = THROW_IN;

class Thrower : public fluxburst::BurstPlugin {
public:
    Thrower() {
        if (where == "init") throw std::runtime_error("cannot reach the cloud API");
    }
    std::optional<std::string> validate() override {
        if (where == "validate") return std::string("credentials file is missing");
        return std::nullopt;
    }
    bool schedule(const fluxburst::Job&) override {
        if (where == "schedule") throw std::runtime_error("schedule exploded");
        return true;
    }
    fluxburst::BurstResult run(const fluxburst::BurstRequest&) override {
        if (where == "run") throw std::runtime_error("run exploded");
        return {"ran", {}};
    }
    fluxburst::BurstResult unburst() override {
        if (where == "unburst") throw std::runtime_error("unburst exploded");
        return {"unbursted", {}};
    }
};
}  // namespace

FLUXBURST_PLUGIN(Thrower, PLUGIN_NAME, "0.0.1", "a plugin that fails on purpose")
