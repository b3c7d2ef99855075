// Symbol visibility for libfluxburst's public API.
#pragma once

#if defined(FLUXBURST_BUILDING_LIBRARY)
#define FLUXBURST_API __attribute__((visibility("default")))
#else
#define FLUXBURST_API
#endif

// Symbols a plugin exports with C linkage (see plugin.hpp).
#define FLUXBURST_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))
