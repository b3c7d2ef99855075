#include <fluxburst/error.hpp>
#include <fluxburst/plugin.hpp>

namespace fluxburst {

// Defined here so that BurstPlugin's vtable and type information live in
// libfluxburst, shared by every plugin.
BurstPlugin::BurstPlugin() = default;
BurstPlugin::~BurstPlugin() = default;

BurstResult BurstPlugin::setup(const SetupRequest&) {
    throw PluginError(
        ErrorCode::plugin_unsupported,
        "plugin " + name() + " has no setup step: it needs nothing prepared before a burst",
        {name(), "", ""});
}

}  // namespace fluxburst
