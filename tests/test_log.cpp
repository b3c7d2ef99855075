// The logging API: a level and a handler, no logging library's types.
#include <catch2/catch.hpp>

#include <fluxburst/client.hpp>
#include <fluxburst/log.hpp>

#include <stdexcept>
#include <utility>
#include <vector>

#include "test_support.hpp"

using fluxburst::LogLevel;

namespace {

// Restores the level and the stderr output at the end of a test.
struct Restore {
    LogLevel level = fluxburst::log_level();
    ~Restore() {
        fluxburst::set_log_handler(nullptr);
        fluxburst::set_log_level(level);
    }
};

fluxburst::Client mock_client() {
    fluxburst::Client c;
    c.set_search_installed_dir(false);
    c.add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
    return c;
}

}  // namespace

TEST_CASE("log handler: gets the library's messages at or above the level, with their level") {
    test::EnvVar path("FLUXBURST_PLUGIN_PATH", nullptr);
    Restore restore;
    std::vector<std::pair<LogLevel, std::string>> got;
    fluxburst::set_log_handler(
        [&](LogLevel level, const std::string& message) { got.emplace_back(level, message); });

    fluxburst::set_log_level(LogLevel::Info);
    CHECK(fluxburst::log_level() == LogLevel::Info);
    mock_client().load("mock");  // logs "loaded plugin 'mock' ..." at info
    REQUIRE(got.size() == 1);
    CHECK(got[0].first == LogLevel::Info);
    CHECK_THAT(got[0].second, Catch::StartsWith("loaded plugin 'mock' 0.1.0 from "));

    got.clear();
    fluxburst::set_log_level(LogLevel::Warn);  // info is below: not delivered
    mock_client().load("mock");
    CHECK(got.empty());

    fluxburst::set_log_level(LogLevel::Trace);  // an empty handler: back to stderr
    fluxburst::set_log_handler(nullptr);
    mock_client().load("mock");
    CHECK(got.empty());
}

TEST_CASE("log handler: an exception from it does not reach the library's caller") {
    test::EnvVar path("FLUXBURST_PLUGIN_PATH", nullptr);
    Restore restore;
    int calls = 0;
    fluxburst::set_log_handler([&](LogLevel, const std::string&) {
        ++calls;
        throw std::runtime_error("handler failed");
    });
    fluxburst::set_log_level(LogLevel::Info);
    auto c = mock_client();
    CHECK_NOTHROW(c.load("mock"));
    CHECK(calls == 1);
    CHECK(c.plugin("mock") != nullptr);
}

TEST_CASE("log levels: every name FLUXBURST_LOG_LEVEL takes, and nothing else") {
    using fluxburst::parse_log_level;
    CHECK(parse_log_level("trace") == LogLevel::Trace);
    CHECK(parse_log_level("debug") == LogLevel::Debug);
    CHECK(parse_log_level("info") == LogLevel::Info);
    CHECK(parse_log_level("warn") == LogLevel::Warn);
    CHECK(parse_log_level("warning") == LogLevel::Warn);
    CHECK(parse_log_level("error") == LogLevel::Error);
    CHECK(parse_log_level("err") == LogLevel::Error);
    CHECK(parse_log_level("critical") == LogLevel::Critical);
    CHECK(parse_log_level("off") == LogLevel::Off);
    for (const char* bad : {"", "INFO", "verbose", "warn ", "of"})
        CHECK_FALSE(parse_log_level(bad).has_value());
    for (LogLevel l : {LogLevel::Trace, LogLevel::Debug, LogLevel::Info, LogLevel::Warn,
                       LogLevel::Error, LogLevel::Critical, LogLevel::Off})
        CHECK(parse_log_level(fluxburst::log_level_name(l)) == l);  // names read back
    CHECK(std::string(fluxburst::log_level_name(LogLevel::Warn)) == "warning");
    Restore restore;
    for (LogLevel l : {LogLevel::Trace, LogLevel::Error, LogLevel::Off}) {
        fluxburst::set_log_level(l);
        CHECK(fluxburst::log_level() == l);
    }
}
