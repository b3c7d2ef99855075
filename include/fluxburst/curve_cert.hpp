// ZeroMQ CURVE certificates, as Flux brokers read them (flux keygen's format):
// every broker of an instance, local or remote, loads the same certificate.
#pragma once

#include <string>
#include <string_view>

#include <fluxburst/export.hpp>

namespace fluxburst {

/// A CURVE key pair, in Z85 text (40 characters each).
struct CurveCert {
    std::string name;  ///< metadata name (flux keygen --name)
    std::string public_key;
    std::string secret_key;
};

/// A new key pair from libsodium (crypto_box_keypair: the keys ZeroMQ's CURVE uses).
FLUXBURST_API CurveCert generate_curve_cert(const std::string& name);

/// The certificate file's text (ZPL, as flux keygen writes it).
FLUXBURST_API std::string curve_cert_text(const CurveCert& cert);

/// Parse a certificate file's text; throws Error (naming `origin`) when it has no
/// valid key pair or the public key does not belong to the secret key.
FLUXBURST_API CurveCert parse_curve_cert(std::string_view text, const std::string& origin);

/// Write `cert` to `path` with mode 0600, atomically. Without `overwrite`, an
/// existing file (or symlink) at `path` is refused, naming it; nothing is written.
FLUXBURST_API void write_curve_cert(const std::string& path, const CurveCert& cert,
                                    bool overwrite = false);

/// Z85 (ZeroMQ RFC 32) text of `bytes`, whose length must be a multiple of 4.
FLUXBURST_API std::string z85_encode(std::string_view bytes);
/// The bytes of Z85 text (length a multiple of 5); throws Error when invalid.
FLUXBURST_API std::string z85_decode(std::string_view text);

}  // namespace fluxburst
