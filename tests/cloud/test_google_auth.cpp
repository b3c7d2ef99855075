// Google credentials and tokens against a fake OAuth endpoint and metadata server.
#include <catch2/catch.hpp>
#include <fluxburst/error.hpp>
#include <nlohmann/json.hpp>

#include "../test_support.hpp"
#include "fake_google_oauth.hpp"
#include "google_auth.hpp"
#include "google_credentials.hpp"
#include "test_rsa_key.hpp"
#include "test_tls.hpp"

using Catch::Matchers::Contains;
using fluxburst::Error;
using fluxburst::cloud::GoogleAuth;
using fluxburst::cloud::GoogleAuthOptions;
using fluxburst::cloud::GoogleCredentialKind;

namespace {

struct Fixture {
    test::TempDir dir;
    test::TlsIdentity ca = test::make_test_ca();
    test::TlsIdentity server = test::make_server_cert(ca);
    test::TestRsaKey key = test::shared_rsa_key();
    test::FakeGoogleOAuth oauth{server,
                                {key.public_pem, "burst@proj.iam.gserviceaccount.com", "key-1",
                                 "client.apps.googleusercontent.com", "secret", "1//refresh"}};
    GoogleAuthOptions options(const std::string& file) {
        GoogleAuthOptions o;
        o.credentials_file = file;
        o.ca_pem = ca.cert_pem;
        return o;
    }
};

}  // namespace

TEST_CASE("google auth: a service account's signed JWT is exchanged for a cached token",
          "[google_auth]") {
    Fixture f;
    GoogleAuth auth(f.options(
        test::write_service_account(f.dir.path(), f.key.private_pem, f.oauth.token_uri())));
    CHECK(auth.kind() == GoogleCredentialKind::ServiceAccount);
    CHECK_THAT(auth.describe(), Contains("burst@proj.iam.gserviceaccount.com"));
    CHECK(auth.project_id() == "proj");
    std::string token = auth.access_token();
    CHECK(f.oauth.errors().empty());
    CHECK(token == "ya29.test-token-1");
    CHECK(auth.access_token() == token);  // cached
    CHECK(f.oauth.tokens_issued() == 1);
    auth.invalidate();
    CHECK(auth.access_token() == "ya29.test-token-2");
    CHECK_FALSE(auth.check().has_value());
}

TEST_CASE("google auth: a token about to expire is refreshed before use", "[google_auth]") {
    Fixture f;
    f.oauth.set_expires_in(120);  // inside the 300 s refresh margin
    GoogleAuth auth(f.options(
        test::write_service_account(f.dir.path(), f.key.private_pem, f.oauth.token_uri())));
    CHECK(auth.access_token() == "ya29.test-token-1");
    CHECK(auth.access_token() == "ya29.test-token-2");
    f.oauth.set_expires_in(3600);
    CHECK(auth.access_token() == "ya29.test-token-3");
    CHECK(auth.access_token() == "ya29.test-token-3");
    CHECK(f.oauth.errors().empty());
}

TEST_CASE("google auth: a JWT signed with another key is refused with Google's reason",
          "[google_auth]") {
    Fixture f;
    test::TestRsaKey other = test::make_rsa_key();
    GoogleAuth auth(f.options(
        test::write_service_account(f.dir.path(), other.private_pem, f.oauth.token_uri())));
    CHECK_THROWS_WITH(auth.access_token(), Contains("HTTP 400") && Contains("invalid_grant") &&
                                               Contains("bad signature"));
    REQUIRE(auth.check().has_value());
    CHECK_THAT(*auth.check(), Contains("burst@proj.iam.gserviceaccount.com"));
}

