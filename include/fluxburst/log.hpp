// Logging: libfluxburst logs through one spdlog logger named "fluxburst".
//
// By default it writes to stderr at the level given by FLUXBURST_LOG_LEVEL
// (trace, debug, info, warn, error, critical, off; default "warn"). An embedding
// program can replace the logger, or change its sinks and level. The library never
// writes to stdout.
#pragma once

#include <memory>

#include <fluxburst/export.hpp>

namespace spdlog {
class logger;
}

namespace fluxburst {

/// The library's logger (created on first use).
FLUXBURST_API std::shared_ptr<spdlog::logger> logger();

/// Replace the library's logger; nullptr restores the default stderr logger.
FLUXBURST_API void set_logger(std::shared_ptr<spdlog::logger> logger);

}  // namespace fluxburst
