#include "job_file.hpp"

#include <fluxburst/error.hpp>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace fluxburst::job_file {

namespace od = simdjson::ondemand;

namespace {

// A SAX handler that keeps nothing but the first error: it finds where a file
// stops being JSON in memory bounded by its longest string, not its size.
struct ErrorOnly {
    std::string error;
    bool null() { return true; }
    bool boolean(bool) { return true; }
    bool number_integer(nlohmann::json::number_integer_t) { return true; }
    bool number_unsigned(nlohmann::json::number_unsigned_t) { return true; }
    bool number_float(nlohmann::json::number_float_t, const std::string&) { return true; }
    bool string(std::string&) { return true; }
    bool binary(nlohmann::json::binary_t&) { return true; }
    bool start_object(std::size_t) { return true; }
    bool key(std::string&) { return true; }
    bool end_object() { return true; }
    bool start_array(std::size_t) { return true; }
    bool end_array() { return true; }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
        error = e.what();
        return false;
    }
};

// A precise location for an error (line and column). Used only once simdjson has
// already failed, so its cost does not matter; its memory does (no DOM).
std::string locate_error(const Text& text) {
    ErrorOnly sax;
    const char* begin = text.bytes.data();
    try {
        nlohmann::json::sax_parse(begin, begin + text.bytes.size(), &sax);
    } catch (const std::exception& e) {
        sax.error = e.what();
    }
    auto pos = sax.error.find("parse error");
    return pos == std::string::npos ? sax.error : sax.error.substr(pos);
}

[[noreturn]] void malformed(const std::string& path, const Text& text, const std::string& detail) {
    std::string where = locate_error(text);
    throw QueueError(fmt::format(
        "jobs file '{}' is not valid JSON: {}; expected an array of jobs or {{\"jobs\": [...]}}",
        path, where.empty() ? detail : where));
}

nlohmann::json convert(od::value v, int depth);

bool is_space(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

nlohmann::json convert_number(od::value& v) {
    switch (v.get_number_type().value()) {
        case od::number_type::signed_integer: {
            std::int64_t i = 0;
            if (!v.get_int64().get(i)) return i;
            break;
        }
        case od::number_type::unsigned_integer: {
            std::uint64_t u = 0;
            if (!v.get_uint64().get(u)) return u;
            break;
        }
        default: {
            double d = 0;
            if (!v.get_double().get(d)) return d;
            break;
        }
    }
    // An integer beyond 64 bits (simdjson may call it unsigned): a double, as
    // nlohmann's parser reads it.
    std::string_view token = v.raw_json_token();
    while (!token.empty() && is_space(token.back())) token.remove_suffix(1);
    bool negative = !token.empty() && token[0] == '-';
    double d = 0;
    auto [ptr, ec] = std::from_chars(token.data() + (negative ? 1 : 0), token.data() + token.size(), d);
    (void)ptr;
    if (ec != std::errc()) throw simdjson::simdjson_error(simdjson::NUMBER_ERROR);
    return negative ? -d : d;
}

struct TooDeep {};

nlohmann::json convert(od::value v, int depth) {
    od::json_type type = v.type().value();
    if ((type == od::json_type::object || type == od::json_type::array) && depth > max_job_depth)
        throw TooDeep{};
    switch (type) {
        case od::json_type::object: {
            nlohmann::json out = nlohmann::json::object();
            auto& obj = *out.get_ptr<nlohmann::json::object_t*>();
            for (auto field : v.get_object()) {
                std::string key(field.unescaped_key().value());
                // the last of duplicate keys wins, as with nlohmann's own parser
                obj.insert_or_assign(obj.end(), std::move(key), convert(field.value(), depth + 1));
            }
            return out;
        }
        case od::json_type::array: {
            nlohmann::json out = nlohmann::json::array();
            for (auto item : v.get_array()) out.push_back(convert(item.value(), depth + 1));
            return out;
        }
        case od::json_type::number:
            return convert_number(v);
        case od::json_type::string:
            return std::string(v.get_string().value());
        case od::json_type::boolean:
            return v.get_bool().value();
        case od::json_type::null:
            if (!v.is_null().value()) throw simdjson::simdjson_error(simdjson::INCORRECT_TYPE);
            return nullptr;
    }
    return nullptr;
}

thread_local od::parser element_parser;

od::document iterate(const Element& element) {
    simdjson::padded_string_view view(element.raw.data(), element.raw.size(), element.capacity);
    return element_parser.iterate(view);
}

}  // namespace

