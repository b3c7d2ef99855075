// Test-time PKI for the cloud tests: a CA and the certificates it signs, generated
// with OpenSSL in memory (EC P-256, valid one day), so that no key is ever committed.
#pragma once

#include <string>

namespace test {

struct TlsIdentity {
    std::string cert_pem;
    std::string key_pem;
};

/// A self-signed CA certificate (basicConstraints CA:TRUE) and its key.
TlsIdentity make_test_ca(const std::string& common_name = "fluxburst test CA");

/// A server certificate signed by the CA, valid for 127.0.0.1 and localhost.
TlsIdentity make_server_cert(const TlsIdentity& ca);

/// A client certificate signed by the CA with the given CN (Kubernetes: the user) and
/// O (Kubernetes: the group, when not empty).
TlsIdentity make_client_cert(const TlsIdentity& ca, const std::string& common_name,
                             const std::string& organization = "");

/// The common name of a PEM certificate's subject ("" when unreadable).
std::string cert_common_name(const std::string& cert_pem);

}  // namespace test
