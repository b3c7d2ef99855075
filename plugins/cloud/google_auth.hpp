// Google credentials and OAuth 2.0 access tokens, shared by the gke and
// compute-engine plugins.
//
// Where the credentials come from, first match wins:
//   1. the file named by GoogleAuthOptions::credentials_file, else by the
//      GOOGLE_APPLICATION_CREDENTIALS environment variable;
//   2. gcloud's application default credentials
//      ($HOME/.config/gcloud/application_default_credentials.json);
//   3. the metadata server of the Compute Engine VM we run on (host from
//      GoogleAuthOptions::metadata_host, else GCE_METADATA_HOST, else
//      metadata.google.internal).
// A credentials file is either a "service_account" key (we sign an RS256 JWT and
// exchange it at its token_uri) or an "authorized_user" file (refresh-token grant).
// It holds a secret: it must be owned by the effective user and readable by nobody
// else, as ssh requires of private keys.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

namespace fluxburst::cloud {

enum class GoogleCredentialKind { ServiceAccount, AuthorizedUser, MetadataServer };

struct GoogleAuthOptions {
    /// The credentials file; empty: see the top of this file.
    std::string credentials_file;
    /// host[:port] of the metadata server; empty: GCE_METADATA_HOST, else
    /// metadata.google.internal.
    std::string metadata_host;
    /// The OAuth scope asked for.
    std::string scope = "https://www.googleapis.com/auth/cloud-platform";
    /// Trust only this CA (PEM) for the token endpoint; empty: the system store.
    std::string ca_pem;
    /// A cached token is replaced this long before it expires.
    std::chrono::seconds refresh_margin{300};
    /// Bound of each token request.
    std::chrono::milliseconds timeout{30000};
};

/// Credentials plus a cached access token. Thread-safe.
class GoogleAuth {
public:
    /// Find and read the credentials (no network). Throws fluxburst::Error naming
    /// the file and the fix when it is missing, malformed or not private.
    explicit GoogleAuth(GoogleAuthOptions options = {});

    GoogleCredentialKind kind() const { return kind_; }
    /// "service account NAME@PROJECT.iam.gserviceaccount.com (from FILE)", etc.
    std::string describe() const;
    /// The project of a service account key; empty otherwise.
    const std::string& project_id() const { return project_id_; }

    /// A valid access token: the cached one, or a new one when none is cached or
    /// it expires within refresh_margin. Throws fluxburst::Error with Google's
    /// error text when the token endpoint refuses, or on a transport failure.
    std::string access_token();

    /// Drop the cached token (after a 401, say); the next call fetches one.
    void invalidate();

    /// Fetch a token now (through the cache) and return any failure as a reason
    /// for a plugin's validate() to give; nullopt when a token was obtained.
    std::optional<std::string> check();

private:
    std::string fetch_service_account(long long now, long long& expires_in);
    std::string fetch_authorized_user(long long& expires_in);
    std::string fetch_metadata(long long& expires_in);
    std::string token_request(const std::string& method, const std::string& url,
                              const std::string& body, long long& expires_in);

    GoogleAuthOptions options_;
    GoogleCredentialKind kind_ = GoogleCredentialKind::MetadataServer;
    std::string source_;  // the file, or the metadata host
    std::string client_email_, private_key_pem_, private_key_id_, token_uri_, project_id_;
    std::string client_id_, client_secret_, refresh_token_;

    std::mutex mutex_;
    std::string token_;
    std::chrono::system_clock::time_point expires_{};
};

}  // namespace fluxburst::cloud
