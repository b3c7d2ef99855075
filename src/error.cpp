#include <fluxburst/error.hpp>

#include <utility>

namespace fluxburst {

const char* to_string(ErrorCode code) {
    switch (code) {
        case ErrorCode::failed:
            return "failed";
        case ErrorCode::usage:
            return "usage";
        case ErrorCode::bad_config:
            return "bad_config";
        case ErrorCode::bad_parameter:
            return "bad_parameter";
        case ErrorCode::plugin_not_found:
            return "plugin_not_found";
        case ErrorCode::plugin_broken:
            return "plugin_broken";
        case ErrorCode::plugin_refused:
            return "plugin_refused";
        case ErrorCode::plugin_unsupported:
            return "plugin_unsupported";
        case ErrorCode::plugin_failed:
            return "plugin_failed";
        case ErrorCode::bad_queue:
            return "bad_queue";
        case ErrorCode::queue_busy:
            return "queue_busy";
        case ErrorCode::bad_job:
            return "bad_job";
        case ErrorCode::unreachable:
            return "unreachable";
    }
    return "unknown";
}

Error::Error(const std::string& message) : Error(ErrorCode::failed, message) {}
Error::Error(ErrorCode code, const std::string& message, ErrorSubject subject)
    : std::runtime_error(message), code_(code), subject_(std::move(subject)) {}
Error::~Error() = default;

PluginError::PluginError(const std::string& message) : Error(ErrorCode::plugin_broken, message) {}
PluginError::PluginError(ErrorCode code, const std::string& message, ErrorSubject subject)
    : Error(code, message, std::move(subject)) {}
PluginError::~PluginError() = default;

PluginRefusedError::PluginRefusedError(const std::string& message, ErrorSubject subject)
    : PluginError(ErrorCode::plugin_refused, message, std::move(subject)) {}
PluginRefusedError::~PluginRefusedError() = default;

ParamError::ParamError(const std::string& message, ErrorSubject subject)
    : Error(ErrorCode::bad_parameter, message, std::move(subject)) {}
ParamError::~ParamError() = default;

QueueError::QueueError(const std::string& message) : Error(ErrorCode::bad_queue, message) {}
QueueError::QueueError(ErrorCode code, const std::string& message, ErrorSubject subject)
    : Error(code, message, std::move(subject)) {}
QueueError::~QueueError() = default;

QueueBusyError::QueueBusyError(const std::string& message)
    : QueueError(ErrorCode::queue_busy, message) {}
QueueBusyError::~QueueBusyError() = default;

JobError::JobError(const std::string& message) : Error(ErrorCode::bad_job, message) {}
JobError::~JobError() = default;

}  // namespace fluxburst
