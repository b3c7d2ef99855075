// Fuzz --param NAME.KEY=VALUE arguments (one per input line) through the
// argument parser and the check against the mock plugin's schema.
#include <fluxburst/fluxburst.hpp>

#include <cstdlib>
#include <sstream>

#include "exit_codes.hpp"
#include "param_args.hpp"
#include "plugin_params.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static fluxburst::PluginDescription mock = [] {
        fluxburst::PluginDescription d;
        d.name = "mock";
        d.parameters = {{"max_nodes", fluxburst::ParamType::Integer, 8, false, ""},
                        {"cluster_prefix", fluxburst::ParamType::String, "mock", false, ""},
                        {"hostnames", fluxburst::ParamType::List, nullptr, false, ""},
                        {"ratio", fluxburst::ParamType::Number, nullptr, false, ""},
                        {"dry_run", fluxburst::ParamType::Boolean, nullptr, false, ""}};
        return d;
    }();
    std::vector<std::string> args;
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    for (std::string line; std::getline(in, line);) args.push_back(line);
    try {
        auto parsed = fluxburst::cli::parse_param_args(args);
        for (const auto& a : parsed) {
            if (a.plugin.empty() || a.key.empty()) std::abort();
            try {
                nlohmann::json v = fluxburst::cli::check_param(mock, a.key, a.value, "--param");
                (void)v.dump();
            } catch (const fluxburst::cli::UsageError&) {
            }
        }
    } catch (const fluxburst::cli::UsageError&) {
    }
    return 0;
}
