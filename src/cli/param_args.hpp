// --param NAME.KEY=VALUE arguments: a parameter for one plugin, given as text.
#pragma once

#include <string>
#include <vector>

namespace fluxburst::cli {

struct ParamArg {
    std::string plugin;  ///< NAME
    std::string key;     ///< KEY
    std::string value;   ///< VALUE, as text (converted later by the parameter's type)
    std::string text;    ///< the whole argument, for messages
};

/// Split each argument into plugin, key and value. Throws Error (usage) naming the
/// argument when it has no '=', no "NAME." prefix, or an empty name or key.
std::vector<ParamArg> parse_param_args(const std::vector<std::string>& args);

}  // namespace fluxburst::cli
