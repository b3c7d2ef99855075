// Kubernetes credentials as kubectl finds them: a kubeconfig file (KUBECONFIG or
// ~/.kube/config) or, inside a pod, the service account's.
//
// Supported in a kubeconfig user: token, tokenFile, client-certificate(-data) with
// client-key(-data), and exec credential plugins (client.authentication.k8s.io
// v1 and v1beta1), run as kubectl runs them: the command with its arguments and no
// shell, the kubeconfig's env added to ours, bounded in time and output, its
// ExecCredential cached until its expirationTimestamp. Refused with a clear error:
// insecure-skip-tls-verify, auth-provider, username/password.
#pragma once

#include <chrono>
#include <string>

#include "kube_connection.hpp"

namespace fluxburst::cloud {

struct KubeconfigOptions {
    /// The kubeconfig file; empty: $KUBECONFIG (a ':'-separated list, merged as
    /// kubectl does: the first file to define a name wins) or ~/.kube/config.
    std::string path;
    /// The context to use; empty: the file's current-context.
    std::string context;
    /// Bound of one run of an exec credential plugin.
    std::chrono::milliseconds exec_timeout{60000};
    /// When true (the default), a kubeconfig owned by another user or writable by
    /// group or others is refused: it names commands that we run.
    bool check_owner = true;
};

/// What a kubeconfig context says, with the connection it makes.
struct Kubeconfig {
    KubeConnection connection;
    /// The context's namespace ("" when it names none).
    std::string context_namespace;
    std::string context_name;
    std::string file;
};

/// Reads the kubeconfig and builds the connection of the chosen context.
/// Throws fluxburst::Error naming the file, context and key at fault.
Kubeconfig load_kubeconfig(const KubeconfigOptions& options);

/// Inside a pod: KUBERNETES_SERVICE_HOST/PORT and the service account's token
/// (re-read when it changes on disk), CA and namespace under `account_dir`.
Kubeconfig in_cluster_config(
    const std::string& account_dir = "/var/run/secrets/kubernetes.io/serviceaccount");

/// True when running in a pod with a service account (KUBERNETES_SERVICE_HOST set
/// and the token file present).
bool in_cluster_available(
    const std::string& account_dir = "/var/run/secrets/kubernetes.io/serviceaccount");

}  // namespace fluxburst::cloud
