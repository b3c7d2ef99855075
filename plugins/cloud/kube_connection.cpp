#include "kube_connection.hpp"

namespace fluxburst::cloud {

KubeConnection KubeConnection::with_token(std::string server, std::string ca_pem,
                                          std::function<std::string()> token, std::string origin) {
    KubeConnection c;
    c.server = std::move(server);
    c.ca_pem = std::move(ca_pem);
    c.origin = std::move(origin);
    if (token)
        c.credentials = [token = std::move(token)] { return KubeCredentials{token(), {}, {}}; };
    return c;
}

}  // namespace fluxburst::cloud
