#include "aws_credentials.hpp"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fluxburst/trusted_file.hpp>
#include <map>
#include <optional>
#include <sstream>

namespace fluxburst::cloud {
namespace {

constexpr std::size_t max_credentials_file = 1u << 20;

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? std::string(value) : std::string();
}

std::string trim(const std::string& text) {
    std::size_t begin = 0, end = text.size();
    while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
    while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
    return text.substr(begin, end - begin);
}

// The file's content, after the checks a file holding secrets must pass: owned by
// the user or root, readable and writable by its owner only, not a link.
std::string read_secret_file(const std::string& path) {
    std::optional<std::string> text =
        read_trusted_file(path, "AWS credentials file", TrustedOwner::UserOrRoot,
                          max_credentials_file, TrustedContent::Secret);
    if (!text)
        throw Error("AWS credentials file " + path +
                    " does not exist (set AWS_SHARED_CREDENTIALS_FILE, or the keys in "
                    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
    return *text;
}

std::string default_credentials_file() {
    std::string file = env("AWS_SHARED_CREDENTIALS_FILE");
    if (!file.empty()) return file;
    std::string home = env("HOME");
    if (home.empty())
        throw Error(
            "no AWS credentials: AWS_ACCESS_KEY_ID is not set, and neither "
            "AWS_SHARED_CREDENTIALS_FILE nor HOME (for ~/.aws/credentials) is set");
    return home + "/.aws/credentials";
}

}  // namespace

AwsCredentials read_aws_credentials_file(const std::string& path, const std::string& profile) {
    std::istringstream in(read_secret_file(path));
    std::map<std::string, std::string> keys;
    bool found = false, inside = false;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        std::string text = trim(line);
        if (text.empty() || text[0] == '#' || text[0] == ';') continue;
        if (text[0] == '[') {
            if (text.back() != ']')
                throw Error("AWS credentials file " + path + ", line " + std::to_string(number) +
                            ": a section header must end with ']'");
            inside = trim(text.substr(1, text.size() - 2)) == profile;
            found = found || inside;
            continue;
        }
        const auto equals = text.find('=');
        if (equals == std::string::npos) {
            // Continuation lines (nested values) are indented; anything else is malformed.
            if (std::isspace(static_cast<unsigned char>(line[0]))) continue;
            throw Error("AWS credentials file " + path + ", line " + std::to_string(number) +
                        ": expected 'key = value'");
        }
        if (inside) keys[trim(text.substr(0, equals))] = trim(text.substr(equals + 1));
    }
    const std::string where = path + " [" + profile + "]";
    if (!found)
        throw Error("AWS credentials file " + path + " has no profile [" + profile +
                    "] (set AWS_PROFILE or the plugin's profile parameter to one it has)");
    AwsCredentials credentials;
    credentials.access_key_id = keys["aws_access_key_id"];
    credentials.secret_access_key = keys["aws_secret_access_key"];
    credentials.session_token =
        keys.count("aws_session_token") ? keys["aws_session_token"] : keys["aws_security_token"];
    credentials.source = where;
    if (credentials.access_key_id.empty() || credentials.secret_access_key.empty())
        throw Error("AWS credentials file " + where +
                    ": aws_access_key_id and aws_secret_access_key are both needed");
    return credentials;
}

AwsCredentials load_aws_credentials(const std::string& profile) {
    if (profile.empty() && !env("AWS_ACCESS_KEY_ID").empty()) {
        AwsCredentials credentials;
        credentials.access_key_id = env("AWS_ACCESS_KEY_ID");
        credentials.secret_access_key = env("AWS_SECRET_ACCESS_KEY");
        credentials.session_token = env("AWS_SESSION_TOKEN");
        credentials.source = "environment";
        if (credentials.secret_access_key.empty())
            throw Error("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both");
        return credentials;
    }
    std::string name = profile;
    if (name.empty()) name = env("AWS_PROFILE");
    if (name.empty()) name = "default";
    std::string path = default_credentials_file();
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT)
        throw Error(
            "no AWS credentials: AWS_ACCESS_KEY_ID is not set and there is no "
            "credentials file " +
            path + " (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws configure`)");
    return read_aws_credentials_file(path, name);
}

std::string aws_region(const std::string& configured) {
    std::string region = configured;
    std::string origin = "region parameter";
    if (region.empty()) {
        region = env("AWS_REGION");
        origin = "AWS_REGION";
    }
    if (region.empty()) {
        region = env("AWS_DEFAULT_REGION");
        origin = "AWS_DEFAULT_REGION";
    }
    if (region.empty())
        throw Error("no AWS region: set the region parameter, AWS_REGION or AWS_DEFAULT_REGION");
    for (unsigned char c : region)
        if (!(std::islower(c) || std::isdigit(c) || c == '-'))
            throw Error(origin + " '" + region + "' is not an AWS region name (like us-east-1)");
    if (region.size() > 64) throw Error(origin + " is too long for an AWS region name");
    return region;
}

}  // namespace fluxburst::cloud
