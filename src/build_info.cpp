#include <fluxburst/build_info.hpp>

#include <fluxburst/config.hpp>

#include <string>

#include <simdjson.h>

namespace fluxburst {

BuildInfo build_info() {
    BuildInfo info;
    info.version = FLUXBURST_VERSION;
    info.flux = FLUXBURST_HAVE_FLUX;
    info.simdjson_version = std::to_string(simdjson::SIMDJSON_VERSION_MAJOR) + "." +
                            std::to_string(simdjson::SIMDJSON_VERSION_MINOR) + "." +
                            std::to_string(simdjson::SIMDJSON_VERSION_REVISION);
    // The first use picks the best kernel this CPU supports (simdjson's runtime
    // dispatch); the On-Demand parser's structural stage runs through it.
    const simdjson::implementation* active = simdjson::get_active_implementation();
    info.simdjson_kernel = active->name();
    info.simdjson_kernel_description = active->description();
    info.simdjson_builtin_kernel = simdjson::builtin_implementation()->name();
    return info;
}

}  // namespace fluxburst
