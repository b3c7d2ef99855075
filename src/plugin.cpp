#include <fluxburst/plugin.hpp>

namespace fluxburst {

// Defined here so that BurstPlugin's vtable and type information live in
// libfluxburst, shared by every plugin.
BurstPlugin::BurstPlugin() = default;
BurstPlugin::~BurstPlugin() = default;

}  // namespace fluxburst
