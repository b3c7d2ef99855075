#include "exit_codes.hpp"

#include <sstream>

namespace fluxburst::cli {

const std::vector<ExitStatusText>& exit_status_texts() {
    static const std::vector<ExitStatusText> texts = {
        {exit_ok, "success"},
        {exit_runtime,
         "runtime error: a plugin failed (run, request, unburst: the report's ok is false; "
         "setup), the jobs could not be read or marked, some queue entries are malformed "
         "(reported as skipped with the reason; the valid jobs are still handled), a plugin "
         "file is broken or its init failed, the Flux instance is unreachable, the queue has "
         "another controller"},
        {exit_usage,
         "usage error: unknown subcommand or option, bad value, bad --param, unknown plugin or "
         "parameter, a plugin's validate() refusing its parameters, a plugin without the step "
         "asked for, bad config file"},
    };
    return texts;
}

std::string exit_status_help() {
    constexpr std::size_t width = 88;
    std::string out = "Exit status:";
    for (const auto& t : exit_status_texts()) {
        std::string line = "\n  " + std::to_string(t.status) + "  ";
        std::istringstream words(t.meaning);
        std::string word;
        bool first = true;
        while (words >> word) {
            if (!first && line.size() + 1 + word.size() > width) {
                out += line;
                line = "\n     ";
                first = true;
            }
            line += (first ? "" : " ") + word;
            first = false;
        }
        out += line;
    }
    return out;
}

int exit_status(ErrorCode code) {
    switch (code) {
        case ErrorCode::usage:
        case ErrorCode::bad_config:
        case ErrorCode::bad_parameter:
        case ErrorCode::plugin_not_found:
        case ErrorCode::plugin_refused:
        case ErrorCode::plugin_unsupported:
            return exit_usage;
        case ErrorCode::failed:
        case ErrorCode::plugin_broken:
        case ErrorCode::plugin_failed:
        case ErrorCode::bad_queue:
        case ErrorCode::queue_busy:
        case ErrorCode::bad_job:
        case ErrorCode::unreachable:
            return exit_runtime;
    }
    return exit_runtime;
}

}  // namespace fluxburst::cli
