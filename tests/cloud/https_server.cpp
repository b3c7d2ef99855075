#include "https_server.hpp"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdexcept>

namespace test {
namespace {

X509* read_cert(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return cert;
}

EVP_PKEY* read_key(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return key;
}

}  // namespace

HttpsServer::HttpsServer(const TlsIdentity& identity, const std::string& client_ca_pem) {
    server_ = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) {
        X509* cert = read_cert(identity.cert_pem);
        EVP_PKEY* key = read_key(identity.key_pem);
        bool ok = cert && key && SSL_CTX_use_certificate(&ctx, cert) == 1 &&
                  SSL_CTX_use_PrivateKey(&ctx, key) == 1;
        X509_free(cert);
        EVP_PKEY_free(key);
        if (ok && !client_ca_pem.empty()) {
            X509* ca = read_cert(client_ca_pem);
            ok = ca && X509_STORE_add_cert(SSL_CTX_get_cert_store(&ctx), ca) == 1 &&
                 SSL_CTX_add_client_CA(&ctx, ca) == 1;
            X509_free(ca);
            SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, nullptr);
        }
        return ok;
    });
    if (!server_->is_valid()) throw std::runtime_error("test HTTPS server: bad certificate");
    server_->set_read_timeout(std::chrono::seconds(2));
    server_->set_write_timeout(std::chrono::seconds(2));
    server_->set_keep_alive_max_count(1);
}

HttpsServer::~HttpsServer() {
    stop();
}

void HttpsServer::start(int port) {
    if (port > 0) {
        if (!server_->bind_to_port("127.0.0.1", port))
            throw std::runtime_error("test HTTPS server: cannot bind 127.0.0.1:" +
                                     std::to_string(port));
        port_ = port;
    } else {
        port_ = server_->bind_to_any_port("127.0.0.1");
    }
    if (port_ <= 0) throw std::runtime_error("test HTTPS server: cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // stop() does nothing to a server not yet running: wait until it runs.
    for (int i = 0; i < 5000 && !server_->is_running(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void HttpsServer::stop() {
    if (thread_.joinable()) {
        server_->stop();
        thread_.join();
    }
}

std::string HttpsServer::url() const {
    return "https://127.0.0.1:" + std::to_string(port_);
}

std::string HttpsServer::peer_common_name(const httplib::Request& request) {
    if (!request.ssl) return "";
    SSL* ssl = const_cast<SSL*>(request.ssl);
    if (SSL_get_verify_result(ssl) != X509_V_OK) return "";
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (!cert) return "";
    char buf[256] = {0};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
    X509_free(cert);
    return buf;
}

}  // namespace test
