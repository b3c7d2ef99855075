// A small Kubernetes REST client: create, get, list, delete and wait on objects
// through the API server's JSON API, errors read from the API's Status objects.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <fluxburst/error.hpp>

#include "kube_connection.hpp"

namespace fluxburst::cloud {

/// The API server answered with an error status. The message is the Status's own
/// ("secrets \"x\" is forbidden: User \"u\" cannot create ...") with the method,
/// the path and the HTTP status; reason() is the Status reason (AlreadyExists,
/// Forbidden, Unauthorized, NotFound, Invalid, ...), or "" when the body was no Status.
class KubeApiError : public fluxburst::Error {
public:
    KubeApiError(const std::string& message, long status, std::string reason);
    long status() const { return status_; }
    const std::string& reason() const { return reason_; }

private:
    long status_;
    std::string reason_;
};

/// A kind of object: where its collection lives.
struct KubeResource {
    /// "/api/v1" (core) or "/apis/<group>/<version>".
    std::string api_path;
    /// Lower-case plural: "namespaces", "secrets", "pods", "miniclusters".
    std::string plural;
    bool namespaced = true;

    static KubeResource namespaces() { return {"/api/v1", "namespaces", false}; }
    static KubeResource secrets() { return {"/api/v1", "secrets", true}; }
    static KubeResource pods() { return {"/api/v1", "pods", true}; }
    static KubeResource events() { return {"/api/v1", "events", true}; }
    static KubeResource nodes() { return {"/api/v1", "nodes", false}; }
    /// The Flux Operator's MiniCluster in API version `version` (v1alpha1, v1alpha2).
    static KubeResource miniclusters(const std::string& version);
};

/// Throws fluxburst::Error unless `name` is a valid object name (DNS-1123
/// subdomain: at most 253 characters, lower-case letters, digits, '-' and '.',
/// starting and ending with a letter or digit). `what` names it in the message.
void check_object_name(const std::string& name, const std::string& what);
/// Namespaces and the names that become host names: DNS-1123 labels (at most 63
/// characters, lower-case letters, digits and '-', letter or digit at both ends).
void check_label_name(const std::string& name, const std::string& what);

class KubeClient {
public:
    explicit KubeClient(KubeConnection connection);

    /// The collection path ("/api/v1/namespaces/ns/secrets"), names checked and escaped.
    std::string collection_path(const KubeResource& resource, const std::string& ns) const;
    std::string object_path(const KubeResource& resource, const std::string& ns,
                            const std::string& name) const;

    /// What create() did.
    enum class Created { Yes, AlreadyExisted };
    /// POSTs the object. A 409 AlreadyExists is returned as AlreadyExisted (the
    /// caller decides whether that is fine; the object was then not created by us);
    /// every other error status is a KubeApiError.
    Created create(const KubeResource& resource, const std::string& ns,
                   const nlohmann::json& object, nlohmann::json* created = nullptr);
    /// The object, or nullopt when it does not exist (404).
    std::optional<nlohmann::json> get(const KubeResource& resource, const std::string& ns,
                                      const std::string& name);
    /// GET of an API path ("/apis/apps/v1": discovery), or nullopt on 404.
    std::optional<nlohmann::json> get_path(const std::string& path);
    /// The items of the collection matching the selectors (each may be empty).
    nlohmann::json list(const KubeResource& resource, const std::string& ns,
                        const std::string& label_selector = "",
                        const std::string& field_selector = "");
    /// Deletes the object (propagationPolicy Background: what it owns goes too).
    /// Returns false when it did not exist (404).
    bool remove(const KubeResource& resource, const std::string& ns, const std::string& name);

    /// Calls `done` every `interval` until it returns true or `timeout` passes.
    /// Returns whether it became true. Exceptions from `done` propagate.
    static bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                         std::chrono::milliseconds interval);

    const KubeConnection& connection() const { return connection_; }

private:
    struct Reply {
        long status;
        nlohmann::json body;
    };
    Reply send(const std::string& method, const std::string& path, const std::string& query,
               const nlohmann::json* body);
    Reply send_once(const std::string& method, const std::string& path, const std::string& query,
                    const nlohmann::json* body);
    [[noreturn]] void fail(const std::string& method, const std::string& path, long status,
                           const nlohmann::json& body) const;

    KubeConnection connection_;
};

}  // namespace fluxburst::cloud