Text load(const std::string& path) {
    // Non-blocking: opening a FIFO must not wait for a writer.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        throw QueueError(fmt::format("cannot read jobs file '{}': {}", path, std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        throw QueueError(fmt::format("cannot read jobs file '{}': {}", path, std::strerror(err)));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        const char* kind = S_ISDIR(st.st_mode)    ? "a directory"
                           : S_ISFIFO(st.st_mode) ? "a FIFO (named pipe)"
                           : S_ISCHR(st.st_mode)  ? "a character device"
                           : S_ISBLK(st.st_mode)  ? "a block device"
                           : S_ISSOCK(st.st_mode) ? "a socket"
                                                  : "not a regular file";
        throw QueueError(
            fmt::format("cannot read jobs file '{}': it is {}; a jobs file must be a regular file",
                        path, kind));
    }
    Text text{
        simdjson::padded_string(static_cast<std::size_t>(st.st_size)),
        FileId{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
               static_cast<std::uint64_t>(st.st_size), st.st_mtim.tv_sec, st.st_mtim.tv_nsec}};
    std::size_t done = 0;
    while (done < text.bytes.size()) {
        ssize_t n = ::read(fd, text.bytes.data() + done, text.bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;  // not for files
        if (n <= 0) {
            int err = n < 0 ? errno : 0;
            ::close(fd);
            throw QueueError(fmt::format("cannot read jobs file '{}': {}", path,
                                         err ? std::strerror(err) : "it shrank while being read"));
        }
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return text;
}

std::string describe_malformed(const std::string& path, const Text& text) {
    std::string where = locate_error(text);
    return fmt::format(
        "jobs file '{}' is not valid JSON: {}; expected an array of jobs or {{\"jobs\": [...]}}",
        path, where.empty() ? "a malformed element" : where);
}

namespace {

// Where the walk found that the bytes are not JSON; scan() turns it into the
// file's full message, with line and column.
struct NotJson {
    const char* what;
};

const char* skip_space(const char* p, const char* end) {
    while (p < end && is_space(*p)) ++p;
    return p;
}

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The code unit of a \uXXXX escape at `p` (just after the backslash), or -1.
long unicode_escape(const char* p, const char* end) {
    if (end - p < 5 || p[0] != 'u') return -1;
    long unit = 0;
    for (int i = 1; i <= 4; ++i) {
        char c = p[i];
        if (!is_hex(c)) return -1;
        unit = unit * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return unit;
}

// One escape, at the backslash `p` inside a string: as JSON (RFC 8259) and
// nlohmann's parser allow them, one of \" \\ \/ \b \f \n \r \t, or \uXXXX where a
// high surrogate is followed by an escaped low one and a low one never stands
// alone. Returns just after it. (Control characters and UTF-8 are checked by
// simdjson's first stage over each element.)
const char* skip_escape(const char* p, const char* end) {
    ++p;
    if (p >= end) throw NotJson{"a bad escape in a string"};
    switch (*p) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            return p + 1;
        default:
            break;
    }
    long unit = unicode_escape(p, end);
    if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF)) throw NotJson{"a bad escape in a string"};
    p += 5;
    if (unit >= 0xD800 && unit <= 0xDBFF) {
        long low = (end - p >= 1 && *p == '\\') ? unicode_escape(p + 1, end) : -1;
        if (low < 0xDC00 || low > 0xDFFF) throw NotJson{"a bad escape in a string"};
        p += 6;
    }
    return p;
}

