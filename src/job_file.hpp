// Reading a jobs file one element at a time (private to the library).
//
// A jobs file is a JSON array of jobs, or an object whose "jobs" member is one.
// The scanner parses it with simdjson's On-Demand API and hands out each job's
// raw text; `to_json` turns such text into an nlohmann::json.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace fluxburst::job_file {

/// One element of the jobs array: its index and its exact text in the file.
struct Element {
    std::size_t index = 0;
    std::string_view raw;
    std::size_t capacity = 0;  ///< bytes readable from raw.data() (>= raw.size() + padding)
};

/// The layout of the file, to write it back in the same shape.
struct Layout {
    bool object_form = false;          ///< {"jobs": [...], ...} rather than [...]
    std::string other_members;         ///< raw `"key": value` pairs besides "jobs", comma-joined
};

/// Scan `path`; call `visit` for each element. Throws QueueError naming the file
/// and the position when it is missing, empty, not JSON or of the wrong shape.
Layout scan(const std::string& path, const std::function<void(const Element&)>& visit);

/// The full error message for a malformed file, with line and column.
std::string describe_malformed(const std::string& path);

/// Parse one element's text. Throws QueueError on malformed text.
nlohmann::json to_json(const Element& element);

/// The element's "id" when it is an object with a non-negative integer id.
bool read_id(const Element& element, std::uint64_t& id);

}  // namespace fluxburst::job_file
