// Calling a plugin's run() or unburst() with its exceptions turned into a failed
// outcome, timed and logged (private to the library).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include <fluxburst/plugin.hpp>
#include <fluxburst/report.hpp>

namespace fluxburst {

/// Call `action` ("run", "unburst", "request") of `plugin` through `call`; an
/// exception becomes ok = false with its text in `error`.
PluginOutcome call_plugin(BurstPlugin& plugin, const std::string& action, std::size_t jobs,
                          std::int64_t nodes, const std::function<BurstResult()>& call);

}  // namespace fluxburst
