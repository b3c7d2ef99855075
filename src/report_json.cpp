// BurstReport::write_json: the report's JSON text written as it goes.
//
// to_json() builds a DOM: for a cycle that accepted a million jobs that is
// gigabytes and seconds, then as long again to free. This writes the same text
// as to_json().dump(2), byte for byte, with only a small buffer: the long
// per-job arrays are written member by member; the short parts (plugins, held,
// timings) are built as before and re-indented.
#include <fluxburst/report.hpp>

#include <ostream>
#include <string_view>

#include <fmt/format.h>

namespace fluxburst {

namespace {

class Writer {
public:
    explicit Writer(std::ostream& out) : out_(out) { buf_.reserve(limit + 4096); }
    ~Writer() = default;
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    void flush() {
        out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
        buf_.clear();
    }
    Writer& raw(std::string_view text) {
        buf_.append(text.data(), text.size());
        if (buf_.size() >= limit) flush();
        return *this;
    }
    Writer& number(std::uint64_t v) { return raw(fmt::format_int(v).str()); }
    Writer& number(std::int64_t v) { return raw(fmt::format_int(v).str()); }
    // A JSON string as nlohmann writes it: plain text directly, anything it
    // would escape or check (control characters, quotes, backslashes, non-ASCII
    // bytes, which it validates as UTF-8) through nlohmann itself.
    Writer& string(std::string_view s) {
        for (char c : s) {
            auto u = static_cast<unsigned char>(c);
            if (u < 0x20 || u >= 0x80 || c == '"' || c == '\\')
                return raw(nlohmann::json(std::string(s)).dump());
        }
        buf_ += '"';
        buf_.append(s.data(), s.size());
        buf_ += '"';
        return raw({});
    }
    // An "ƒ..." id: our own UTF-8, written as it is.
    Writer& f58(JobId id) {
        buf_ += '"';
        buf_ += job_id_f58(id);
        buf_ += '"';
        return raw({});
    }
    // A built value as dump(2) prints it at `indent` spaces.
    Writer& value(const nlohmann::json& v, int indent) {
        std::string text = v.dump(2);
        std::string pad = "\n" + std::string(static_cast<std::size_t>(indent), ' ');
        std::size_t at = 0;
        for (std::size_t nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1) {
            buf_.append(text, at, nl - at);
            buf_ += pad;
        }
        buf_.append(text, at, std::string::npos);
        return raw({});
    }
    Writer& key(int indent, std::string_view name) {
        buf_ += '\n';
        buf_.append(static_cast<std::size_t>(indent), ' ');
        buf_ += '"';
        buf_.append(name.data(), name.size());
        return raw("\": ");
    }

    // An array member of the top-level object, its elements written by `each`.
    template <typename T, typename F>
    void array(const char* name, const std::vector<T>& items, F each) {
        key(2, name);
        if (items.empty()) {
            raw("[]");
        } else {
            raw("[");
            for (std::size_t i = 0; i < items.size(); ++i) {
                raw(i ? ",\n    " : "\n    ");
                each(items[i]);
            }
            raw("\n  ]");
        }
    }

private:
    static constexpr std::size_t limit = 1 << 16;
    std::ostream& out_;
    std::string buf_;
};

}  // namespace

void BurstReport::write_json(std::ostream& out) const {
    // Members in nlohmann's order (sorted by key), as to_json().dump(2) has them.
    Writer w(out);
    w.raw("{");
    w.array("assignments", assignments, [&](const Assignment& a) {
        w.raw("{").key(6, "f58").f58(a.id).raw(",").key(6, "id").number(a.id);
        w.raw(",").key(6, "name").string(a.name).raw(",").key(6, "nodes").number(a.nodes);
        w.raw(",").key(6, "plugin").string(a.plugin).raw(",").key(6, "tasks").number(a.tasks);
        w.raw("\n    }");
    });
    w.raw(",").key(2, "dry_run").raw(dry_run ? "true" : "false");
    if (!held.empty()) {
        BurstReport part;
        part.held = held;
        w.raw(",").key(2, "held").value(part.to_json()["held"], 2);
    }
    w.raw(",").key(2, "jobs_seen").number(static_cast<std::uint64_t>(jobs_seen));
    w.raw(",").key(2, "ok").raw(ok() ? "true" : "false");
    w.raw(",");
    {
        // A few outcomes: built as to_json() builds them.
        BurstReport part;
        part.plugins = plugins;
        w.key(2, "plugins").value(part.to_json()["plugins"], 2);
    }
    w.raw(",").key(2, "queue").string(queue).raw(",");
    w.array("selected", selected, [&](JobId id) {
        w.raw("{").key(6, "f58").f58(id).raw(",").key(6, "id").number(id).raw("\n    }");
    });
    w.raw(",");
    w.array("skipped", skipped, [&](const Skipped& s) {
        w.raw("{").key(6, "job").string(s.job).raw(",").key(6, "reason").string(s.reason);
        w.raw("\n    }");
    });
    w.raw(",");
    {
        BurstReport part;
        part.timings = timings;
        w.key(2, "timings").value(part.to_json()["timings"], 2);
    }
    w.raw(",");
    w.array("unmatched", unmatched, [&](const Unmatched& u) {
        w.raw("{").key(6, "f58").f58(u.id).raw(",").key(6, "id").number(u.id);
        w.raw(",").key(6, "name").string(u.name).raw(",").key(6, "nodes").number(u.nodes);
        w.raw(",").key(6, "reasons");
        if (u.reasons.empty()) {
            w.raw("[]");
        } else {
            w.raw("[");
            for (std::size_t i = 0; i < u.reasons.size(); ++i)
                w.raw(i ? ",\n        " : "\n        ").string(u.reasons[i]);
            w.raw("\n      ]");
        }
        w.raw("\n    }");
    });
    w.raw("\n}");
    w.flush();
}

}  // namespace fluxburst
