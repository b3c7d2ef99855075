// An RSA key pair generated at test time (service account keys sign RS256 JWTs),
// so that no private key is ever committed.
#pragma once

#include <string>

namespace test {

struct TestRsaKey {
    std::string private_pem;  ///< PKCS#8, as Google's key files hold it
    std::string public_pem;
};

/// A new key pair (slow: about 0.1 s, more on a loaded machine).
TestRsaKey make_rsa_key();

/// One key pair per test process, made on first use.
const TestRsaKey& shared_rsa_key();

}  // namespace test
