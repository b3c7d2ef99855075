// AWS credentials and region for the cloud plugins, found the way the AWS CLI finds
// them (the subset that needs no network):
//
//   1. the environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
//   2. the shared credentials file: AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials,
//      section [<profile>] where the profile is the one asked for, else AWS_PROFILE,
//      else "default".
//
// The credentials file holds secrets: it is refused when another user owns it (root
// excepted) or when its group or others may read or write it (the fix, chmod 600, is
// in the message), as OpenSSH refuses a private key others can read.
#pragma once

#include <string>

#include <fluxburst/error.hpp>

namespace fluxburst::cloud {

struct AwsCredentials {
    std::string access_key_id;
    std::string secret_access_key;
    /// Temporary credentials only; empty otherwise.
    std::string session_token;
    /// Where they came from, for messages: "environment" or "<file> [profile]".
    std::string source;
};

/// The credentials of `profile`. With no profile named here, the environment's keys
/// win when AWS_ACCESS_KEY_ID is set (as with the AWS CLI, even when AWS_PROFILE is
/// set), else the file's section AWS_PROFILE, else "default". Throws fluxburst::Error saying where
/// it looked and how to provide them when none are found, or naming the file, line or key when the
/// file is unsafe or malformed.
AwsCredentials load_aws_credentials(const std::string& profile = "");

/// The section `profile` of the credentials file `path` (same rules and errors).
AwsCredentials read_aws_credentials_file(const std::string& path, const std::string& profile);

/// The region: `configured` when not empty, else AWS_REGION, else AWS_DEFAULT_REGION.
/// Throws fluxburst::Error when none is set or it is not a region name (a-z, 0-9, -).
std::string aws_region(const std::string& configured);

}  // namespace fluxburst::cloud
