#include "job_file.hpp"

#include <fluxburst/error.hpp>

#include <fmt/format.h>
#include <simdjson.h>

namespace fluxburst::job_file {

namespace od = simdjson::ondemand;

namespace {

// A precise location for an error: nlohmann's parser reports line and column.
// Used only once simdjson has already failed, so its cost does not matter.
std::string locate_error(const simdjson::padded_string& text) {
    try {
        nlohmann::json ignored = nlohmann::json::parse(std::string_view(text.data(), text.size()));
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

[[noreturn]] void malformed(const std::string& path, const simdjson::padded_string& text,
                            const std::string& detail) {
    std::string where = locate_error(text);
    throw QueueError(fmt::format(
        "jobs file '{}' is not valid JSON: {}; expected an array of jobs or {{\"jobs\": [...]}}",
        path, where.empty() ? detail : where));
}

nlohmann::json convert(od::value v);

nlohmann::json convert_number(od::value& v) {
    switch (v.get_number_type().value()) {
        case od::number_type::signed_integer: return v.get_int64().value();
        case od::number_type::unsigned_integer: return v.get_uint64().value();
        default: return v.get_double().value();
    }
}

nlohmann::json convert(od::value v) {
    switch (v.type().value()) {
        case od::json_type::object: {
            nlohmann::json out = nlohmann::json::object();
            for (auto field : v.get_object()) {
                std::string key(field.unescaped_key().value());
                out[std::move(key)] = convert(field.value());
            }
            return out;
        }
        case od::json_type::array: {
            nlohmann::json out = nlohmann::json::array();
            for (auto item : v.get_array()) out.push_back(convert(item.value()));
            return out;
        }
        case od::json_type::number: return convert_number(v);
        case od::json_type::string: return std::string(v.get_string().value());
        case od::json_type::boolean: return v.get_bool().value();
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

}  // namespace

std::string describe_malformed(const std::string& path) {
    simdjson::padded_string text;
    if (simdjson::padded_string::load(path).get(text)) return "cannot read jobs file '" + path + "'";
    std::string where = locate_error(text);
    return fmt::format(
        "jobs file '{}' is not valid JSON: {}; expected an array of jobs or {{\"jobs\": [...]}}",
        path, where.empty() ? "a malformed element" : where);
}

Layout scan(const std::string& path, const std::function<void(const Element&)>& visit) {
    simdjson::padded_string text;
    if (auto err = simdjson::padded_string::load(path).get(text)) {
        throw QueueError(fmt::format("cannot read jobs file '{}': {}", path,
                                     err == simdjson::IO_ERROR ? std::strerror(errno ? errno : ENOENT)
                                                               : simdjson::error_message(err)));
    }
    std::string_view all(text.data(), text.size());
    if (all.find_first_not_of(" \t\r\n") == std::string_view::npos)
        throw QueueError(fmt::format(
            "jobs file '{}' is empty; expected an array of jobs or {{\"jobs\": [...]}}", path));
    const char* base = text.data();
    const std::size_t end_capacity = text.size() + simdjson::SIMDJSON_PADDING;
    Layout layout;
    od::parser parser;
    try {
        od::document doc = parser.iterate(text);
        od::array jobs;
        od::json_type top = doc.type().value();
        if (top == od::json_type::object) {
            layout.object_form = true;
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
                    for (auto item : value.get_array()) {
                        std::string_view raw = raw_of(item.value());
                        visit(Element{index++, raw,
                                      end_capacity - static_cast<std::size_t>(raw.data() - base)});
                    }
                } else {
                    std::string_view raw = raw_of(value);
                    if (!layout.other_members.empty()) layout.other_members += ",\n ";
                    layout.other_members += nlohmann::json(std::string(key)).dump();
                    layout.other_members += ": ";
                    layout.other_members += raw;
                }
            }
            if (!found)
                throw QueueError(fmt::format(
                    "jobs file '{}' is an object without a \"jobs\" array; expected an array of "
                    "jobs or {{\"jobs\": [...]}}",
                    path));
        } else if (top == od::json_type::array) {
            std::size_t index = 0;
            for (auto item : doc.get_array()) {
                std::string_view raw = raw_of(item.value());
                visit(Element{index++, raw, end_capacity - static_cast<std::size_t>(raw.data() - base)});
            }
        } else {
            throw QueueError(fmt::format(
                "jobs file '{}' holds a single value; expected an array of jobs or {{\"jobs\": [...]}}",
                path));
        }
        if (const char* loc = nullptr; !doc.current_location().get(loc)) {
            std::string_view rest(loc, static_cast<std::size_t>(text.data() + text.size() - loc));
            if (rest.find_first_not_of(" \t\r\n") != std::string_view::npos)
                malformed(path, text, "trailing content after the document");
        }
    } catch (const simdjson::simdjson_error& e) {
        malformed(path, text, e.what());
    }
    return layout;
}

nlohmann::json to_json(const Element& element) {
    simdjson::padded_string_view view(element.raw.data(), element.raw.size(), element.capacity);
    try {
        od::document doc = element_parser.iterate(view);
        nlohmann::json out;
        switch (doc.type().value()) {
            case od::json_type::object:
            case od::json_type::array: out = convert(doc.get_value().value()); break;
            default:
                // A scalar element: let nlohmann read it (it is not a job anyway).
                out = nlohmann::json::parse(element.raw);
        }
        return out;
    } catch (const simdjson::simdjson_error& e) {
        throw QueueError(fmt::format("element {} is not valid JSON: {}", element.index, e.what()));
    } catch (const nlohmann::json::exception& e) {
        throw QueueError(fmt::format("element {} is not valid JSON: {}", element.index, e.what()));
    }
}

bool read_id(const Element& element, std::uint64_t& id) {
    simdjson::padded_string_view view(element.raw.data(), element.raw.size(), element.capacity);
    try {
        od::document doc = element_parser.iterate(view);
        if (doc.type().value() != od::json_type::object) return false;
        od::object obj = doc.get_object();
        od::value v;
        if (obj.find_field_unordered("id").get(v)) return false;
        return !v.get_uint64().get(id);
    } catch (const simdjson::simdjson_error&) {
        return false;
    }
}

}  // namespace fluxburst::job_file
