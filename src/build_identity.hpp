// Comparing a plugin's build identity with the library's (private to the library).
#pragma once

#include <string>

#include <fluxburst/plugin.hpp>

namespace fluxburst::loader {

/// The library's own build identity.
const fluxburst_build_identity_t& library_identity();

/// Why a plugin built with `plugin` cannot be used with this library (each part
/// compared on its own, the first that differs named with the fix), or "".
std::string identity_mismatch(const fluxburst_build_identity_t& plugin);

}  // namespace fluxburst::loader
