#include <fluxburst/log.hpp>

#include <cstdlib>
#include <mutex>

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "logger.hpp"

namespace fluxburst {

namespace {

spdlog::level::level_enum to_spdlog(LogLevel level) {
    switch (level) {
        case LogLevel::Trace:
            return spdlog::level::trace;
        case LogLevel::Debug:
            return spdlog::level::debug;
        case LogLevel::Info:
            return spdlog::level::info;
        case LogLevel::Warn:
            return spdlog::level::warn;
        case LogLevel::Error:
            return spdlog::level::err;
        case LogLevel::Critical:
            return spdlog::level::critical;
        case LogLevel::Off:
            break;
    }
    return spdlog::level::off;
}

LogLevel from_spdlog(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
            return LogLevel::Trace;
        case spdlog::level::debug:
            return LogLevel::Debug;
        case spdlog::level::info:
            return LogLevel::Info;
        case spdlog::level::warn:
            return LogLevel::Warn;
        case spdlog::level::err:
            return LogLevel::Error;
        case spdlog::level::critical:
            return LogLevel::Critical;
        default:
            break;
    }
    return LogLevel::Off;
}

std::mutex handler_mutex;
LogHandler handler;  // empty: stderr

// Each message goes to the handler when one is set, else to stderr. The handler
// is called without any lock held (it may log, or set another handler).
class DispatchSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
public:
    DispatchSink() : stderr_(std::make_shared<spdlog::sinks::stderr_color_sink_mt>()) {
        stderr_->set_pattern("flux-burst: %l: %v");
    }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        LogHandler h;
        {
            std::lock_guard<std::mutex> lock(handler_mutex);
            h = handler;
        }
        if (!h) {
            stderr_->log(msg);
            return;
        }
        try {
            h(from_spdlog(msg.level), std::string(msg.payload.data(), msg.payload.size()));
        } catch (...) {  // a handler must not break the library's work
        }
    }
    void flush_() override { stderr_->flush(); }

private:
    std::shared_ptr<spdlog::sinks::stderr_color_sink_mt> stderr_;
};

std::mutex logger_mutex;
std::shared_ptr<spdlog::logger> current;

std::shared_ptr<spdlog::logger> make_default() {
    auto log = std::make_shared<spdlog::logger>("fluxburst", std::make_shared<DispatchSink>());
    LogLevel level = LogLevel::Warn;
    if (const char* env = std::getenv("FLUXBURST_LOG_LEVEL"))
        level = parse_log_level(env).value_or(LogLevel::Warn);
    log->set_level(to_spdlog(level));
    return log;
}

}  // namespace

std::shared_ptr<spdlog::logger> logger() {
    std::lock_guard<std::mutex> lock(logger_mutex);
    if (!current) current = make_default();
    return current;
}

void set_log_level(LogLevel level) {
    logger()->set_level(to_spdlog(level));
}

LogLevel log_level() {
    return from_spdlog(logger()->level());
}

void set_log_handler(LogHandler h) {
    std::lock_guard<std::mutex> lock(handler_mutex);
    handler = std::move(h);
}

std::optional<LogLevel> parse_log_level(std::string_view name) {
    if (name == "trace") return LogLevel::Trace;
    if (name == "debug") return LogLevel::Debug;
    if (name == "info") return LogLevel::Info;
    if (name == "warn" || name == "warning") return LogLevel::Warn;
    if (name == "error" || name == "err") return LogLevel::Error;
    if (name == "critical") return LogLevel::Critical;
    if (name == "off") return LogLevel::Off;
    return std::nullopt;
}

const char* log_level_name(LogLevel level) {
    switch (level) {
        case LogLevel::Trace:
            return "trace";
        case LogLevel::Debug:
            return "debug";
        case LogLevel::Info:
            return "info";
        case LogLevel::Warn:
            return "warning";
        case LogLevel::Error:
            return "error";
        case LogLevel::Critical:
            return "critical";
        case LogLevel::Off:
            break;
    }
    return "off";
}

}  // namespace fluxburst
