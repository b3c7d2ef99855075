// A fake Google OAuth 2.0 token endpoint (HTTPS) and GCE metadata server (HTTP).
// The token endpoint checks what Google checks of a service account's JWT grant:
// RS256 signature against the test key, kid, iss, scope, aud = its own URL, iat
// near now, exp - iat in (0, 3600]; and the refresh-token grant's fields. A
// refused request gets Google's error shape and its reason is kept in errors().
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "fake_server.hpp"
#include "https_server.hpp"

namespace test {

class FakeGoogleOAuth {
public:
    struct Expect {
        std::string public_key_pem;  // service account: verify the JWT with it
        std::string client_email, key_id;
        std::string client_id, client_secret, refresh_token;  // authorized_user
        std::string scope = "https://www.googleapis.com/auth/cloud-platform";
    };
    /// What a key made by test::write_service_account() is checked against.
    static Expect service_account(const std::string& public_key_pem);
    /// Serves HTTPS with `server` (a certificate from test_tls).
    FakeGoogleOAuth(const TlsIdentity& server, Expect expect);

    /// The token URI to write into a credentials file.
    std::string token_uri() const { return https_.url() + "/token"; }
    /// host:port of the metadata server (for GCE_METADATA_HOST).
    std::string metadata_host() const { return metadata_.host(); }

    /// Lifetime of the tokens handed out (seconds).
    void set_expires_in(long seconds);
    /// Refuse every token request with this HTTP status and JSON body.
    void fail_with(int status, std::string body);

    int tokens_issued() const;
    std::vector<std::string> errors() const;
    std::string last_token() const;

private:
    void token(const httplib::Request& req, httplib::Response& res);
    std::string check_jwt(const std::string& jwt);
    void issue(httplib::Response& res);

    Expect expect_;
    HttpsServer https_;
    PlainHttpServer metadata_;
    mutable std::mutex mutex_;
    long expires_in_ = 3600;
    int fail_status_ = 0;
    std::string fail_body_;
    int issued_ = 0;
    std::vector<std::string> errors_;
};

}  // namespace test
