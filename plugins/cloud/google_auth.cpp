#include "google_auth.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fluxburst/error.hpp>
#include <fluxburst/trusted_file.hpp>
#include <memory>
#include <nlohmann/json.hpp>

#include "base64.hpp"
#include "http.hpp"

namespace fluxburst::cloud {

namespace {

using nlohmann::json;

constexpr std::size_t max_credentials_bytes = 64 * 1024;
constexpr const char* default_token_uri = "https://oauth2.googleapis.com/token";

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

std::string openssl_error() {
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0) return "unknown OpenSSL error";
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

// Read a credentials file, refusing one that is not private to us.
std::string read_private_file(const std::string& path) {
    auto text = read_trusted_file(path, "Google credentials file", TrustedOwner::User,
                                  max_credentials_bytes, TrustedContent::Secret);
    if (!text)
        throw Error("Google credentials file " + path +
                    ": no such file (check GOOGLE_APPLICATION_CREDENTIALS or the "
                    "credentials_file parameter)");
    return *text;
}

std::string string_field(const json& j, const char* key, const std::string& path, bool required) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        if (required)
            throw Error("Google credentials file " + path + " has no \"" + key +
                        "\": download a new key (IAM > Service accounts > Keys) or run "
                        "`gcloud auth application-default login`");
        return "";
    }
    if (!it->is_string() || it->get_ref<const std::string&>().empty())
        throw Error("Google credentials file " + path + ": \"" + key +
                    "\" must be a non-empty string");
    return it->get<std::string>();
}

void require_https(const std::string& url, const std::string& what) {
    if (url.rfind("https://", 0) != 0)
        throw Error(what + " \"" + url +
                    "\" is not an https:// URL: refusing to send a credential "
                    "over it");
}

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

PKey load_private_key(const std::string& pem, const std::string& path) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    if (!bio) throw Error("out of memory reading the key of " + path);
    PKey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
    if (!key)
        throw Error("Google credentials file " + path +
                    ": \"private_key\" is not a PEM private key (" + openssl_error() + ")");
    if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA)
        throw Error("Google credentials file " + path +
                    ": \"private_key\" is not an RSA key (RS256 needs one)");
    return key;
}

std::string sign_rs256(const std::string& pem, const std::string& data, const std::string& path) {
    PKey key = load_private_key(pem, path);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::size_t len = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
        throw Error("signing the Google JWT failed: " + openssl_error());
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
        throw Error("signing the Google JWT failed: " + openssl_error());
    sig.resize(len);
    return sig;
}

std::string form_escape(const std::string& s) {
    return url_escape(s);
}

std::string excerpt(const std::string& body) {
    constexpr std::size_t max = 400;
    std::string s = body.substr(0, max);
    for (auto& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    if (body.size() > max) s += "...";
    return s;
}

}  // namespace

GoogleAuth::GoogleAuth(GoogleAuthOptions options) : options_(std::move(options)) {
    std::string path = options_.credentials_file;
    if (path.empty()) path = env("GOOGLE_APPLICATION_CREDENTIALS");
    if (path.empty()) {
        std::string home = env("HOME");
        std::string adc = home + "/.config/gcloud/application_default_credentials.json";
        struct stat st {};
        if (!home.empty() && ::stat(adc.c_str(), &st) == 0) path = adc;
    }
    if (path.empty()) {
        kind_ = GoogleCredentialKind::MetadataServer;
        source_ = options_.metadata_host;
        if (source_.empty()) source_ = env("GCE_METADATA_HOST");
        if (source_.empty()) source_ = "metadata.google.internal";
        return;
    }
    source_ = path;
    std::string text = read_private_file(path);
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw Error("Google credentials file " + path +
                    " is not a JSON object (expected a service account key or an "
                    "authorized_user file)");
    std::string type = string_field(j, "type", path, true);
    if (type == "service_account") {
        kind_ = GoogleCredentialKind::ServiceAccount;
        client_email_ = string_field(j, "client_email", path, true);
        private_key_pem_ = string_field(j, "private_key", path, true);
        private_key_id_ = string_field(j, "private_key_id", path, false);
        project_id_ = string_field(j, "project_id", path, false);
        token_uri_ = string_field(j, "token_uri", path, false);
        if (token_uri_.empty()) token_uri_ = default_token_uri;
        require_https(token_uri_, "Google credentials file " + path + ": token_uri");
        load_private_key(private_key_pem_, path);  // fail now, not at the first burst
    } else if (type == "authorized_user") {
        kind_ = GoogleCredentialKind::AuthorizedUser;
        client_id_ = string_field(j, "client_id", path, true);
        client_secret_ = string_field(j, "client_secret", path, true);
        refresh_token_ = string_field(j, "refresh_token", path, true);
        token_uri_ = string_field(j, "token_uri", path, false);
        if (token_uri_.empty()) token_uri_ = default_token_uri;
        require_https(token_uri_, "Google credentials file " + path + ": token_uri");
    } else {
        throw Error("Google credentials file " + path + " has type \"" + type +
                    "\"; supported: service_account, authorized_user");
    }
}

