#include <fluxburst/error.hpp>

namespace fluxburst {

Error::Error(const std::string& message) : std::runtime_error(message) {}
Error::~Error() = default;
PluginError::~PluginError() = default;
PluginRefusedError::~PluginRefusedError() = default;
ParamError::~ParamError() = default;
QueueError::~QueueError() = default;
QueueBusyError::~QueueBusyError() = default;
JobError::~JobError() = default;

}  // namespace fluxburst
