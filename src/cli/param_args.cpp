#include "param_args.hpp"

#include <fmt/format.h>

#include <fluxburst/error.hpp>

namespace fluxburst::cli {

std::vector<ParamArg> parse_param_args(const std::vector<std::string>& args) {
    std::vector<ParamArg> out;
    for (const auto& arg : args) {
        auto bad = [&](const std::string& why) {
            return Error(ErrorCode::usage,
                         fmt::format("--param '{}': {}; expected --param NAME.KEY=VALUE, for "
                                     "example --param mock.max_nodes=4",
                                     arg, why));
        };
        auto eq = arg.find('=');
        if (eq == std::string::npos) throw bad("no '=' before the value");
        std::string lhs = arg.substr(0, eq);
        auto dot = lhs.find('.');
        if (dot == std::string::npos) throw bad("no plugin name before the key (NAME.)");
        ParamArg p;
        p.plugin = lhs.substr(0, dot);
        p.key = lhs.substr(dot + 1);
        p.value = arg.substr(eq + 1);
        p.text = arg;
        if (p.plugin.empty()) throw bad("the plugin name is empty");
        if (p.key.empty()) throw bad("the key is empty");
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace fluxburst::cli