TEST_CASE("google auth: the claims are checked by the endpoint (wrong kid, wrong email)",
          "[google_auth]") {
    Fixture f;
    SECTION("kid") {
        GoogleAuth auth(f.options(
            test::write_service_account(f.dir.path(), f.key.private_pem, f.oauth.token_uri(),
                                        "burst@proj.iam.gserviceaccount.com", "key-2")));
        CHECK_THROWS_WITH(auth.access_token(), Contains("kid"));
    }
    SECTION("iss") {
        GoogleAuth auth(f.options(
            test::write_service_account(f.dir.path(), f.key.private_pem, f.oauth.token_uri(),
                                        "other@proj.iam.gserviceaccount.com")));
        CHECK_THROWS_WITH(auth.access_token(), Contains("iss"));
    }
}

TEST_CASE("google auth: an authorized_user file uses the refresh-token grant", "[google_auth]") {
    Fixture f;
    SECTION("right refresh token") {
        GoogleAuth auth(f.options(test::write_authorized_user(f.dir.path(), f.oauth.token_uri())));
        CHECK(auth.kind() == GoogleCredentialKind::AuthorizedUser);
        CHECK(auth.access_token() == "ya29.test-token-1");
        CHECK(f.oauth.errors().empty());
    }
    SECTION("revoked refresh token") {
        GoogleAuth auth(f.options(
            test::write_authorized_user(f.dir.path(), f.oauth.token_uri(), "1//revoked")));
        CHECK_THROWS_WITH(auth.access_token(),
                          Contains("invalid_grant") && Contains("revoked, expired or wrong"));
    }
}

TEST_CASE("google auth: the token endpoint's own error text is reported", "[google_auth]") {
    Fixture f;
    f.oauth.fail_with(403, R"({"error":"access_denied","error_description":"Permission )"
                           R"('iam.serviceAccounts.getAccessToken' denied"})");
    GoogleAuth auth(f.options(
        test::write_service_account(f.dir.path(), f.key.private_pem, f.oauth.token_uri())));
    CHECK_THROWS_WITH(auth.access_token(), Contains("HTTP 403") && Contains("access_denied") &&
                                               Contains("iam.serviceAccounts.getAccessToken"));
}

TEST_CASE("google auth: an unreachable or untrusted token endpoint is a clear error",
          "[google_auth]") {
    Fixture f;
    SECTION("untrusted certificate") {
        GoogleAuthOptions o = f.options(
            test::write_service_account(f.dir.path(), f.key.private_pem, f.oauth.token_uri()));
        o.ca_pem = test::make_test_ca("another CA").cert_pem;
        GoogleAuth auth(o);
        CHECK_THROWS_WITH(auth.access_token(), Contains("Google token request failed"));
        CHECK(f.oauth.tokens_issued() == 0);
    }
    SECTION("closed port") {
        GoogleAuth auth(f.options(test::write_service_account(f.dir.path(), f.key.private_pem,
                                                              "https://127.0.0.1:1/token")));
        CHECK_THROWS_WITH(auth.access_token(), Contains("Google token request failed"));
    }
}

TEST_CASE("google auth: the metadata server is used without a credentials file", "[google_auth]") {
    Fixture f;
    test::EnvVar creds("GOOGLE_APPLICATION_CREDENTIALS", nullptr);
    test::EnvVar home("HOME", f.dir.path().c_str());
    test::EnvVar host("GCE_METADATA_HOST", f.oauth.metadata_host().c_str());
    GoogleAuth auth;
    CHECK(auth.kind() == GoogleCredentialKind::MetadataServer);
    CHECK_THAT(auth.describe(), Contains(f.oauth.metadata_host()));
    CHECK(auth.access_token() == "ya29.test-token-1");
    CHECK(f.oauth.errors().empty());
}

