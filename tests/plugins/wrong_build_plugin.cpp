// A plugin whose build identity differs from the library's in one part (WRONG:
// major, cxxabi, stringabi or json): the loader must name that part.
#include <fluxburst/plugin.hpp>

#include <cstring>

FLUXBURST_PLUGIN_EXPORT int fluxburst_plugin_abi_version(void) {
    return FLUXBURST_PLUGIN_ABI_VERSION;
}
FLUXBURST_PLUGIN_EXPORT const fluxburst_plugin_info_t* fluxburst_plugin_info(void) {
    static fluxburst_plugin_info_t info = {
        FLUXBURST_PLUGIN_ABI_VERSION, PLUGIN_NAME, "0",
        "built differently",          "[]",        FLUXBURST_BUILD_IDENTITY};
    if (std::strcmp(WRONG, "major") == 0) info.identity.library_major += 1;
    if (std::strcmp(WRONG, "cxxabi") == 0) info.identity.cxx_abi += 1;  // any compiler's value
    if (std::strcmp(WRONG, "stringabi") == 0)
        info.identity.cxx11_string_abi = info.identity.cxx11_string_abi == 1 ? 0 : 1;
    if (std::strcmp(WRONG, "json") == 0) info.identity.json_abi = "nlohmann::json_abi_v9_9_9";
    return &info;
}
FLUXBURST_PLUGIN_EXPORT fluxburst::BurstPlugin* fluxburst_plugin_init(const char*, const char*,
                                                                      char*, std::size_t) {
    return nullptr;
}
FLUXBURST_PLUGIN_EXPORT void fluxburst_plugin_destroy(fluxburst::BurstPlugin*) {}
