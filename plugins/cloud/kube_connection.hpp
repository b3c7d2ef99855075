// How to reach one Kubernetes API server: its URL, the CA it must be verified
// against, and where the credentials of each request come from.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace fluxburst::cloud {

/// The credentials of one request: a bearer token, a client certificate, or both.
struct KubeCredentials {
    std::string token;
    std::string client_cert_pem, client_key_pem;
};

struct KubeConnection {
    /// "https://host[:port]" (no path).
    std::string server;
    /// The cluster CA (PEM); empty: the system's CA store.
    std::string ca_pem;
    /// Called before every request; caches and refreshes inside (tokens expire).
    /// May throw fluxburst::Error. Empty: anonymous requests.
    std::function<KubeCredentials()> credentials;
    /// Called when the server answers 401 to cached credentials (drop the cache); the
    /// request is then sent once more. Empty: a 401 is final.
    std::function<void()> forget_credentials;
    /// Bound of each API request.
    std::chrono::milliseconds request_timeout{30000};
    /// Where the connection came from, for messages ("kubeconfig /x context y").
    std::string origin;

    /// A connection authenticated with bearer tokens from `token` (GKE, EKS).
    static KubeConnection with_token(std::string server, std::string ca_pem,
                                     std::function<std::string()> token, std::string origin);
};

}  // namespace fluxburst::cloud