TEST_CASE("google auth: GOOGLE_APPLICATION_CREDENTIALS and gcloud's file are found",
          "[google_auth]") {
    Fixture f;
    SECTION("environment") {
        std::string path =
            test::write_service_account(f.dir.path(), f.key.private_pem, f.oauth.token_uri());
        test::EnvVar creds("GOOGLE_APPLICATION_CREDENTIALS", path.c_str());
        GoogleAuth auth;
        CHECK(auth.kind() == GoogleCredentialKind::ServiceAccount);
    }
    SECTION("gcloud application default credentials") {
        test::EnvVar creds("GOOGLE_APPLICATION_CREDENTIALS", nullptr);
        test::EnvVar home("HOME", f.dir.path().c_str());
        std::string dir = f.dir.path() + "/.config/gcloud";
        REQUIRE(std::system(("mkdir -p '" + dir + "'").c_str()) == 0);
        test::write_authorized_user(dir, f.oauth.token_uri());
        GoogleAuth auth;
        CHECK(auth.kind() == GoogleCredentialKind::AuthorizedUser);
        CHECK_THAT(auth.describe(), Contains(dir));
    }
}

TEST_CASE("google auth: bad credentials files are refused with the file and the fix",
          "[google_auth]") {
    test::TempDir dir;
    std::string path = dir.file("creds.json");
    auto load = [&] {
        GoogleAuthOptions o;
        o.credentials_file = path;
        GoogleAuth auth(o);
    };
    test::TestRsaKey key = test::shared_rsa_key();
    nlohmann::json good = {{"type", "service_account"},
                           {"private_key_id", "k"},
                           {"private_key", key.private_pem},
                           {"client_email", "a@b.iam.gserviceaccount.com"},
                           {"token_uri", "https://oauth2.googleapis.com/token"}};
    SECTION("missing") {
        CHECK_THROWS_WITH(load(), Contains(path) && Contains("GOOGLE_APPLICATION_CREDENTIALS"));
    }
    SECTION("readable by others") {
        test::write_file_mode(path, good.dump(), 0644);
        CHECK_THROWS_WITH(load(), Contains(path) && Contains("chmod 600"));
    }
    SECTION("writable by the group") {
        test::write_file_mode(path, good.dump(), 0620);
        CHECK_THROWS_WITH(load(), Contains("chmod 600"));
    }
    SECTION("a symbolic link") {
        test::write_file_mode(dir.file("real.json"), good.dump(), 0600);
        REQUIRE(::symlink(dir.file("real.json").c_str(), path.c_str()) == 0);
        CHECK_THROWS_WITH(load(), Contains(path));
    }
    SECTION("not JSON") {
        test::write_file_mode(path, "{not json", 0600);
        CHECK_THROWS_WITH(load(), Contains(path) && Contains("not a JSON object"));
    }
    SECTION("a JSON array") {
        test::write_file_mode(path, "[1,2]", 0600);
        CHECK_THROWS_WITH(load(), Contains("not a JSON object"));
    }
    SECTION("unknown type") {
        good["type"] = "external_account";
        test::write_file_mode(path, good.dump(), 0600);
        CHECK_THROWS_WITH(load(), Contains("external_account") && Contains("service_account"));
    }
    for (const char* key : {"type", "client_email", "private_key"}) {
        SECTION(std::string("without ") + key) {
            good.erase(key);
            test::write_file_mode(path, good.dump(), 0600);
            CHECK_THROWS_WITH(load(), Contains(path) && Contains(key));
        }
        SECTION(std::string(key) + " of the wrong type") {
            good[key] = 42;
            test::write_file_mode(path, good.dump(), 0600);
            CHECK_THROWS_WITH(load(), Contains(key));
        }
    }
    SECTION("a private key that is not PEM") {
        good["private_key"] = "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n";
        test::write_file_mode(path, good.dump(), 0600);
        CHECK_THROWS_WITH(load(), Contains("not a PEM private key"));
    }
    SECTION("a token_uri that is not https") {
        good["token_uri"] = "http://oauth2.example.com/token";
        test::write_file_mode(path, good.dump(), 0600);
        CHECK_THROWS_WITH(load(), Contains("https://"));
    }
    SECTION("too large") {
        good["padding"] = std::string(100000, 'x');
        test::write_file_mode(path, good.dump(), 0600);
        CHECK_THROWS_WITH(load(), Contains("bytes"));
    }
}
