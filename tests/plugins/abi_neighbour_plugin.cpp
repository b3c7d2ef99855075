// A working plugin whose entry points claim the current ABI version plus
// ABI_FN_OFFSET (fluxburst_plugin_abi_version) and plus ABI_INFO_OFFSET (its info
// struct): built at the current version, one below and one above, and with the two
// disagreeing, so that each of the loader's two version checks is tested at the
// neighbours of the current version, on its own.
#include <fluxburst/plugin.hpp>

namespace {
class Neighbour : public fluxburst::BurstPlugin {
public:
    bool schedule(const fluxburst::Job& job) override { return job.nodes() <= 4; }
    fluxburst::BurstResult run(const fluxburst::BurstRequest& request) override {
        return {"ran for " + std::to_string(request.jobs.size()) + " jobs", {}};
    }
};
}  // namespace

FLUXBURST_PLUGIN_EXPORT int fluxburst_plugin_abi_version(void) {
    return FLUXBURST_PLUGIN_ABI_VERSION + (ABI_FN_OFFSET);
}
FLUXBURST_PLUGIN_EXPORT const fluxburst_plugin_info_t* fluxburst_plugin_info(void) {
    static const fluxburst_plugin_info_t info = {FLUXBURST_PLUGIN_ABI_VERSION + (ABI_INFO_OFFSET),
                                                 PLUGIN_NAME,
                                                 "0",
                                                 "claims another ABI version",
                                                 "[]",
                                                 FLUXBURST_BUILD_IDENTITY};
    return &info;
}
FLUXBURST_PLUGIN_EXPORT fluxburst::BurstPlugin* fluxburst_plugin_init(const char* name,
                                                                      const char* params_json,
                                                                      char* error,
                                                                      std::size_t error_len) {
    return fluxburst::detail::create_plugin<Neighbour>(name, params_json, error, error_len);
}
FLUXBURST_PLUGIN_EXPORT void fluxburst_plugin_destroy(fluxburst::BurstPlugin* plugin) {
    delete plugin;
}
