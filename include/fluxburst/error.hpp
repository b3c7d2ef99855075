// The exception family of libfluxburst.
//
// Every failure the library reports is a fluxburst::Error (a std::runtime_error)
// whose message names the thing that failed (plugin, file, key, job) and says what
// to do about it. Like std::system_error (or SPANK's spank_err_t), it also carries
// a machine-readable kind, code(), and the thing concerned, subject(), so that a
// program can decide what to do without reading the message:
//
//   try {
//       client.load("gke", params);
//   } catch (const fluxburst::Error& e) {
//       if (e.code() == fluxburst::ErrorCode::bad_parameter) ask_again(e.subject().key);
//       else throw;
//   }
#pragma once

#include <stdexcept>
#include <string>

#include <fluxburst/export.hpp>

namespace fluxburst {

/// What kind of failure an Error is. Every Error has exactly one.
enum class ErrorCode : int {
    failed = 1,  ///< an operation failed (a file could not be written, a service said no, ...)
    usage,       ///< a call or command line asks for something invalid (unknown name, bad value)
    bad_config,  ///< a configuration file is unreadable, untrusted, not TOML, or holds a bad key or
                 ///< value
    bad_parameter,     ///< a plugin parameter is unknown, of the wrong type, or missing
    plugin_not_found,  ///< no libfluxburst_<name>.so on the plugin search path
    plugin_broken,     ///< a plugin file cannot be used: not a shared object, unsafe, ABI or build
                       ///< mismatch, missing entry point, bad schema, its init failed
    plugin_refused,    ///< a plugin's validate() refused its parameters or its environment
    plugin_unsupported,  ///< a plugin has no such step (setup)
    plugin_failed,  ///< a plugin's step threw (setup; in cycles, failures are reported instead)
    bad_queue,      ///< jobs cannot be read or marked (jobs file missing, malformed, ...)
    queue_busy,     ///< another controller holds the queue
    bad_job,        ///< a job's JSON has the wrong shape
    unreachable,    ///< the Flux instance cannot be reached
};

/// Every ErrorCode, in declaration order.
constexpr ErrorCode all_error_codes[] = {ErrorCode::failed,           ErrorCode::usage,
                                         ErrorCode::bad_config,       ErrorCode::bad_parameter,
                                         ErrorCode::plugin_not_found, ErrorCode::plugin_broken,
                                         ErrorCode::plugin_refused,   ErrorCode::plugin_unsupported,
                                         ErrorCode::plugin_failed,    ErrorCode::bad_queue,
                                         ErrorCode::queue_busy,       ErrorCode::bad_job,
                                         ErrorCode::unreachable};

/// The code's name as spelt above ("plugin_not_found").
FLUXBURST_API const char* to_string(ErrorCode code);

/// What an Error is about; each part is "" when it does not apply.
struct ErrorSubject {
    std::string plugin;  ///< the plugin concerned
    std::string key;     ///< the parameter or configuration key concerned
    std::string file;    ///< the file concerned (plugin file, jobs file, config file)
};

/// Base of every exception thrown by libfluxburst.
class FLUXBURST_API Error : public std::runtime_error {
public:
    /// An Error of kind ErrorCode::failed.
    explicit Error(const std::string& message);
    Error(ErrorCode code, const std::string& message, ErrorSubject subject = {});
    ~Error() override;

    ErrorCode code() const noexcept { return code_; }
    const ErrorSubject& subject() const noexcept { return subject_; }

private:
    ErrorCode code_;
    ErrorSubject subject_;
};

/// A plugin could not be found, loaded, initialised or validated (default kind:
/// plugin_broken).
class FLUXBURST_API PluginError : public Error {
public:
    explicit PluginError(const std::string& message);
    PluginError(ErrorCode code, const std::string& message, ErrorSubject subject = {});
    ~PluginError() override;
};

/// A plugin's validate() refused its parameters or its environment (a
/// PluginError of kind plugin_refused whose message carries the plugin's reason).
class FLUXBURST_API PluginRefusedError : public PluginError {
public:
    explicit PluginRefusedError(const std::string& message, ErrorSubject subject = {});
    ~PluginRefusedError() override;
};

/// A plugin parameter is unknown, of the wrong type, or missing (kind bad_parameter).
class FLUXBURST_API ParamError : public Error {
public:
    explicit ParamError(const std::string& message, ErrorSubject subject = {});
    ~ParamError() override;
};

/// A job queue could not be read or written (file missing, malformed, ...; default
/// kind: bad_queue).
class FLUXBURST_API QueueError : public Error {
public:
    explicit QueueError(const std::string& message);
    QueueError(ErrorCode code, const std::string& message, ErrorSubject subject = {});
    ~QueueError() override;
};

/// A queue already has a controller (or another process holds its lock); the
/// message names the holder (kind queue_busy).
class FLUXBURST_API QueueBusyError : public QueueError {
public:
    explicit QueueBusyError(const std::string& message);
    ~QueueBusyError() override;
};

/// A job's JSON has the wrong shape (no id, no spec, a count out of range, nested
/// too deeply, ...); the message names the job when it has an id (kind bad_job).
class FLUXBURST_API JobError : public Error {
public:
    explicit JobError(const std::string& message);
    ~JobError() override;
};

}  // namespace fluxburst
