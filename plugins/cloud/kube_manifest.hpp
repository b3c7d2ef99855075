// Kubernetes manifests as `kubectl create -f` takes them: multi-document YAML read
// into JSON objects, then created through the API server in order, each kind's
// collection found through API discovery. An object that exists is left as it is.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube_client.hpp"

namespace fluxburst::cloud {

/// The objects of a multi-document YAML text, in order, as JSON (plain scalars typed
/// as YAML 1.2's core schema types them, quoted ones kept as strings); empty
/// documents skipped, a List's items expanded. Each object must have apiVersion,
/// kind and metadata.name. Throws fluxburst::Error naming `origin`, the document
/// and the line. Bounded: at most 1000 objects, nesting depth 64.
std::vector<nlohmann::json> parse_manifest(const std::string& yaml, const std::string& origin);

/// Reads a manifest file (refused unless owned by us or root and writable by nobody
/// else: it makes cluster roles) of at most 8 MiB, then parse_manifest().
std::vector<nlohmann::json> read_manifest(const std::string& path, const std::string& what);

/// What apply_manifest() did: "kind/namespace/name" of each object.
struct ManifestResult {
    std::vector<std::string> created, existed;
};

/// Creates each object in order; one that exists already is left alone (counted in
/// `existed`). Namespaced objects without a namespace go to "default". Throws
/// KubeApiError (the API's message) or fluxburst::Error when a kind is not served.
ManifestResult apply_manifest(KubeClient& client, const std::vector<nlohmann::json>& objects);

}  // namespace fluxburst::cloud
