// Fuzz --param NAME.KEY=VALUE arguments (one per input line) through the
// argument parser and the library's check against a mock-like schema.
#include <fluxburst/fluxburst.hpp>

#include <cstdlib>
#include <sstream>

#include "param_args.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const fluxburst::ParamSchema mock = {
        {"max_nodes", fluxburst::ParamType::Integer, 8, false, ""},
        {"cluster_prefix", fluxburst::ParamType::String, "mock", false, ""},
        {"hostnames", fluxburst::ParamType::List, nullptr, false, ""},
        {"ratio", fluxburst::ParamType::Number, nullptr, false, ""},
        {"dry_run", fluxburst::ParamType::Boolean, nullptr, false, ""}};
    std::vector<std::string> args;
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    for (std::string line; std::getline(in, line);) args.push_back(line);
    try {
        auto parsed = fluxburst::cli::parse_param_args(args);
        fluxburst::ParamLayers layers;
        for (const auto& a : parsed) {
            if (a.plugin.empty() || a.key.empty()) std::abort();
            layers.overrides.push_back({a.key, a.value, "--param '" + a.text + "'"});
        }
        try {
            (void)fluxburst::merge_param_layers("mock", mock, layers).dump();
        } catch (const fluxburst::ParamError& e) {
            if (e.code() != fluxburst::ErrorCode::bad_parameter) std::abort();
        }
    } catch (const fluxburst::Error& e) {
        if (e.code() != fluxburst::ErrorCode::usage) std::abort();
    }
    return 0;
}