// From an opening quote to just after its closing quote, its escapes checked.
// A byte loop: the strings of a job are mostly short, where two memchr calls
// (for the quote, then for a backslash before it) cost more than the loop.
const char* skip_string(const char* p, const char* end) {
    ++p;
    for (;;) {
        while (p < end && *p != '"' && *p != '\\') ++p;
        if (p >= end) throw NotJson{"a string is not closed"};
        if (*p == '"') return p + 1;
        p = skip_escape(p, end);
    }
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Whether a number (checked against the grammar) is finite as a double: nlohmann's
// parser refuses one that overflows ("number overflow"), small or not. Only one
// with an exponent or more digits than a 64-bit integer can overflow.
bool number_is_finite(std::string_view number) {
    bool exponent = number.find_first_of("eE") != std::string_view::npos;
    if (!exponent && number.size() <= 20) return true;
    double value = 0;
    const char* first = number.data() + (number[0] == '-' ? 1 : 0);
    auto [ptr, ec] = std::from_chars(first, number.data() + number.size(), value);
    (void)ptr;
    if (ec != std::errc::result_out_of_range) return true;
    // Out of range either way: too small (underflow, read as 0) or too large.
    // The decimal exponent of the first significant digit tells which.
    std::string_view digits = number.substr(static_cast<std::size_t>(first - number.data()));
    std::size_t e = digits.find_first_of("eE");
    long long exp10 = 0;
    if (e != std::string_view::npos) {
        std::string_view ex = digits.substr(e + 1);
        bool negative = !ex.empty() && ex[0] == '-';
        if (!ex.empty() && (ex[0] == '-' || ex[0] == '+')) ex.remove_prefix(1);
        for (char c : ex) exp10 = std::min<long long>(exp10 * 10 + (c - '0'), 1000000000LL);
        if (negative) exp10 = -exp10;
        digits = digits.substr(0, e);
    }
    std::size_t point = digits.find('.');
    std::string_view whole = digits.substr(0, point);
    std::size_t lead = whole.find_first_not_of('0');
    if (lead != std::string_view::npos)
        return exp10 + static_cast<long long>(whole.size() - lead) - 1 < 0;
    if (point == std::string_view::npos) return true;  // zero
    std::string_view fraction = digits.substr(point + 1);
    lead = fraction.find_first_not_of('0');
    if (lead == std::string_view::npos) return true;  // zero
    return exp10 - static_cast<long long>(lead) - 1 < 0;
}

// A number, true, false or null: from its first byte to just after it, checked
// against JSON's grammar (nlohmann's parser accepts the same).
const char* skip_atom(const char* p, const char* end) {
    const char* start = p;
    while (p < end && !is_space(*p) && *p != ',' && *p != ']' && *p != '}' && *p != ':' &&
           *p != '"' && *p != '[' && *p != '{')
        ++p;
    std::string_view atom(start, static_cast<std::size_t>(p - start));
    if (atom.empty()) throw NotJson{"a value is missing"};
    if (atom == "true" || atom == "false" || atom == "null") return p;
    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    const char* q = start;
    if (q < p && *q == '-') ++q;
    if (q < p && *q == '0') {
        ++q;
    } else if (q < p && is_digit(*q)) {
        while (q < p && is_digit(*q)) ++q;
    } else {
        throw NotJson{"a bad value"};
    }
    if (q < p && *q == '.') {
        ++q;
        if (q == p || !is_digit(*q)) throw NotJson{"a bad number"};
        while (q < p && is_digit(*q)) ++q;
    }
    if (q < p && (*q == 'e' || *q == 'E')) {
        ++q;
        if (q < p && (*q == '+' || *q == '-')) ++q;
        if (q == p || !is_digit(*q)) throw NotJson{"a bad number"};
        while (q < p && is_digit(*q)) ++q;
    }
    if (q != p) throw NotJson{"a bad value"};
    if (!number_is_finite(atom)) throw NotJson{"a number too large for a double"};
    return p;
}

// A member name and its colon, at `p`; returns where its value begins.
const char* skip_name(const char* p, const char* end) {
    if (p >= end || *p != '"') throw NotJson{"a member name is missing"};
    p = skip_space(skip_string(p, end), end);
    if (p >= end || *p != ':') throw NotJson{"a ':' is missing"};
    return skip_space(p + 1, end);
}

// From the first byte of a value to just after it, checked against JSON's
// grammar without recursion (`open` holds the brackets open); `depth` is its
// nesting (0 for a scalar, 1 for a flat object or array).
const char* skip_value(const char* p, const char* end, std::size_t& depth, std::string& open) {
    depth = 0;
    open.clear();
    for (;;) {
        // A value begins at p.
        if (p >= end) throw NotJson{"a value is missing"};
        if (*p == '{' || *p == '[') {
            char closer = *p == '{' ? '}' : ']';
            open.push_back(*p);
            depth = std::max(depth, open.size());
            p = skip_space(p + 1, end);
            if (p < end && *p == closer) {
                open.pop_back();
                ++p;
            } else {
                if (closer == '}') p = skip_name(p, end);
                continue;
            }
        } else if (*p == '"') {
            p = skip_string(p, end);
        } else {
            p = skip_atom(p, end);
        }
        // After a value: the next one in its container, or the container's end.
        for (;;) {
            if (open.empty()) return p;
            p = skip_space(p, end);
            char closer = open.back() == '{' ? '}' : ']';
            if (p < end && *p == closer) {
                open.pop_back();
                ++p;
                continue;
            }
            if (p >= end) throw NotJson{"a bracket is not closed"};
            if (*p != ',')
                throw NotJson{closer == '}' ? "a comma or '}' is missing"
                                            : "a comma or ']' is missing"};
            p = skip_space(p + 1, end);
            if (closer == '}') p = skip_name(p, end);
            break;
        }
    }
}

// A member of the top-level object other than "jobs": checked as JSON (nlohmann's
// parser keeps its own stack: no recursion, whatever the depth), not kept.
void check_member(const char* p, std::size_t size) {
    if (!nlohmann::json::accept(std::string_view(p, size))) throw NotJson{"a bad value"};
}

// A member name of the top-level object: checked whole by nlohmann's parser (its
// UTF-8 and control characters too: no element's first stage reads it).
std::string member_name(const char* begin, const char* end) {
    std::string_view quoted(begin, static_cast<std::size_t>(end - begin));
    if (!nlohmann::json::accept(quoted)) throw NotJson{"a bad member name"};
    std::string_view inner(begin + 1, static_cast<std::size_t>(end - begin - 2));
    if (inner.find('\\') == std::string_view::npos) return std::string(inner);
    try {
        return nlohmann::json::parse(std::string_view(begin, static_cast<std::size_t>(end - begin)))
            .get<std::string>();
    } catch (const nlohmann::json::exception&) {
        throw NotJson{"a bad member name"};
    }
}

}  // namespace

