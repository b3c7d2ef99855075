// Fuzz plugin parameter handling: a schema and values, both from the input
// (separated by a NUL byte), through schema_from_json, merge_params and
// merge_param_layers (text converted by the parameter's type).
#include <fluxburst/fluxburst.hpp>

#include <cmath>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const uint8_t* sep = static_cast<const uint8_t*>(std::memchr(data, 0, size));
    const uint8_t* end = data + size;
    nlohmann::json schema_json = nlohmann::json::parse(data, sep ? sep : end, nullptr, false);
    std::string rest =
        sep ? std::string(reinterpret_cast<const char*>(sep + 1), end - sep - 1) : "";
    fluxburst::ParamSchema schema;
    try {
        schema = fluxburst::schema_from_json(
            schema_json.is_discarded() ? nlohmann::json() : schema_json, "fuzz");
    } catch (const fluxburst::ParamError&) {
        schema = {{"max_nodes", fluxburst::ParamType::Integer, 8, false, ""},
                  {"hosts", fluxburst::ParamType::List, nullptr, false, ""},
                  {"ratio", fluxburst::ParamType::Number, nullptr, false, ""},
                  {"on", fluxburst::ParamType::Boolean, nullptr, false, ""},
                  {"name", fluxburst::ParamType::String, nullptr, true, ""}};
    }
    // The schema must survive a round trip.
    if (fluxburst::schema_to_json(fluxburst::schema_from_json(
            fluxburst::schema_to_json(schema), "fuzz")) != fluxburst::schema_to_json(schema))
        std::abort();
    for (const auto& spec : schema) {
        fluxburst::ParamLayers layers;
        layers.overrides.push_back({spec.name, rest, "fuzz"});
        nlohmann::json v;
        try {
            v = fluxburst::merge_param_layers("fuzz", schema, layers)[spec.name];
        } catch (const fluxburst::ParamError&) {
            continue;
        }
        // A converted value must be accepted again, as it is, for that key.
        if (fluxburst::merge_params("fuzz", schema, {{spec.name, v}})[spec.name] != v) std::abort();
    }
    nlohmann::json values = nlohmann::json::parse(rest, nullptr, false);
    if (!values.is_discarded()) {
        try {
            auto merged = fluxburst::merge_params("fuzz", schema, values);
            // A number that reaches a plugin is finite (JSON's 1e400 is inf).
            for (const auto& spec : schema)
                if (spec.type == fluxburst::ParamType::Number && merged.contains(spec.name) &&
                    !std::isfinite(merged[spec.name].get<double>()))
                    std::abort();
        } catch (const fluxburst::ParamError&) {
        }
    }
    return 0;
}
