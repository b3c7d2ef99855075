#include <fluxburst/log.hpp>

#include <cstdlib>
#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace fluxburst {

namespace {
std::mutex mutex;
std::shared_ptr<spdlog::logger> current;

std::shared_ptr<spdlog::logger> make_default() {
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    auto log = std::make_shared<spdlog::logger>("fluxburst", sink);
    log->set_pattern("flux-burst: %l: %v");
    spdlog::level::level_enum level = spdlog::level::warn;
    if (const char* env = std::getenv("FLUXBURST_LOG_LEVEL")) {
        auto parsed = spdlog::level::from_str(env);
        // from_str maps unknown text to "off"; only accept "off" when asked for.
        if (parsed != spdlog::level::off || std::string(env) == "off") level = parsed;
    }
    log->set_level(level);
    return log;
}
}  // namespace

std::shared_ptr<spdlog::logger> logger() {
    std::lock_guard<std::mutex> lock(mutex);
    if (!current) current = make_default();
    return current;
}

void set_logger(std::shared_ptr<spdlog::logger> log) {
    std::lock_guard<std::mutex> lock(mutex);
    current = std::move(log);
}

}  // namespace fluxburst
