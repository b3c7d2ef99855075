// Logging: what libfluxburst tells about its work (plugins loaded, cycles, failures
// it recovers from). It never writes to stdout.
//
// By default messages at or above the level go to stderr as "flux-burst: LEVEL: text";
// the level is FLUXBURST_LOG_LEVEL (trace, debug, info, warn, error, critical, off;
// default warn). An embedding program sets the level with set_log_level() and takes
// the messages with set_log_handler(). No logging library's types are part of this
// API (the library uses spdlog privately).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <fluxburst/export.hpp>

namespace fluxburst {

/// How important a message is, from the most detailed to none at all.
enum class LogLevel { Trace, Debug, Info, Warn, Error, Critical, Off };

/// Receives each message at or above the level: its level and its text (one line,
/// without "flux-burst:" or the level). Called on the thread that logs, one call
/// at a time; it must not throw (an exception from it is dropped).
using LogHandler = std::function<void(LogLevel level, const std::string& message)>;

/// Log messages at `level` and above; Off logs nothing.
FLUXBURST_API void set_log_level(LogLevel level);

/// The current level (FLUXBURST_LOG_LEVEL until set_log_level is called).
FLUXBURST_API LogLevel log_level();

/// Send messages to `handler` instead of stderr; an empty handler restores stderr.
FLUXBURST_API void set_log_handler(LogHandler handler);

/// The level named `name` (trace, debug, info, warn or warning, error or err,
/// critical, off), nullopt for another text.
FLUXBURST_API std::optional<LogLevel> parse_log_level(std::string_view name);

/// The level's name as stderr shows it: trace, debug, info, warning, error,
/// critical, off.
FLUXBURST_API const char* log_level_name(LogLevel level);

}  // namespace fluxburst
