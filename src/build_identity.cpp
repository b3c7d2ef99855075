#include "build_identity.hpp"

#include <cstring>

#include <fmt/format.h>

namespace fluxburst::loader {

const fluxburst_build_identity_t& library_identity() {
    static const fluxburst_build_identity_t identity = FLUXBURST_BUILD_IDENTITY;
    return identity;
}

std::string identity_mismatch(const fluxburst_build_identity_t& plugin) {
    const fluxburst_build_identity_t& lib = library_identity();
    if (plugin.library_major != lib.library_major)
        return fmt::format(
            "built against libfluxburst {} headers, but this is libfluxburst {} ({}); rebuild "
            "the plugin against the installed headers",
            plugin.library_major, lib.library_major, FLUXBURST_VERSION);
    if (plugin.cxx_abi != lib.cxx_abi)
        return fmt::format(
            "built with C++ ABI {} (__GXX_ABI_VERSION), but libfluxburst with {}; build the "
            "plugin with the compiler libfluxburst was built with",
            plugin.cxx_abi, lib.cxx_abi);
    if (plugin.cxx11_string_abi != lib.cxx11_string_abi)
        return fmt::format(
            "built with _GLIBCXX_USE_CXX11_ABI={}, but libfluxburst with {} (std::string's "
            "layout differs); build the plugin with the same setting",
            plugin.cxx11_string_abi, lib.cxx11_string_abi);
    const char* json = plugin.json_abi ? plugin.json_abi : "(none)";
    if (std::strcmp(json, lib.json_abi) != 0)
        return fmt::format(
            "built with nlohmann_json ABI '{}', but libfluxburst with '{}'; build the plugin "
            "against the nlohmann_json libfluxburst was built with",
            json, lib.json_abi);
    return {};
}

}  // namespace fluxburst::loader
