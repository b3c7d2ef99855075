#include "terminal_text.hpp"

#include <algorithm>

namespace fluxburst::cli {

namespace {

// The length of the UTF-8 sequence starting at text[i] and its code point, or 0
// when it is not well-formed (overlong forms, surrogates and values past U+10FFFF
// included).
std::size_t utf8_sequence(std::string_view text, std::size_t i, char32_t& cp) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char c = byte(i);
    std::size_t n = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
    if (n == 0 || i + n > text.size()) return 0;
    cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    static const char32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

bool unsafe(char32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||     // C0, DEL, C1
           (cp >= 0x202A && cp <= 0x202E) ||              // bidirectional embeddings, overrides
           (cp >= 0x2066 && cp <= 0x2069) ||              // bidirectional isolates
           cp == 0x200E || cp == 0x200F || cp == 0x061C;  // direction marks
}

}  // namespace

std::string terminal_text(std::string_view text, std::size_t max_chars) {
    std::string out;
    out.reserve(std::min(text.size(), max_chars * 4 + 3));
    std::size_t chars = 0;
    for (std::size_t i = 0; i < text.size();) {
        if (chars == max_chars) {
            out += "...";
            break;
        }
        char32_t cp = 0;
        std::size_t n = utf8_sequence(text, i, cp);
        if (n == 0) {
            out += '?';
            i += 1;
        } else {
            if (unsafe(cp))
                out += '?';
            else
                out.append(text.substr(i, n));
            i += n;
        }
        ++chars;
    }
    return out;
}

}  // namespace fluxburst::cli
