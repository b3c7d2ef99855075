#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fluxburst/curve_cert.hpp>
#include <fluxburst/error.hpp>
#include <string>

#include "text.hpp"

namespace fluxburst {

namespace {

const char z85_chars[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

void init_sodium() {
    if (::sodium_init() < 0) throw Error("libsodium could not be initialised (sodium_init)");
}

std::string system_error(const std::string& what, const std::string& path) {
    return what + " '" + path + "': " + std::strerror(errno);
}

// A key = "value" line of the certificate's curve section.
bool key_value(const std::string& line, std::string& key, std::string& value) {
    auto eq = line.find('=');
    if (eq == std::string::npos) return false;
    key = text::trim(line.substr(0, eq));
    value = text::trim(line.substr(eq + 1));
    if (value.size() < 2 || value.front() != '"' || value.back() != '"') return false;
    value = value.substr(1, value.size() - 2);
    return true;
}

}  // namespace

std::string z85_encode(std::string_view bytes) {
    if (bytes.size() % 4 != 0)
        throw Error("z85: " + std::to_string(bytes.size()) + " bytes is not a multiple of 4");
    std::string out;
    out.reserve(bytes.size() / 4 * 5);
    for (std::size_t i = 0; i < bytes.size(); i += 4) {
        std::uint32_t v = 0;
        for (std::size_t j = 0; j < 4; ++j) v = v * 256 + static_cast<unsigned char>(bytes[i + j]);
        char chunk[5];
        for (int j = 4; j >= 0; --j) {
            chunk[j] = z85_chars[v % 85];
            v /= 85;
        }
        out.append(chunk, 5);
    }
    return out;
}

std::string z85_decode(std::string_view text) {
    if (text.size() % 5 != 0)
        throw Error("z85: " + std::to_string(text.size()) + " characters is not a multiple of 5");
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += 5) {
        std::uint64_t v = 0;
        for (std::size_t j = 0; j < 5; ++j) {
            const char* p = std::strchr(z85_chars, text[i + j]);
            if (!p || text[i + j] == '\0')
                throw Error(std::string("z85: invalid character '") + text[i + j] + "'");
            v = v * 85 + static_cast<std::uint64_t>(p - z85_chars);
        }
        if (v > 0xffffffffu) throw Error("z85: a group of five characters exceeds 32 bits");
        for (int j = 3; j >= 0; --j) out += static_cast<char>((v >> (8 * j)) & 0xff);
    }
    return out;
}

CurveCert generate_curve_cert(const std::string& name) {
    init_sodium();
    unsigned char pk[crypto_box_PUBLICKEYBYTES];
    unsigned char sk[crypto_box_SECRETKEYBYTES];
    static_assert(sizeof(pk) == 32 && sizeof(sk) == 32, "CURVE keys are 32 bytes");
    if (::crypto_box_keypair(pk, sk) != 0) throw Error("libsodium could not make a key pair");
    CurveCert cert;
    cert.name = name;
    cert.public_key = z85_encode(std::string_view(reinterpret_cast<char*>(pk), sizeof(pk)));
    cert.secret_key = z85_encode(std::string_view(reinterpret_cast<char*>(sk), sizeof(sk)));
    ::sodium_memzero(sk, sizeof(sk));
    return cert;
}

std::string curve_cert_text(const CurveCert& cert) {
    for (char c : cert.name)
        if (c == '"' || c == '\n' || c == '\r' || c == '\\')
            throw Error("curve certificate name '" + cert.name +
                        "' contains a quote, backslash or line break");
    std::string out =
        "#  ZeroMQ CURVE **Secret** Certificate\n"
        "#  DO NOT DISTRIBUTE\n"
        "\n"
        "metadata\n";
    if (!cert.name.empty()) out += "    name = \"" + cert.name + "\"\n";
    out += "    generator = \"flux-burst\"\n";
    out += "curve\n";
    out += "    public-key = \"" + cert.public_key + "\"\n";
    out += "    secret-key = \"" + cert.secret_key + "\"\n";
    return out;
}

CurveCert parse_curve_cert(std::string_view text_in, const std::string& origin) {
    CurveCert cert;
    std::string section;
    for (const std::string& raw : text::split(std::string(text_in), '\n')) {
        bool indent = !raw.empty() && (raw[0] == ' ' || raw[0] == '\t');
        std::string line = text::trim(raw);
        if (line.empty() || line[0] == '#') continue;
        if (!indent) {
            section = line;
            continue;
        }
        std::string key, value;
        if (!key_value(line, key, value)) continue;
        if (section == "metadata" && key == "name") cert.name = value;
        if (section != "curve") continue;
        if (key == "public-key") cert.public_key = value;
        if (key == "secret-key") cert.secret_key = value;
    }
    if (cert.public_key.size() != 40 || cert.secret_key.size() != 40)
        throw Error(origin +
                    ": not a CURVE certificate (no 40-character public-key and "
                    "secret-key in a 'curve' section); make one with flux keygen or "
                    "flux-burst setup");
    std::string pk, sk;
    try {
        pk = z85_decode(cert.public_key);
        sk = z85_decode(cert.secret_key);
    } catch (const Error& e) {
        throw Error(origin + ": the keys are not valid Z85 text (" + e.what() + ")");
    }
    init_sodium();
    unsigned char derived[crypto_scalarmult_BYTES];
    if (::crypto_scalarmult_base(derived, reinterpret_cast<const unsigned char*>(sk.data())) != 0 ||
        std::memcmp(derived, pk.data(), sizeof(derived)) != 0)
        throw Error(origin + ": the public key does not belong to the secret key");
    return cert;
}

void write_curve_cert(const std::string& path, const CurveCert& cert, bool overwrite) {
    std::string content = curve_cert_text(cert);
    struct stat st {};
    if (!overwrite && ::lstat(path.c_str(), &st) == 0)
        throw Error("the certificate '" + path +
                    "' already exists; keep it, or allow replacing it (overwrite)");
    static std::atomic<unsigned> counter{0};
    std::string tmp =
        path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw Error(system_error("cannot create the certificate", tmp));
    bool ok = ::fchmod(fd, 0600) == 0;  // whatever the umask
    std::size_t done = 0;
    while (ok && done < content.size()) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ok = false;
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    int saved = errno;
    ::close(fd);
    if (!ok) {
        ::unlink(tmp.c_str());
        errno = saved;
        throw Error(system_error("cannot write the certificate", tmp));
    }
    // Without overwrite, link() puts it in place only if nothing is there (atomic).
    int rc = overwrite ? ::rename(tmp.c_str(), path.c_str()) : ::link(tmp.c_str(), path.c_str());
    saved = errno;
    ::unlink(tmp.c_str());
    if (rc != 0) {
        errno = saved;
        if (saved == EEXIST)
            throw Error("the certificate '" + path +
                        "' already exists; keep it, or allow replacing it (overwrite)");
        throw Error(system_error("cannot install the certificate", path));
    }
}

}  // namespace fluxburst
