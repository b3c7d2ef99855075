// Entry points that are variables, not functions: calling one would jump into
// data. With VARIABLE_ABI the ABI version is a variable, else the info is.
#include <fluxburst/plugin.hpp>

#if defined(VARIABLE_ABI)
// The ABI "function" is an int: its bytes are 01 00 00 00, not code.
extern "C" {
__attribute__((visibility("default"))) int fluxburst_plugin_abi_version =
    FLUXBURST_PLUGIN_ABI_VERSION;
}
#else
FLUXBURST_PLUGIN_EXPORT int fluxburst_plugin_abi_version(void) {
    return FLUXBURST_PLUGIN_ABI_VERSION;
}
extern "C" {
__attribute__((visibility("default"))) char fluxburst_plugin_info[] = "not a function";
}
#endif
