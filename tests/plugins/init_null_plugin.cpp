// A plugin whose init returns null without saying why.
#include <fluxburst/plugin.hpp>

FLUXBURST_PLUGIN_EXPORT int fluxburst_plugin_abi_version(void) {
    return FLUXBURST_PLUGIN_ABI_VERSION;
}
FLUXBURST_PLUGIN_EXPORT const fluxburst_plugin_info_t* fluxburst_plugin_info(void) {
    static const fluxburst_plugin_info_t info = {
        FLUXBURST_PLUGIN_ABI_VERSION, "initnull", "0",
        "init returns null",          "[]",       FLUXBURST_BUILD_IDENTITY};
    return &info;
}
FLUXBURST_PLUGIN_EXPORT fluxburst::BurstPlugin* fluxburst_plugin_init(const char*, const char*,
                                                                      char*, std::size_t) {
    return nullptr;
}
FLUXBURST_PLUGIN_EXPORT void fluxburst_plugin_destroy(fluxburst::BurstPlugin*) {}
