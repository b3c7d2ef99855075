#include "version.hpp"

#include <algorithm>

#include <fmt/format.h>

#include <fluxburst/build_info.hpp>
#include <fluxburst/config.hpp>
#include <fluxburst/plugin.hpp>

namespace fluxburst::cli {

std::string version_text(bool verbose) {
    std::string text = std::string("flux-burst ") + FLUXBURST_VERSION;
    if (!verbose) return text;
    BuildInfo info = build_info();
    text += fmt::format("\nlibfluxburst {} (plugin ABI {}), Flux backend: {}", info.version,
                        FLUXBURST_PLUGIN_ABI_VERSION, info.flux ? "yes" : "no");
    text += fmt::format(
        "\nJSON reader: simdjson {}, kernel '{}' ({}), chosen at run time for this CPU; "
        "On-Demand code built for '{}'",
        info.simdjson_version, info.simdjson_kernel, info.simdjson_kernel_description,
        info.simdjson_builtin_kernel);
    return text;
}

bool is_version_request(const std::vector<std::string>& args, bool& verbose) {
    if (std::find(args.begin(), args.end(), "--version") == args.end()) return false;
    verbose = false;
    for (const auto& a : args) {
        if (a == "-v" || a == "-vv" || a == "--verbose")
            verbose = true;
        else if (a != "--version")
            return false;
    }
    return true;
}

}  // namespace fluxburst::cli
