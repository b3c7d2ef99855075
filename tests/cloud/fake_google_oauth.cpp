#include "fake_google_oauth.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "base64.hpp"

namespace test {

namespace {

using nlohmann::json;

bool verify_rs256(const std::string& public_pem, const std::string& data, const std::string& sig) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size())), BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!key || !ctx) return false;
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1)
        return false;
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()),
                            sig.size(), reinterpret_cast<const unsigned char*>(data.data()),
                            data.size()) == 1;
}

long long now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

FakeGoogleOAuth::Expect FakeGoogleOAuth::service_account(const std::string& public_key_pem) {
    Expect e;
    e.public_key_pem = public_key_pem;
    e.client_email = "burst@proj.iam.gserviceaccount.com";
    e.key_id = "key-1";
    return e;
}

FakeGoogleOAuth::FakeGoogleOAuth(const TlsIdentity& server, Expect expect)
    : expect_(std::move(expect)), https_(server) {
    https_.http().Post(
        "/token", [this](const httplib::Request& req, httplib::Response& res) { token(req, res); });
    metadata_.http().Get("/computeMetadata/v1/instance/service-accounts/default/token",
                         [this](const httplib::Request& req, httplib::Response& res) {
                             std::lock_guard<std::mutex> lock(mutex_);
                             if (req.get_header_value("Metadata-Flavor") != "Google") {
                                 errors_.push_back("metadata request without Metadata-Flavor");
                                 res.status = 403;
                                 return;
                             }
                             issue(res);
                         });
    https_.start();
    wait_until_serving(https_.http());
    metadata_.start();
}

void FakeGoogleOAuth::set_expires_in(long seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    expires_in_ = seconds;
}

void FakeGoogleOAuth::fail_with(int status, std::string body) {
    std::lock_guard<std::mutex> lock(mutex_);
    fail_status_ = status;
    fail_body_ = std::move(body);
}

int FakeGoogleOAuth::tokens_issued() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return issued_;
}

std::vector<std::string> FakeGoogleOAuth::errors() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return errors_;
}

std::string FakeGoogleOAuth::last_token() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return "ya29.test-token-" + std::to_string(issued_);
}

void FakeGoogleOAuth::issue(httplib::Response& res) {
    ++issued_;
    json body = {{"access_token", "ya29.test-token-" + std::to_string(issued_)},
                 {"expires_in", expires_in_},
                 {"token_type", "Bearer"}};
    res.set_content(body.dump(), "application/json");
}

std::string FakeGoogleOAuth::check_jwt(const std::string& jwt) {
    auto dot1 = jwt.find('.');
    auto dot2 = dot1 == std::string::npos ? dot1 : jwt.find('.', dot1 + 1);
    if (dot2 == std::string::npos) return "assertion is not a JWT";
    json header, claims;
    std::string sig;
    auto h = fluxburst::cloud::base64_decode(jwt.substr(0, dot1));
    auto c = fluxburst::cloud::base64_decode(jwt.substr(dot1 + 1, dot2 - dot1 - 1));
    auto s = fluxburst::cloud::base64_decode(jwt.substr(dot2 + 1));
    if (!h || !c || !s) return "JWT parts are not base64url";
    header = json::parse(*h, nullptr, false);
    claims = json::parse(*c, nullptr, false);
    sig = *s;
    if (!header.is_object() || !claims.is_object()) return "JWT header or claims are not objects";
    if (jwt.find_first_of("+/=") != std::string::npos)
        return "JWT is not base64url without padding";
    if (header.value("alg", "") != "RS256") return "alg is not RS256";
    if (header.value("kid", "") != expect_.key_id) return "kid is not the key id";
    if (!verify_rs256(expect_.public_key_pem, jwt.substr(0, dot2), sig)) return "bad signature";
    if (claims.value("iss", "") != expect_.client_email) return "iss is not the client email";
    if (claims.value("scope", "") != expect_.scope) return "wrong scope";
    if (claims.value("aud", "") != token_uri()) return "aud is not the token URI";
    if (!claims["iat"].is_number_integer() || !claims["exp"].is_number_integer())
        return "iat/exp not integers";
    long long iat = claims["iat"], exp = claims["exp"], now = now_seconds();
    if (iat < now - 60 || iat > now + 60) return "iat is not now";
    if (exp <= iat || exp - iat > 3600) return "exp - iat not in (0, 3600]";
    return "";
}

void FakeGoogleOAuth::token(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto refuse = [&](const std::string& why) {
        errors_.push_back(why);
        res.status = 400;
        res.set_content(json{{"error", "invalid_grant"}, {"error_description", why}}.dump(),
                        "application/json");
    };
    if (fail_status_) {
        res.status = fail_status_;
        res.set_content(fail_body_, "application/json");
        return;
    }
    if (req.get_header_value("Content-Type") != "application/x-www-form-urlencoded")
        return refuse("not a form post");
    std::string grant = req.get_param_value("grant_type");
    if (grant == "urn:ietf:params:oauth:grant-type:jwt-bearer") {
        std::string why = check_jwt(req.get_param_value("assertion"));
        if (!why.empty()) return refuse(why);
    } else if (grant == "refresh_token") {
        if (req.get_param_value("client_id") != expect_.client_id ||
            req.get_param_value("client_secret") != expect_.client_secret ||
            req.get_param_value("refresh_token") != expect_.refresh_token)
            return refuse("wrong client or refresh token");
    } else {
        return refuse("unsupported grant_type " + grant);
    }
    issue(res);
}

}  // namespace test
