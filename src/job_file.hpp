// Reading a jobs file one element at a time (private to the library).
//
// A jobs file is a JSON array of jobs, or an object whose "jobs" member is one.
// The scanner walks it with simdjson's On-Demand API and hands out each job's
// raw text and position; `to_json` turns that text into an nlohmann::json, and
// `read_fields` reads the fields a Job holds, usually without building anything.
#pragma once

#include <fluxburst/queue.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "job_fields.hpp"

namespace fluxburst::job_file {

/// Identity of a file's content as seen by fstat: if it is unchanged, positions
/// recorded at a scan are still valid.
struct FileId {
    std::uint64_t dev = 0, ino = 0, size = 0;
    std::int64_t mtime_sec = 0, mtime_nsec = 0;
    bool operator==(const FileId& o) const {
        return dev == o.dev && ino == o.ino && size == o.size && mtime_sec == o.mtime_sec &&
               mtime_nsec == o.mtime_nsec;
    }
};

/// A loaded file: its bytes (padded for simdjson) and identity.
struct Text {
    simdjson::padded_string bytes;
    FileId id;
};

/// One element of the jobs array: its index and its exact text in the file.
struct Element {
    std::size_t index = 0;
    std::string_view raw;
    std::size_t offset = 0;    ///< position of raw in the file
    std::size_t capacity = 0;  ///< bytes readable from raw.data() (>= raw.size() + padding)
    int depth = -1;            ///< its nesting depth when scan() measured it, else -1
};

/// Read `path`. Throws QueueError naming it when it cannot be read.
Text load(const std::string& path);

/// Append to `out` the element's text with the job marked scheduled to a plugin
/// (`quoted_plugin`: its name as a JSON string). attributes.system gets
/// "burst-scheduled" and loses "burstable", as mark_job_scheduled does; only that
/// object is rewritten, every other byte is kept. False, with `out` possibly
/// extended, when the job is not that simple (no such object, a repeated key on
/// the way): the caller then builds the job and marks it.
bool mark_text(const Element& element, const std::string& quoted_plugin, std::string& out);

/// Walk the jobs of a loaded file, calling `visit` for each element. Throws
/// QueueError naming the file and the position when it is empty, not JSON or of
/// the wrong shape. The walk finds where each element begins and ends and
/// measures its depth in one pass over the bytes, without an index of the whole
/// file, checking JSON's grammar as it goes (structure, numbers, literals,
/// escapes; control characters and UTF-8 are checked by simdjson's first stage
/// when an element is read): a file is malformed exactly when nlohmann's parser
/// says so, wherever the fault is, even in a member no reader looks at. Each
/// element is parsed on its own, when read.
void scan(const std::string& path, const Text& text,
          const std::function<void(const Element&)>& visit);

/// The full error message for a malformed file, with line and column.
std::string describe_malformed(const std::string& path, const Text& text);

/// Parse one element's text. Throws QueueError on malformed text (or nesting
/// deeper than max_job_depth).
nlohmann::json to_json(const Element& element);

/// The element's "id" when it is an object with a non-negative integer id.
bool read_id(const Element& element, std::uint64_t& id);

/// Read a job's fields from the element, without building its JSON when the
/// fast path is sure (no repeated keys where it looks), else from its built JSON:
/// the same answer either way. Returns why it is malformed, or nullopt; throws
/// QueueError when the element is not JSON at all (then the file is malformed).
std::optional<std::string> read_fields(const Element& element, detail::JobFields& fields);

}  // namespace fluxburst::job_file
