// The exception family of libfluxburst.
//
// Every failure the library reports is a fluxburst::Error (a std::runtime_error)
// whose message names the thing that failed (plugin, file, key, job) and says what
// to do about it.
#pragma once

#include <stdexcept>
#include <string>

#include <fluxburst/export.hpp>

namespace fluxburst {

/// Base of every exception thrown by libfluxburst.
class FLUXBURST_API Error : public std::runtime_error {
public:
    explicit Error(const std::string& message);
    ~Error() override;
};

/// A plugin could not be found, loaded, initialised or validated.
class FLUXBURST_API PluginError : public Error {
public:
    using Error::Error;
    ~PluginError() override;
};

/// A plugin's validate() refused its parameters or its environment (a
/// PluginError whose message carries the plugin's reason).
class FLUXBURST_API PluginRefusedError : public PluginError {
public:
    using PluginError::PluginError;
    ~PluginRefusedError() override;
};

/// A plugin parameter is unknown, of the wrong type, or missing.
class FLUXBURST_API ParamError : public Error {
public:
    using Error::Error;
    ~ParamError() override;
};

/// A job queue could not be read or written (file missing, malformed, ...).
class FLUXBURST_API QueueError : public Error {
public:
    using Error::Error;
    ~QueueError() override;
};

/// A queue already has a controller (or another process holds its lock); the
/// message names the holder.
class FLUXBURST_API QueueBusyError : public QueueError {
public:
    using QueueError::QueueError;
    ~QueueBusyError() override;
};

/// A job's JSON has the wrong shape (no id, no spec, a count out of range, nested
/// too deeply, ...); the message names the job when it has an id.
class FLUXBURST_API JobError : public Error {
public:
    using Error::Error;
    ~JobError() override;
};

}  // namespace fluxburst