void scan(const std::string& path, const Text& text,
          const std::function<void(const Element&)>& visit) {
    const char* base = text.bytes.data();
    const char* end = base + text.bytes.size();
    const std::size_t end_capacity = text.bytes.size() + simdjson::SIMDJSON_PADDING;
    std::string open;  // the brackets open in the value being skipped
    // The elements of the array at `p`; returns just after it.
    auto elements = [&](const char* p) {
        p = skip_space(p + 1, end);
        if (p < end && *p == ']') return p + 1;
        for (std::size_t index = 0;; ++index) {
            std::size_t depth = 0;
            const char* stop = skip_value(p, end, depth, open);
            auto offset = static_cast<std::size_t>(p - base);
            visit(Element{index, std::string_view(p, static_cast<std::size_t>(stop - p)), offset,
                          end_capacity - offset,
                          static_cast<int>(std::min<std::size_t>(depth, max_job_depth + 1))});
            p = skip_space(stop, end);
            if (p < end && *p == ']') return p + 1;
            if (p >= end || *p != ',') throw NotJson{"a comma or ']' is missing"};
            p = skip_space(p + 1, end);
        }
    };
    const char* p = skip_space(base, end);
    if (p == end)
        throw QueueError(fmt::format(
            "jobs file '{}' is empty; expected an array of jobs or {{\"jobs\": [...]}}", path));
    try {
        if (*p == '[') {
            p = elements(p);
        } else if (*p == '{') {
            bool found = false;
            p = skip_space(p + 1, end);
            bool more = p < end && *p != '}';
            if (!more) ++p;
            while (more) {
                if (p >= end || *p != '"') throw NotJson{"a member name is missing"};
                const char* name_end = skip_string(p, end);
                std::string name = member_name(p, name_end);
                p = skip_space(name_end, end);
                if (p >= end || *p != ':') throw NotJson{"a ':' is missing"};
                p = skip_space(p + 1, end);
                if (name == "jobs" && !found) {
                    if (p >= end || *p != '[') {
                        std::size_t depth = 0;
                        const char* stop = skip_value(p, end, depth, open);  // not JSON: that first
                        check_member(p, static_cast<std::size_t>(stop - p));
                        throw QueueError(fmt::format(
                            "jobs file '{}': member \"jobs\" must be an array of jobs", path));
                    }
                    found = true;
                    p = elements(p);
                } else {
                    std::size_t depth = 0;
                    const char* stop = skip_value(p, end, depth, open);
                    check_member(p, static_cast<std::size_t>(stop - p));
                    p = stop;
                }
                p = skip_space(p, end);
                if (p < end && *p == '}') {
                    ++p;
                    break;
                }
                if (p >= end || *p != ',') throw NotJson{"a comma or '}' is missing"};
                p = skip_space(p + 1, end);
            }
            if (!found)
                throw QueueError(fmt::format(
                    "jobs file '{}' is an object without a \"jobs\" array; expected an array of "
                    "jobs or {{\"jobs\": [...]}}",
                    path));
        } else {
            if (end - p >= 3 && std::string_view(p, 3) == "\xEF\xBB\xBF")
                throw NotJson{"a byte order mark (U+FEFF) before the document"};
            if (!nlohmann::json::accept(std::string_view(p, static_cast<std::size_t>(end - p))))
                throw NotJson{"not a JSON value"};
            throw QueueError(
                fmt::format("jobs file '{}' holds a single value; expected an array of jobs or "
                            "{{\"jobs\": [...]}}",
                            path));
        }
        if (skip_space(p, end) != end) throw NotJson{"trailing content after the document"};
    } catch (const NotJson& e) {
        malformed(path, text, e.what);
    }
}

