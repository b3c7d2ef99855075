#include "job_file.hpp"

#include <fluxburst/error.hpp>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace fluxburst::job_file {

namespace od = simdjson::ondemand;

namespace {

// A precise location for an error: nlohmann's parser reports line and column.
// Used only once simdjson has already failed, so its cost does not matter.
std::string locate_error(const Text& text) {
    try {
        nlohmann::json ignored =
            nlohmann::json::parse(std::string_view(text.bytes.data(), text.bytes.size()));
        (void)ignored;
    } catch (const nlohmann::json::parse_error& e) {
        std::string what = e.what();
        auto pos = what.find("parse error");
        return pos == std::string::npos ? what : what.substr(pos);
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}

[[noreturn]] void malformed(const std::string& path, const Text& text, const std::string& detail) {
    std::string where = locate_error(text);
    throw QueueError(fmt::format(
        "jobs file '{}' is not valid JSON: {}; expected an array of jobs or {{\"jobs\": [...]}}",
        path, where.empty() ? detail : where));
}

nlohmann::json convert(od::value v);

nlohmann::json convert_number(od::value& v) {
    switch (v.get_number_type().value()) {
        case od::number_type::signed_integer:
            return v.get_int64().value();
        case od::number_type::unsigned_integer:
            return v.get_uint64().value();
        default:
            return v.get_double().value();
    }
}

nlohmann::json convert(od::value v) {
    switch (v.type().value()) {
        case od::json_type::object: {
            nlohmann::json out = nlohmann::json::object();
            auto& obj = *out.get_ptr<nlohmann::json::object_t*>();
            for (auto field : v.get_object()) {
                std::string key(field.unescaped_key().value());
                // the last of duplicate keys wins, as with nlohmann's own parser
                obj.insert_or_assign(obj.end(), std::move(key), convert(field.value()));
            }
            return out;
        }
        case od::json_type::array: {
            nlohmann::json out = nlohmann::json::array();
            for (auto item : v.get_array()) out.push_back(convert(item.value()));
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

std::string_view raw_of(od::value v) {
    switch (v.type().value()) {
        case od::json_type::object: {
            od::object o = v.get_object();
            return o.raw_json().value();
        }
        case od::json_type::array: {
            od::array a = v.get_array();
            return a.raw_json().value();
        }
        default: {
            std::string_view tok = v.raw_json_token();
            // raw_json_token keeps trailing white space; drop it.
            while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\n' || tok.back() == '\r' ||
                                    tok.back() == '\t'))
                tok.remove_suffix(1);
            return tok;
        }
    }
}

thread_local od::parser element_parser;

od::document iterate(const Element& element) {
    simdjson::padded_string_view view(element.raw.data(), element.raw.size(), element.capacity);
    return element_parser.iterate(view);
}

}  // namespace

Text load(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw QueueError(fmt::format("cannot read jobs file '{}': {}", path, std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int err = errno;
        ::close(fd);
        throw QueueError(
            fmt::format("cannot read jobs file '{}': {}", path,
                        S_ISDIR(st.st_mode) ? "it is a directory" : std::strerror(err)));
    }
    Text text{
        simdjson::padded_string(static_cast<std::size_t>(st.st_size)),
        FileId{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
               static_cast<std::uint64_t>(st.st_size), st.st_mtim.tv_sec, st.st_mtim.tv_nsec}};
    std::size_t done = 0;
    while (done < text.bytes.size()) {
        ssize_t n = ::read(fd, text.bytes.data() + done, text.bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
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

void scan(const std::string& path, const Text& text,
          const std::function<void(const Element&)>& visit) {
    std::string_view all(text.bytes.data(), text.bytes.size());
    if (all.find_first_not_of(" \t\r\n") == std::string_view::npos)
        throw QueueError(fmt::format(
            "jobs file '{}' is empty; expected an array of jobs or {{\"jobs\": [...]}}", path));
    const char* base = text.bytes.data();
    const std::size_t end_capacity = text.bytes.size() + simdjson::SIMDJSON_PADDING;
    auto element = [&](std::size_t index, od::value value) {
        std::string_view raw = raw_of(value);
        auto offset = static_cast<std::size_t>(raw.data() - base);
        visit(Element{index, raw, offset, end_capacity - offset});
    };
    od::parser parser;
    try {
        od::document doc = parser.iterate(text.bytes);
        od::json_type top = doc.type().value();
        if (top == od::json_type::object) {
            bool found = false;
            for (auto field : doc.get_object()) {
                std::string_view key = field.unescaped_key().value();
                od::value value = field.value();
                if (key == "jobs" && !found) {
                    if (value.type().value() != od::json_type::array)
                        throw QueueError(fmt::format(
                            "jobs file '{}': member \"jobs\" must be an array of jobs", path));
                    found = true;
                    std::size_t index = 0;
                    for (auto item : value.get_array()) element(index++, item.value());
                } else {
                    (void)raw_of(value);  // skip it
                }
            }
            if (!found)
                throw QueueError(fmt::format(
                    "jobs file '{}' is an object without a \"jobs\" array; expected an array of "
                    "jobs or {{\"jobs\": [...]}}",
                    path));
        } else if (top == od::json_type::array) {
            std::size_t index = 0;
            for (auto item : doc.get_array()) element(index++, item.value());
        } else {
            throw QueueError(
                fmt::format("jobs file '{}' holds a single value; expected an array of jobs or "
                            "{{\"jobs\": [...]}}",
                            path));
        }
        if (const char* loc = nullptr; !doc.current_location().get(loc)) {
            std::string_view rest(loc, static_cast<std::size_t>(base + text.bytes.size() - loc));
            if (rest.find_first_not_of(" \t\r\n") != std::string_view::npos)
                malformed(path, text, "trailing content after the document");
        }
    } catch (const simdjson::simdjson_error& e) {
        malformed(path, text, e.what());
    }
}

nlohmann::json to_json(const Element& element) {
    try {
        od::document doc = iterate(element);
        switch (doc.type().value()) {
            case od::json_type::object:
            case od::json_type::array:
                return convert(doc.get_value().value());
            default:
                // A scalar element: let nlohmann read it (it is not a job anyway).
                return nlohmann::json::parse(element.raw);
        }
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
bool is_int(od::value v) {
    od::json_type t;
    if (v.type().get(t) || t != od::json_type::number) return false;
    od::number_type nt;
    return !v.get_number_type().get(nt) && nt != od::number_type::floating_point_number;
}
bool truthy(od::value v) {
    od::json_type t;
    if (v.type().get(t)) return true;
    switch (t) {
        case od::json_type::null:
            return false;
        case od::json_type::boolean:
            return v.get_bool().value_unsafe();
        case od::json_type::number: {
            double d = 0;
            return v.get_double().get(d) || d != 0;
        }
        case od::json_type::string: {
            std::string_view s;
            return v.get_string().get(s) || !s.empty();
        }
        default:
            return true;
    }
}
}  // namespace

void summarize(const Element& element, JobSummary& summary, bool& has_id, std::uint64_t& id) {
    summary = JobSummary{};
    has_id = false;
    try {
        od::document doc = iterate(element);
        od::json_type t;
        if (doc.type().get(t) || t != od::json_type::object) return;
        bool spec_ok = false, id_ok = false;
        for (auto field : doc.get_object()) {
            std::string_view key = field.unescaped_key().value();
            od::value v = field.value();
            if (key == "id") {
                std::int64_t signed_id = 0;
                if (!v.get_uint64().get(id)) {
                    has_id = id_ok = true;
                } else if (!v.get_int64().get(signed_id)) {
                    return;  // negative: malformed
                } else {
                    return;
                }
            } else if (key == "nnodes" || key == "ntasks" || key == "state") {
                if (!is_int(v)) return;
            } else if (key == "annotations") {
                od::object ann;
                if (v.get_object().get(ann)) return;
                for (auto a : ann) {
                    if (a.unescaped_key().value() != "user") continue;
                    od::object user;
                    if (a.value().get_object().get(user)) continue;
                    for (auto u : user) {
                        if (u.unescaped_key().value() == "fluxburst")
                            summary.burst_scheduled = true;
                    }
                }
            } else if (key == "spec") {
                od::object spec;
                if (v.get_object().get(spec)) return;
                for (auto s : spec) {
                    std::string_view skey = s.unescaped_key().value();
                    od::value sv = s.value();
                    if (skey == "resources") {
                        if (sv.type().value() != od::json_type::array) return;
                    } else if (skey == "attributes") {
                        od::object attrs;
                        if (sv.get_object().get(attrs)) return;
                        for (auto a : attrs) {
                            if (a.unescaped_key().value() != "system") continue;
                            od::object sys;
                            if (a.value().get_object().get(sys)) return;
                            for (auto f : sys) {
                                std::string_view fkey = f.unescaped_key().value();
                                if (fkey == "burstable")
                                    summary.burstable = truthy(f.value());
                                else if (fkey == "burst-scheduled") {
                                    od::json_type ft;
                                    od::value fv = f.value();
                                    if (!fv.type().get(ft) && ft == od::json_type::string)
                                        summary.burst_scheduled = true;
                                }
                            }
                        }
                    }
                }
                spec_ok = true;
            }
        }
        summary.shape_ok = id_ok && spec_ok;
    } catch (const simdjson::simdjson_error&) {
        summary.shape_ok = false;
    }
}

}  // namespace fluxburst::job_file
