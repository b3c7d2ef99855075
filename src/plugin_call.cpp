#include "plugin_call.hpp"

#include "logger.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

namespace fluxburst {

PluginOutcome call_plugin(BurstPlugin& plugin, const std::string& action, std::size_t jobs,
                          std::int64_t nodes, const std::function<BurstResult()>& call) {
    PluginOutcome out;
    out.plugin = plugin.name();
    out.action = action;
    out.jobs = jobs;
    out.nodes = nodes;
    auto start = std::chrono::steady_clock::now();
    try {
        BurstResult result = call();
        out.summary = std::move(result.summary);
        out.details = std::move(result.details);
    } catch (const std::exception& e) {
        out.ok = false;
        out.error = e.what();
    } catch (...) {
        out.ok = false;
        out.error = "unknown exception";
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (out.ok)
        logger()->info("plugin '{}' {}: {}", out.plugin, action, out.summary);
    else
        logger()->error("plugin '{}' {} failed: {}", out.plugin, action, out.error);
    return out;
}

}  // namespace fluxburst
