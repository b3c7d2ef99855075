// Many Flux RPCs in flight at once, on a private reactor (private to the library;
// built only with Flux).
//
// A Session clones the caller's handle and gives the clone its own reactor, as
// libflux itself does for a synchronous flux_future_get(): the requests sent
// through it are answered while run() runs, whether or not the caller's reactor
// is running, and messages meant for the caller are handed back to its handle
// when the session ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

typedef struct flux_handle flux_t;

namespace fluxburst::flux_session {

/// One response: a payload, or an error number with its text.
struct Response {
    int errnum = 0;
    std::string_view payload;  ///< valid during the callback only
    std::string error;         ///< the error text (the server's or strerror)
    bool ok() const { return errnum == 0; }
};

/// Called for each response. For a streaming request, return true to keep
/// listening; the request ends at the first error response either way.
using Callback = std::function<bool(const Response&)>;

class Session {
public:
    explicit Session(flux_t* parent);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    /// Send a request (to `nodeid`, by default the nearest rank providing the
    /// service); `flags` are libflux RPC flags (FLUX_RPC_STREAMING). Returns its
    /// matchtag (what a cancel request names). Throws QueueError when the request
    /// cannot be sent.
    std::uint32_t send(const char* topic, const std::string& payload, int flags,
                       Callback callback, std::uint32_t nodeid = any_rank);

    /// Send a request that has no response (a streaming request's cancel).
    /// Throws QueueError when it cannot be sent.
    void notify(const char* topic, const std::string& payload);

    static constexpr std::uint32_t any_rank = 0xFFFFFFFF;  // FLUX_NODEID_ANY

    std::size_t in_flight() const;

    /// Run until no request is in flight or stop() is called. With `timeout` > 0,
    /// stop after that many seconds and return false. An exception thrown by a
    /// callback stops the session and is rethrown here.
    bool run(double timeout);

    /// Stop run() after the current callback.
    void stop();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace fluxburst::flux_session
