// What this copy of libfluxburst runs with: for `flux-burst --version -v`,
// benchmarks and bug reports.
#pragma once

#include <string>

#include <fluxburst/export.hpp>

namespace fluxburst {

struct BuildInfo {
    std::string version;  ///< libfluxburst's version (FLUXBURST_VERSION of the library)
    bool flux = false;    ///< built with the live Flux backend
    /// simdjson's version, e.g. "3.0.1".
    std::string simdjson_version;
    /// The simdjson kernel chosen at run time for this CPU (reading the structure of
    /// jobs files: "icelake", "haswell", "westmere", "arm64", "fallback"), with
    /// simdjson's description of it. SIMDJSON_FORCE_IMPLEMENTATION overrides it.
    std::string simdjson_kernel;
    std::string simdjson_kernel_description;
    /// The kernel compiled into the library for On-Demand navigation (it follows
    /// the compiler's target flags, not the CPU; measured to matter little here).
    std::string simdjson_builtin_kernel;
};

/// The library's build and run-time facts.
FLUXBURST_API BuildInfo build_info();

}  // namespace fluxburst
