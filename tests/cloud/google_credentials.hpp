// Test helpers: Google credentials files written as gcloud and the IAM console
// write them (mode 0600), pointing at a fake token endpoint.
#pragma once

#include <string>

namespace test {

/// A service_account key file for `private_key_pem`, returning its path.
std::string write_service_account(
    const std::string& dir, const std::string& private_key_pem, const std::string& token_uri,
    const std::string& client_email = "burst@proj.iam.gserviceaccount.com",
    const std::string& key_id = "key-1");

/// An authorized_user file, returning its path.
std::string write_authorized_user(const std::string& dir, const std::string& token_uri,
                                  const std::string& refresh_token = "1//refresh");

/// Write `text` to `path` with `mode`.
void write_file_mode(const std::string& path, const std::string& text, unsigned mode);

}  // namespace test
