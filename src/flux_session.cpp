#include "flux_session.hpp"

#include <flux/core.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <fluxburst/error.hpp>
#include <unordered_map>

namespace fluxburst::flux_session {

namespace {

struct Request {
    Session::Impl* session = nullptr;
    flux_future_t* future = nullptr;
    Callback callback;
};

}  // namespace

struct Session::Impl {
    flux_t* h = nullptr;  // the clone, with its own reactor
    flux_reactor_t* reactor = nullptr;
    std::unordered_map<flux_future_t*, std::unique_ptr<Request>> requests;
    std::exception_ptr error;
    bool stopped = false;

    static void on_response(flux_future_t* f, void* arg);
    void finish(flux_future_t* f) {
        requests.erase(f);       // the unique_ptr frees the Request...
        flux_future_destroy(f);  // ...and the future goes with it
        if (requests.empty()) flux_reactor_stop(reactor);
    }
};

void Session::Impl::on_response(flux_future_t* f, void* arg) {
    auto* request = static_cast<Request*>(arg);
    Impl* self = request->session;
    Response response;
    const char* payload = nullptr;
    if (flux_rpc_get(f, &payload) < 0) {
        response.errnum = errno ? errno : EPROTO;
        const char* text = flux_future_error_string(f);
        response.error = text ? text : std::strerror(response.errnum);
    } else {
        response.payload = payload ? std::string_view(payload) : std::string_view();
    }
    bool more = false;
    try {
        more = request->callback(response);
    } catch (...) {
        if (!self->error) self->error = std::current_exception();
        self->stopped = true;
        flux_reactor_stop(self->reactor);
        more = false;
    }
    if (more && response.ok()) {
        flux_future_reset(f);
        return;
    }
    self->finish(f);
}

Session::Session(flux_t* parent) : impl_(std::make_unique<Impl>()) {
    if (!parent) throw QueueError("no Flux handle");
    impl_->h = flux_clone(parent);
    if (!impl_->h)
        throw QueueError(fmt::format("cannot clone the Flux handle: {}", std::strerror(errno)));
    impl_->reactor = flux_get_reactor(impl_->h);  // a new one, owned by the clone
    if (!impl_->reactor) {
        flux_close(impl_->h);
        throw QueueError(fmt::format("cannot create a Flux reactor: {}", std::strerror(errno)));
    }
}

Session::~Session() {
    for (auto& entry : impl_->requests) flux_future_destroy(entry.first);
    impl_->requests.clear();
    flux_dispatch_requeue(impl_->h);  // messages for the caller's handle go back to it
    flux_close(impl_->h);
}

std::size_t Session::in_flight() const {
    return impl_->requests.size();
}

std::uint32_t Session::send(const char* topic, const std::string& payload, int flags,
                            Callback callback, std::uint32_t nodeid) {
    flux_future_t* f = ::flux_rpc(impl_->h, topic, payload.c_str(), nodeid, flags);
    if (!f)
        throw QueueError(fmt::format("cannot send {} request: {}", topic, std::strerror(errno)));
    auto request = std::make_unique<Request>();
    request->session = impl_.get();
    request->future = f;
    request->callback = std::move(callback);
    if (flux_future_then(f, -1., &Impl::on_response, request.get()) < 0) {
        int e = errno;
        flux_future_destroy(f);
        throw QueueError(fmt::format("cannot wait for {} response: {}", topic, std::strerror(e)));
    }
    impl_->requests.emplace(f, std::move(request));
    return flux_rpc_get_matchtag(f);
}

void Session::notify(const char* topic, const std::string& payload) {
    flux_future_t* f =
        ::flux_rpc(impl_->h, topic, payload.c_str(), FLUX_NODEID_ANY, FLUX_RPC_NORESPONSE);
    if (!f)
        throw QueueError(fmt::format("cannot send {} request: {}", topic, std::strerror(errno)));
    flux_future_destroy(f);
}

namespace {
void on_timeout(flux_reactor_t* r, flux_watcher_t*, int, void* arg) {
    *static_cast<bool*>(arg) = true;
    flux_reactor_stop(r);
}
}  // namespace

bool Session::run(double timeout) {
    impl_->stopped = false;
    bool timed_out = false;
    flux_watcher_t* timer = nullptr;
    if (timeout > 0) {
        timer = flux_timer_watcher_create(impl_->reactor, timeout, 0., on_timeout, &timed_out);
        if (!timer)
            throw QueueError(fmt::format("cannot create a timer: {}", std::strerror(errno)));
        flux_watcher_start(timer);
    }
    int rc = 0;
    if (!impl_->requests.empty()) rc = flux_reactor_run(impl_->reactor, 0);
    int e = errno;
    flux_watcher_destroy(timer);
    if (impl_->error) {
        std::exception_ptr error = impl_->error;
        impl_->error = nullptr;
        std::rethrow_exception(error);
    }
    if (rc < 0) throw QueueError(fmt::format("the Flux reactor failed: {}", std::strerror(e)));
    return !timed_out;
}

void Session::stop() {
    impl_->stopped = true;
    flux_reactor_stop(impl_->reactor);
}

}  // namespace fluxburst::flux_session
