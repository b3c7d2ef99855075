// Calls to Google Cloud REST APIs (Compute Engine, GKE) with a GoogleAuth bearer
// token, and Google's error answers turned into errors that carry Google's words.
#pragma once

#include <chrono>
#include <string>

#include <fluxburst/error.hpp>
#include <nlohmann/json.hpp>

#include "google_auth.hpp"

namespace fluxburst::cloud {

/// An error answer of a Google API. what() reads "<METHOD> <URL>: HTTP <status>
/// <STATUS>: <Google's message>".
class GoogleApiError : public fluxburst::Error {
public:
    GoogleApiError(long http_status, std::string status, std::string message,
                   const std::string& text);
    ~GoogleApiError() override;
    long http_status() const { return http_status_; }
    /// Google's status ("PERMISSION_DENIED", "NOT_FOUND") or reason ("quotaExceeded").
    const std::string& status() const { return status_; }
    /// Google's message, as Google wrote it.
    const std::string& message() const { return message_; }

private:
    long http_status_;
    std::string status_;
    std::string message_;
};

/// A client of one Google API below `base_url` (e.g.
/// "https://compute.googleapis.com/compute/v1").
class GoogleApiClient {
public:
    GoogleApiClient(GoogleAuth& auth, std::string base_url, std::string ca_pem = "",
                    std::chrono::milliseconds timeout = std::chrono::seconds(30));

    /// `method` on base_url + `path` (which starts with '/'), with `body` as JSON when
    /// not null. Returns the answer's JSON ({} when empty). A 401 fetches a new
    /// token and retries once. Throws GoogleApiError for an HTTP error status and
    /// fluxburst::Error for a transport failure or an answer that is not JSON.
    nlohmann::json call(const std::string& method, const std::string& path,
                        const nlohmann::json& body = nullptr);

    const std::string& base_url() const { return base_url_; }

private:
    GoogleAuth& auth_;
    std::string base_url_;
    std::string ca_pem_;
    std::chrono::milliseconds timeout_;
};

}  // namespace fluxburst::cloud
