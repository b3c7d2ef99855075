#include "instance.hpp"

#include <flux/core.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include <fluxburst/error.hpp>

namespace fluxburst::local {

namespace {

// One request's answer: its payload parsed, or why there is none.
struct Answer {
    std::optional<nlohmann::json> payload;
    std::string error;
};

Answer await(flux_future_t* f, const char* topic, std::chrono::steady_clock::time_point deadline,
             double limit) {
    Answer a;
    double timeout = std::max(
        0.0, std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count());
    if (!f) {
        a.error = std::strerror(errno);
        return a;
    }
    const char* text = nullptr;
    if (flux_future_wait_for(f, timeout) < 0) {
        a.error = errno == ETIMEDOUT
                      ? "no answer within " + std::to_string(limit) + " s"
                      : std::string(flux_future_error_string(f) ? flux_future_error_string(f)
                                                                : std::strerror(errno));
    } else if (flux_rpc_get(f, &text) < 0) {
        const char* why = flux_future_error_string(f);
        a.error = why ? why : std::strerror(errno);
    } else {
        try {
            a.payload = nlohmann::json::parse(text ? text : "");
        } catch (const nlohmann::json::exception& e) {
            a.error = std::string(topic) + " response is not JSON: " + e.what();
        }
    }
    flux_future_destroy(f);
    return a;
}

}  // namespace

Instance::Instance(std::string uri) : given_(std::move(uri)) {}

Instance::~Instance() {
    if (h_) flux_close(h_);
}

std::string Instance::uri() const {
    if (h_) return resolved_;
    if (!given_.empty()) return given_;
    const char* env = std::getenv("FLUX_URI");
    return env ? env : "";
}

std::string Instance::describe() {
    handle();
    return "Flux instance at '" + resolved_ + "'";
}

flux_t* Instance::handle() {
    if (h_) return h_;
    const char* env = std::getenv("FLUX_URI");
    resolved_ = !given_.empty()
                    ? given_
                    : (env && *env ? env : "the default instance, FLUX_URI being unset");
    flux_error_t error{};
    flux_t* h = flux_open_ex(given_.empty() ? nullptr : given_.c_str(), 0, &error);
    if (!h)
        throw Error("local: cannot connect to the Flux instance at '" + resolved_ +
                    "': " + (error.text[0] ? error.text : std::strerror(errno)) +
                    "; is the instance running? Run flux-burst inside it (flux burst ...) or set "
                    "FLUX_URI to its URI");
    std::uint32_t size = 0;
    if (flux_get_size(h, &size) < 0) {
        std::string why = std::strerror(errno);
        flux_close(h);
        throw Error("local: cannot talk to the Flux instance at '" + resolved_ + "': " + why);
    }
    if (given_.empty() && !(env && *env)) {
        if (const char* local = flux_attr_get(h, "local-uri")) resolved_ = local;
    }
    h_ = h;
    return h_;
}

ResourceStatus Instance::resources(double timeout) {
    flux_t* h = handle();
    // Both services live on rank 0; both requests are in flight together.
    flux_future_t* sched = flux_rpc(h, "sched.resource-status", "{}", 0, 0);
    flux_future_t* module = flux_rpc(h, "resource.status", "{}", 0, 0);
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                        std::chrono::duration<double>(timeout));
    Answer s = await(sched, "sched.resource-status", deadline, timeout);
    Answer m = await(module, "resource.status", deadline, timeout);
    std::string where = "Flux instance at '" + resolved_ + "'";
    if (!s.payload && !m.payload)
        throw Error("local: " + where + ": cannot read the resources: sched.resource-status: " +
                    s.error + "; resource.status: " + m.error);
    try {
        ResourceStatus status;
        if (s.payload) status = flux_protocol::parse_sched_resource_status(*s.payload);
        if (m.payload) flux_protocol::add_resource_module_status(status, *m.payload);
        return status;
    } catch (const Error& e) {
        throw Error("local: " + where + ": " + e.what());
    }
}

std::string Instance::attribute(const char* name) {
    const char* value = flux_attr_get(handle(), name);
    return value ? value : "";
}

}  // namespace fluxburst::local
