#include "test_rsa_key.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <functional>
#include <memory>
#include <stdexcept>

namespace test {

namespace {
std::string pem_of(const std::function<int(BIO*)>& write) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio || write(bio.get()) != 1) throw std::runtime_error("writing a test key failed");
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}
}  // namespace

TestRsaKey make_rsa_key() {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
    if (!key) throw std::runtime_error("RSA key generation failed");
    return {pem_of([&](BIO* b) {
                return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr,
                                                nullptr);
            }),
            pem_of([&](BIO* b) { return PEM_write_bio_PUBKEY(b, key.get()); })};
}

const TestRsaKey& shared_rsa_key() {
    static const TestRsaKey key = make_rsa_key();
    return key;
}

}  // namespace test
