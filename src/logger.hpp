// The spdlog logger the library's code logs through. Internal: spdlog is a private
// dependency, so this header is not installed; programs use <fluxburst/log.hpp>
// (level, handler), which this logger honours.
#pragma once

#include <memory>

#include <spdlog/logger.h>

#include <fluxburst/export.hpp>

namespace fluxburst {

/// The library's logger (created on first use): its level is log_level(), and it
/// writes to the handler set with set_log_handler(), else to stderr.
FLUXBURST_API std::shared_ptr<spdlog::logger> logger();

}  // namespace fluxburst
