// Parameter layers from JSON objects (private to the library): what
// Client::load(name, params, overrides) and merge_params are given.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include <fluxburst/params.hpp>

namespace fluxburst {

/// `given` and `overrides` (JSON objects, or null) as layers whose origins are
/// "given to load" and "override". Throws ParamError naming `plugin` when one is
/// neither an object nor null.
ParamLayers json_param_layers(const std::string& plugin, const nlohmann::json& given,
                              const nlohmann::json& overrides);

}  // namespace fluxburst
