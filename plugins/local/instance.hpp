// The local plugin's handle on the Flux instance it extends: its own connection
// (opened on first use, closed with the plugin), the instance's resources and
// attributes. (Needs libflux-core.)
#pragma once

#include <string>

#include <fluxburst/flux.hpp>

struct flux_handle;  // flux_t

namespace fluxburst::local {

class Instance {
public:
    /// The instance at `uri` ("": FLUX_URI, as every Flux tool does). Nothing is
    /// opened yet.
    explicit Instance(std::string uri);
    ~Instance();
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;

    /// The instance's URI, without connecting: the one given, else FLUX_URI, else
    /// "" (once connected, the instance's local-uri when neither was set).
    std::string uri() const;
    /// "Flux instance at '<uri>'", for messages (connects).
    std::string describe();

    /// Its nodes, from sched.resource-status and resource.status (asked together,
    /// both answers awaited at most `timeout` seconds). Throws fluxburst::Error
    /// ("local: ...") naming the instance.
    ResourceStatus resources(double timeout = 60.0);

    /// The broker attribute `name` (e.g. "parent-uri"), "" when unset.
    std::string attribute(const char* name);

private:
    flux_handle* handle();  // connects on first use; throws fluxburst::Error

    std::string given_;     // the URI asked for ("" for FLUX_URI)
    std::string resolved_;  // the URI connected to (for messages)
    flux_handle* h_ = nullptr;
};

}  // namespace fluxburst::local
