#include "duration.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace fluxburst::cli {

double parse_duration(const std::string& text, const std::string& what, ErrorCode code) {
    auto bad = [&] {
        return Error(code, fmt::format("{}: '{}' is not a duration; use a number with an optional "
                                       "unit ms, s, m or h, for example 5s, 0.5s, 200ms, 2m",
                                       what, text));
    };
    if (text.empty()) throw bad();
    errno = 0;
    char* end = nullptr;
    double value = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || errno == ERANGE || !std::isfinite(value)) throw bad();
    std::string unit(end);
    double scale = 0;
    if (unit.empty() || unit == "s")
        scale = 1;
    else if (unit == "ms")
        scale = 0.001;
    else if (unit == "m")
        scale = 60;
    else if (unit == "h")
        scale = 3600;
    else
        throw bad();
    if (value < 0)
        throw Error(code,
                    fmt::format("{}: '{}' is negative; a duration must be 0 or more", what, text));
    if (!std::isfinite(value * scale)) throw bad();
    return checked_duration(value * scale, what, code);
}

double checked_duration(double seconds, const std::string& what, ErrorCode code) {
    if (!std::isfinite(seconds))
        throw Error(code, fmt::format("{}: {} is not a duration; give a finite number of seconds "
                                      "or a text such as \"5s\"",
                                      what, seconds));
    if (seconds < 0)
        throw Error(code,
                    fmt::format("{}: {} is negative; a duration must be 0 or more", what, seconds));
    return seconds > max_duration_seconds ? max_duration_seconds : seconds;
}

std::string format_duration(double seconds) {
    if (seconds != 0 && seconds < 1) return fmt::format("{:g}ms", seconds * 1000);
    return fmt::format("{:g}s", seconds);
}

}  // namespace fluxburst::cli
