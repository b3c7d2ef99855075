// A plugin built for another ABI version.
#include <fluxburst/export.hpp>

FLUXBURST_PLUGIN_EXPORT int fluxburst_plugin_abi_version(void) {
    return 999;
}