nlohmann::json to_json(const Element& element) {
    try {
        od::document doc = iterate(element);
        switch (doc.type().value()) {
            case od::json_type::object:
            case od::json_type::array:
                return convert(doc.get_value().value(), 1);
            default:
                // A scalar element: let nlohmann read it (it is not a job anyway).
                return nlohmann::json::parse(element.raw);
        }
    } catch (const TooDeep&) {
        throw QueueError(fmt::format("element {} is nested deeper than {} levels", element.index,
                                     max_job_depth));
    } catch (const simdjson::simdjson_error& e) {
        throw QueueError(fmt::format("element {} is not valid JSON: {}", element.index, e.what()));
    } catch (const nlohmann::json::exception& e) {
        throw QueueError(fmt::format("element {} is not valid JSON: {}", element.index, e.what()));
    }
}

bool read_id(const Element& element, std::uint64_t& id) {
    try {
        od::document doc = iterate(element);
        if (doc.type().value() != od::json_type::object) return false;
        od::object obj = doc.get_object();
        od::value v;
        if (obj.find_field_unordered("id").get(v)) return false;
        return !v.get_uint64().get(id);
    } catch (const simdjson::simdjson_error&) {
        return false;
    }
}

namespace {

// Why the fast path gives up on a job: the built JSON decides instead.
struct Doubt {};

// An On-Demand result as the fast path reads it: true with the value, false when
// the value is of another type. Any other error means the text is not what the
// full parse would read (On-Demand checks a value only when it is visited), so
// the built JSON decides.
template <typename T, typename Result>
bool got(Result&& result, T& out) {
    simdjson::error_code error = std::forward<Result>(result).get(out);
    if (!error) return true;
    if (error == simdjson::INCORRECT_TYPE) return false;
    throw Doubt{};
}

// Keys looked at in one object, to notice a repeated one.
class Seen {
public:
    // True the first time `index` is seen.
    bool first(int index) {
        unsigned bit = 1u << index;
        if (mask_ & bit) return false;
        mask_ |= bit;
        return true;
    }

private:
    unsigned mask_ = 0;
};

int key_index(std::string_view key, std::initializer_list<std::string_view> keys) {
    int i = 0;
    for (std::string_view k : keys) {
        if (k == key) return i;
        ++i;
    }
    return -1;
}

nlohmann::json small(od::value v) {
    return convert(v, 1);
}

void check(std::optional<std::string> bad, std::optional<std::string>& out) {
    if (bad && !out) out = std::move(bad);
}

// Read an integer field as the built JSON would; a float or other type is a doubt.
std::optional<std::string> count_field(const char* key, od::value v, std::int64_t& out) {
    od::number_type nt;
    if (v.get_number_type().get(nt)) throw Doubt{};
    if (nt == od::number_type::signed_integer) {
        std::int64_t s = v.get_int64().value();
        return detail::read_count_value(key, true, false, 0, s, out);
    }
    if (nt == od::number_type::unsigned_integer) {
        std::uint64_t u = v.get_uint64().value();
        return detail::read_count_value(key, true, true, u, 0, out);
    }
    throw Doubt{};
}

// A count as the built JSON reads it, for the fast path: an integer (negative or
// out of range: a doubt, the full path words the error), anything else 1.
std::int64_t fast_count_value(od::value v) {
    od::json_type t = v.type().value();
    if (t != od::json_type::number) return 1;
    od::number_type nt = v.get_number_type().value();
    if (nt == od::number_type::floating_point_number) return 1;
    if (nt != od::number_type::signed_integer) throw Doubt{};
    std::int64_t n = v.get_int64().value();
    if (n < 0) throw Doubt{};
    return n;
}

std::int64_t fast_mul(std::int64_t a, std::int64_t b) {
    std::int64_t out = 0;
    if (__builtin_mul_overflow(a, b, &out)) throw Doubt{};
    return out;
}

std::int64_t fast_add(std::int64_t a, std::int64_t b) {
    std::int64_t out = 0;
    if (__builtin_add_overflow(a, b, &out)) throw Doubt{};
    return out;
}

// spec.resources without building it: the nodes and slots below `list` as
// detail::read_resources counts them (a resource of the type counted adds its
// count and ends that count's descent; others multiply what is below them).
// Members may come in any order, so each level returns its sums for a
// multiplier of 1 and its parent multiplies. Anything the full path would
// word as an error, or treat differently, is a doubt. `peak` is the largest
// product of counts down any path: the full path refuses a job where one
// overflows, even with nothing counted below it.
struct Counted {
    std::int64_t nodes = 0, slots = 0, peak = 0;
};
Counted fast_resources(od::array list) {
    Counted sum;
    for (auto item : list) {
        od::object r;
        if (!got(item.get_object(), r)) continue;  // not an object: not counted
        Seen seen;
        std::int64_t count = 1;
        bool is_node = false, is_slot = false;
        Counted below;
        for (auto field : r) {
            int k = key_index(field.unescaped_key().value(), {"count", "type", "with"});
            if (k < 0) continue;
            if (!seen.first(k)) throw Doubt{};
            od::value v = field.value();
            if (k == 0) {
                od::object c;
                if (!got(v.get_object(), c)) {
                    count = fast_count_value(v);
                    continue;
                }
                Seen seen_min;
                for (auto m : c) {
                    if (m.unescaped_key().value() != "min") continue;
                    if (!seen_min.first(0)) throw Doubt{};
                    count = fast_count_value(m.value());
                }
            } else if (k == 1) {
                std::string_view type;
                if (got(v.get_string(), type)) {
                    is_node = type == "node";
                    is_slot = type == "slot";
                }
            } else {
                od::array with;
                if (got(v.get_array(), with)) below = fast_resources(with);
            }
        }
        sum.nodes = fast_add(sum.nodes, fast_mul(count, is_node ? 1 : below.nodes));
        sum.slots = fast_add(sum.slots, fast_mul(count, is_slot ? 1 : below.slots));
        sum.peak = std::max({sum.peak, count, fast_mul(count, below.peak)});
    }
    return sum;
}

// spec.tasks without building it, as detail::read_tasks reads it.
void fast_tasks(od::array tasks, detail::JobFields& f) {
    for (auto item : tasks) {
        od::object t;
        if (!got(item.get_object(), t)) continue;
        Seen seen;
        bool has_total = false, has_per_slot = false;
        std::int64_t total = 0, per_slot = 1;
        for (auto field : t) {
            if (field.unescaped_key().value() != "count") continue;
            if (!seen.first(0)) throw Doubt{};
            od::object count;
            if (!got(field.value().get_object(), count)) continue;
            Seen seen_count;
            for (auto c : count) {
                int k = key_index(c.unescaped_key().value(), {"total", "per_slot"});
                if (k < 0) continue;
                if (!seen_count.first(k)) throw Doubt{};
                od::value v = c.value();
                bool integer =
                    v.type().value() == od::json_type::number &&
                    v.get_number_type().value() != od::number_type::floating_point_number;
                if (k == 0) {
                    has_total = integer;
                    if (integer) total = fast_count_value(v);
                } else {
                    has_per_slot = true;
                    if (integer) per_slot = fast_count_value(v);
                }
            }
        }
        if (has_total && total > 0) {
            f.task_totals = fast_add(f.task_totals, total);
            continue;
        }
        if (!has_per_slot) continue;
        f.has_per_slot = true;
        f.per_slot_sum = fast_add(f.per_slot_sum, per_slot > 0 ? per_slot : 1);
    }
}

void read_system(od::object sys, detail::JobFields& f) {
    Seen seen;
    for (auto field : sys) {
        int k = key_index(field.unescaped_key().value(), {"burstable", "burst-scheduled"});
        if (k < 0) continue;
        if (!seen.first(k)) throw Doubt{};
        od::value v = field.value();
        if (k == 0) {
            detail::read_burstable(small(v), f);
        } else {
            std::string_view s;
            if (got(v.get_string(), s)) f.burst_scheduled = std::string(s);
        }
    }
}

std::optional<std::string> read_spec(od::object spec, detail::JobFields& f) {
    std::optional<std::string> bad;
    Seen seen;
    for (auto field : spec) {
        int k = key_index(field.unescaped_key().value(), {"resources", "tasks", "attributes"});
        if (k < 0) continue;
        if (!seen.first(k)) throw Doubt{};
        od::value v = field.value();
        if (k == 0) {
            od::array list;
            if (v.get_array().get(list)) throw Doubt{};  // the full path words it
            Counted c = fast_resources(list);
            f.spec_nodes = c.nodes;
            f.spec_slots = c.slots;
        } else if (k == 1) {
            od::array tasks;
            if (got(v.get_array(), tasks)) fast_tasks(tasks, f);
        } else {
            od::object attrs;
            if (v.get_object().get(attrs)) throw Doubt{};
            Seen seen_attrs;
            for (auto a : attrs) {
                if (a.unescaped_key().value() != "system") continue;
                if (!seen_attrs.first(0)) throw Doubt{};
                od::object sys;
                if (a.value().get_object().get(sys)) throw Doubt{};
                read_system(sys, f);
            }
        }
    }
    return bad;
}

// The fast path: one pass over the element; throws Doubt when unsure.
std::optional<std::string> read_fast(const Element& element, detail::JobFields& f) {
    od::document doc = iterate(element);
    od::object top;
    if (doc.get_object().get(top)) throw Doubt{};
    std::optional<std::string> bad;
    Seen seen;
    for (auto field : top) {
        int k = key_index(field.unescaped_key().value(),
                          {"id", "nnodes", "ntasks", "state", "name", "annotations", "spec"});
        if (k < 0) continue;
        if (!seen.first(k)) throw Doubt{};
        od::value v = field.value();
        switch (k) {
            case 0: {
                std::uint64_t id = 0;
                if (v.get_uint64().get(id)) throw Doubt{};
                f.has_id = true;
                f.id = id;
                break;
            }
            case 1:
                check(count_field("nnodes", v, f.nnodes), bad);
                break;
            case 2:
                check(count_field("ntasks", v, f.ntasks), bad);
                break;
            case 3: {
                std::int64_t state = 0;
                std::uint64_t ustate = 0;
                if (!v.get_int64().get(state))
                    f.state = job_state_from_flux(state);
                else if (!v.get_uint64().get(ustate))
                    f.state = JobState::Unknown;
                else
                    throw Doubt{};
                break;
            }
            case 4: {
                std::string_view name;
                if (got(v.get_string(), name)) f.name = std::string(name);
                break;
            }
            case 5: {
                nlohmann::json ann = small(v);
                if (!ann.is_object()) throw Doubt{};
                detail::read_annotations(ann, f);
                break;
            }
            case 6: {
                od::object spec;
                if (v.get_object().get(spec)) throw Doubt{};
                f.has_spec = true;
                check(read_spec(spec, f), bad);
                break;
            }
        }
    }
    if (!f.has_id || !f.has_spec) throw Doubt{};  // the built JSON names what is missing
    return bad;
}

}  // namespace

std::optional<std::string> read_fields(const Element& element, detail::JobFields& fields) {
    int depth = element.depth >= 0 ? element.depth : detail::text_depth(element.raw, max_job_depth);
    if (depth > max_job_depth) {
        // Not read, but still JSON or not as a whole (its strings' UTF-8 and
        // control characters): nlohmann's parser checks it without recursion.
        if (!nlohmann::json::accept(element.raw))
            throw QueueError(fmt::format("element {} is not valid JSON", element.index));
        fields = detail::JobFields{};
        fields.has_id = read_id(element, fields.id);  // to name it
        return fmt::format("the job is nested deeper than {} levels", max_job_depth);
    }
    try {
        detail::JobFields fast;
        std::optional<std::string> bad = read_fast(element, fast);
        fields = std::move(fast);
        return bad;
    } catch (const Doubt&) {
    } catch (const TooDeep&) {
    } catch (const simdjson::simdjson_error&) {
    }
    nlohmann::json job = to_json(element);  // QueueError: not JSON (the file is malformed)
    fields = detail::JobFields{};
    return detail::fields_from_json(job, fields);
}

}  // namespace fluxburst::job_file
