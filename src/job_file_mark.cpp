// Marking a job in a jobs file by editing its text (private to the library).
//
// Building a whole job and writing it out again costs far more than the edit
// needs: only spec.attributes.system changes. This finds that object with
// simdjson's On-Demand API and rewrites it alone, copying every other byte.
#include "job_file.hpp"

#include <vector>

namespace fluxburst::job_file {

namespace {

namespace od = simdjson::ondemand;

thread_local od::parser mark_parser;

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                             text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

// A member value's exact text (simdjson's raw text keeps trailing white space).
std::string_view value_text(od::value v) {
    switch (v.type().value()) {
        case od::json_type::object:
            return trimmed(v.get_object().value().raw_json().value());
        case od::json_type::array:
            return trimmed(v.get_array().value().raw_json().value());
        default:
            return trimmed(v.raw_json_token());
    }
}

// The text of the object reached from `object` by the member names in `path`.
// False when a member is absent, not an object, or appears twice (then which one
// counts is the full parser's business).
bool find_object(od::object object, const char* const* path, std::size_t depth,
                 std::string_view& out) {
    bool found = false;
    for (auto member : object) {
        if (member.unescaped_key().value() != path[0]) continue;
        if (found) return false;
        found = true;
        od::object child;
        if (member.value().get_object().get(child)) return false;
        if (depth == 1) {
            out = trimmed(child.raw_json().value());
        } else if (!find_object(child, path + 1, depth - 1, out)) {
            return false;
        }
    }
    return found;
}

// Bytes readable from `at` within the element's buffer (simdjson's padding included).
std::size_t capacity_at(const Element& element, const char* at) {
    return element.capacity - static_cast<std::size_t>(at - element.raw.data());
}

}  // namespace

bool mark_text(const Element& element, const std::string& quoted_plugin, std::string& out) {
    try {
        std::string_view system;
        {
            simdjson::padded_string_view view(element.raw.data(), element.raw.size(),
                                              element.capacity);
            od::document doc = mark_parser.iterate(view);
            od::object job;
            if (doc.get_object().get(job)) return false;
            static const char* const path[] = {"spec", "attributes", "system"};
            if (!find_object(job, path, 3, system)) return false;
        }
        simdjson::padded_string_view view(system.data(), system.size(),
                                          capacity_at(element, system.data()));
        od::document doc = mark_parser.iterate(view);
        out.append(element.raw.data(),
                   static_cast<std::size_t>(system.data() - element.raw.data()));
        out += '{';
        std::vector<std::string_view> keys;
        for (auto result : doc.get_object()) {
            od::field member;
            if (std::move(result).get(member)) return false;
            const char* begin = member.key().raw() - 1;  // the key's opening quote
            std::string_view key = member.unescaped_key().value();
            for (std::string_view seen : keys)
                if (seen == key) return false;  // repeated: the full parser decides
            keys.push_back(key);
            std::string_view value = value_text(member.value());
            if (key == "burstable" || key == "burst-scheduled") continue;
            out.append(begin, static_cast<std::size_t>(value.data() + value.size() - begin));
            out += ',';
        }
        out += "\"burst-scheduled\":";
        out += quoted_plugin;
        out += '}';
        const char* after = system.data() + system.size();
        out.append(after,
                   static_cast<std::size_t>(element.raw.data() + element.raw.size() - after));
        return true;
    } catch (const simdjson::simdjson_error&) {
        return false;
    }
}

}  // namespace fluxburst::job_file