std::string GoogleAuth::describe() const {
    switch (kind_) {
        case GoogleCredentialKind::ServiceAccount:
            return "service account " + client_email_ + " (from " + source_ + ")";
        case GoogleCredentialKind::AuthorizedUser:
            return "user credentials (from " + source_ + ")";
        case GoogleCredentialKind::MetadataServer:
            break;
    }
    return "the VM's service account (metadata server " + source_ + ")";
}

std::string GoogleAuth::access_token() {
    std::lock_guard<std::mutex> lock(mutex_);
    auto now = std::chrono::system_clock::now();
    if (!token_.empty() && now + options_.refresh_margin < expires_) return token_;
    long long unix_now =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    long long expires_in = 0;
    std::string token;
    switch (kind_) {
        case GoogleCredentialKind::ServiceAccount:
            token = fetch_service_account(unix_now, expires_in);
            break;
        case GoogleCredentialKind::AuthorizedUser:
            token = fetch_authorized_user(expires_in);
            break;
        case GoogleCredentialKind::MetadataServer:
            token = fetch_metadata(expires_in);
            break;
    }
    token_ = token;
    expires_ = now + std::chrono::seconds(expires_in);
    return token_;
}

void GoogleAuth::invalidate() {
    std::lock_guard<std::mutex> lock(mutex_);
    token_.clear();
}

std::optional<std::string> GoogleAuth::check() {
    try {
        access_token();
    } catch (const std::exception& e) {
        return std::string("no Google access token with ") + describe() + ": " + e.what();
    }
    return std::nullopt;
}

std::string GoogleAuth::fetch_service_account(long long now, long long& expires_in) {
    json header = {{"alg", "RS256"}, {"typ", "JWT"}};
    if (!private_key_id_.empty()) header["kid"] = private_key_id_;
    json claims = {{"iss", client_email_},
                   {"scope", options_.scope},
                   {"aud", token_uri_},
                   {"iat", now},
                   {"exp", now + 3600}};
    std::string signing_input =
        base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
    std::string jwt = signing_input + "." +
                      base64url_encode(sign_rs256(private_key_pem_, signing_input, source_));
    std::string body = "grant_type=" + form_escape("urn:ietf:params:oauth:grant-type:jwt-bearer") +
                       "&assertion=" + form_escape(jwt);
    return token_request("POST", token_uri_, body, expires_in);
}

std::string GoogleAuth::fetch_authorized_user(long long& expires_in) {
    std::string body = "grant_type=refresh_token&client_id=" + form_escape(client_id_) +
                       "&client_secret=" + form_escape(client_secret_) +
                       "&refresh_token=" + form_escape(refresh_token_);
    return token_request("POST", token_uri_, body, expires_in);
}

std::string GoogleAuth::fetch_metadata(long long& expires_in) {
    // The VM's service account has the scopes the VM was created with.
    std::string url =
        "http://" + source_ + "/computeMetadata/v1/instance/service-accounts/default/token";
    return token_request("GET", url, "", expires_in);
}

std::string GoogleAuth::token_request(const std::string& method, const std::string& url,
                                      const std::string& body, long long& expires_in) {
    HttpRequest req;
    req.method = method;
    req.url = url;
    req.body = body;
    req.timeout = options_.timeout;
    req.max_response_bytes = 1 << 20;
    if (method == "POST")
        req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    if (kind_ == GoogleCredentialKind::MetadataServer)
        req.headers.emplace_back("Metadata-Flavor", "Google");
    else
        req.ca_pem = options_.ca_pem;
    HttpResponse resp;
    try {
        resp = http_send(req);
    } catch (const std::exception& e) {
        throw Error(std::string("Google token request failed: ") + e.what());
    }
    json j = json::parse(resp.body, nullptr, false);
    if (resp.status != 200) {
        std::string why;
        if (j.is_object() && j.contains("error")) {
            const json& err = j["error"];
            why = err.is_string() ? err.get<std::string>() : err.dump();
            if (j.contains("error_description") && j["error_description"].is_string())
                why += ": " + j["error_description"].get<std::string>();
        } else {
            why = excerpt(resp.body);
        }
        throw Error(
            "Google token endpoint " + url + " answered HTTP " + std::to_string(resp.status) +
            ": " + why +
            (resp.status == 400 || resp.status == 401
                 ? " (the credentials are revoked, expired or wrong: check " + describe() + ")"
                 : ""));
    }
    if (!j.is_object() || !j.contains("access_token") || !j["access_token"].is_string() ||
        j["access_token"].get_ref<const std::string&>().empty())
        throw Error("Google token endpoint " + url +
                    " answered without an access_token: " + excerpt(resp.body));
    expires_in = 3600;
    if (j.contains("expires_in") && j["expires_in"].is_number()) {
        double e = j["expires_in"].get<double>();
        if (e < 0 || e > 86400 * 7)
            throw Error("Google token endpoint " + url +
                        " answered an expires_in out of range: " + j["expires_in"].dump());
        expires_in = static_cast<long long>(e);
    }
    return j["access_token"].get<std::string>();
}

}  // namespace fluxburst::cloud
