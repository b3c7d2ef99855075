#include <fluxburst/queue.hpp>

#include <fluxburst/atomic_file.hpp>
#include <fluxburst/error.hpp>
#include "job_ref.hpp"
#include "logger.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "atomic_file_writer.hpp"
#include "file_lock.hpp"
#include "job_fields.hpp"
#include "job_file.hpp"
#include "job_file_positions.hpp"

namespace fluxburst {

namespace {
using job_file::Position;
using job_file::Positions;

void remember(Positions& positions, JobId id, const job_file::Element& e) {
    positions.add(Position{id, e.index, e.offset, e.raw.size()});  // the first of duplicates
}

// The file a path names after following symbolic links (the path itself when it
// cannot be resolved: the write then reports why).
std::string real_path(const std::string& path) {
    char* resolved = ::realpath(path.c_str(), nullptr);
    if (!resolved) return path;
    std::string out = resolved;
    std::free(resolved);
    return out;
}

// How long marking waits for a producer holding "<path>.lock".
constexpr std::chrono::milliseconds data_lock_wait{10000};

// Write `text` with the bytes of `patches` (sorted by offset) replaced; every
// other byte is kept as it was.
struct Patch {
    Position range;
    std::string text;
};
void write_patched(const std::string& path, const std::string& what, const job_file::Text& text,
                   std::vector<Patch>& patches) {
    std::sort(patches.begin(), patches.end(),
              [](const Patch& a, const Patch& b) { return a.range.offset < b.range.offset; });
    std::vector<std::string_view> out;
    out.reserve(patches.size() * 2 + 1);
    std::size_t at = 0;
    for (const auto& p : patches) {
        out.emplace_back(text.bytes.data() + at, p.range.offset - at);
        out.emplace_back(p.text);
        at = p.range.offset + p.range.length;
    }
    out.emplace_back(text.bytes.data() + at, text.bytes.size() - at);
    try {
        // Through a symbolic link to its target: the producer keeps writing the file
        // it knows, and the link stays a link.
        write_file_atomically(real_path(path), out);
    } catch (const Error& e) {
        throw QueueError(fmt::format("{}: cannot record scheduled jobs: {}", what, e.what()));
    }
}

class FileClaim : public QueueClaim {
public:
    FileClaim(const std::string& path, const std::string& what, const std::string& holder)
        : lock_(path, std::chrono::milliseconds(0), what) {
        lock_.write_note(holder);
    }

private:
    FileLock lock_;
};
}  // namespace

struct FileQueue::Watch {
    int fd = -1;
    std::string name;  // the file's name in its directory
    ~Watch() {
        if (fd >= 0) ::close(fd);
    }
};

// Where each job was in the file at the last complete scan, so that marking can
// rewrite just those bytes when the file has not changed since.
struct FileQueue::Listing {
    job_file::FileId file;
    Positions positions;
};

FileQueue::FileQueue(std::string path) : path_(std::move(path)) {}

FileQueue::~FileQueue() = default;

std::string FileQueue::describe() const {
    return fmt::format("jobs file '{}'", path_);
}

void FileQueue::for_each_job(const std::function<void(JobPtr job)>& visit,
                             const std::function<void(QueueProblem problem)>& problem) {
    scan_jobs(visit, problem, nullptr);
}

namespace {
// How the report names an entry (the queue names the file): its id when it has
// one, else its position in the jobs array.
std::string entry_where(const detail::JobFields& f, const job_file::Element& e) {
    if (f.has_id) return std::to_string(f.id);
    return fmt::format("entry {}", e.index);
}
}  // namespace

std::size_t FileQueue::scan_jobs(const std::function<void(JobPtr job)>& visit,
                                 const std::function<void(QueueProblem problem)>& problem,
                                 const JobWanted& want) {
    job_file::Text text = job_file::load(path_);
    auto listing = std::make_shared<Listing>();
    listing->file = text.id;
    listing->positions.reserve(text.bytes.size() / 512);
    std::size_t entries = 0;
    job_file::scan(path_, text, [&](const job_file::Element& element) {
        ++entries;
        detail::JobFields fields;
        std::optional<std::string> bad;
        try {
            bad = job_file::read_fields(element, fields);
        } catch (const QueueError&) {
            // A bad element makes the whole file malformed, reported with its position.
            throw QueueError(job_file::describe_malformed(path_, text));
        }
        if (bad) {
            problem(QueueProblem{entry_where(fields, element), *bad});
            return;
        }
        auto [held, fresh] = listing->positions.add(
            Position{fields.id, element.index, element.offset, element.raw.size(),
                     fields.burst_scheduled || fields.memo_plugin});
        if (!fresh) {
            // Only the first copy is ever marked: a second would burst again every cycle.
            problem(QueueProblem{
                entry_where(fields, element),
                fmt::format("element {} repeats the id of element {}; each job must appear once",
                            element.index, held->index)});
            return;
        }
        if (want) {
            JobSummary summary;
            summary.burstable = fields.burstable;
            summary.burst_scheduled = fields.burst_scheduled || fields.memo_plugin;
            if (!want(summary)) return;
        }
        std::string where = entry_where(fields, element);
        try {
            visit(detail::make_job(std::move(fields), std::string(element.raw), std::nullopt));
        } catch (const JobError& e) {
            problem(QueueProblem{where, e.what()});
        }
    });
    listing_ = std::move(listing);
    return entries;
}

JobPtr FileQueue::lookup(JobId id) {
    job_file::Text text = job_file::load(path_);
    JobPtr found;
    job_file::scan(path_, text, [&](const job_file::Element& element) {
        std::uint64_t element_id = 0;
        if (found || !job_file::read_id(element, element_id) || element_id != id) return;
        detail::JobFields fields;
        if (job_file::read_fields(element, fields)) return;  // malformed: not a job
        found = detail::make_job(std::move(fields), std::string(element.raw), std::nullopt);
    });
    return found;
}

void FileQueue::mark_scheduled(const std::vector<JobMark>& marks) {
    if (marks.empty()) return;
    FileLock lock(path_ + ".lock", data_lock_wait, describe());
    job_file::Text text = job_file::load(path_);
    Positions scanned;
    const Positions* positions = nullptr;
    // Unchanged since the listing: positions hold, and the jobs there were read
    // whole and found sound, so their text can be edited in place.
    bool listed = listing_ && listing_->file == text.id;
    if (listed) {
        positions = &listing_->positions;
    } else {
        job_file::scan(path_, text, [&](const job_file::Element& element) {
            std::uint64_t id = 0;
            if (job_file::read_id(element, id)) remember(scanned, id, element);
        });
        positions = &scanned;
    }
    const std::size_t end_capacity = text.bytes.size() + simdjson::SIMDJSON_PADDING;
    auto element_at = [&](const Position& p) {
        return job_file::Element{p.index, std::string_view(text.bytes.data() + p.offset, p.length),
                                 p.offset, end_capacity - p.offset};
    };
    // First check that the file holds every job, none of them marked yet: any
    // problem leaves the file untouched.
    struct Edit {
        const Position* at;
        const JobMark* mark;
    };
    std::vector<Edit> edits;
    edits.reserve(marks.size());
    for (const auto& mark : marks) {
        const Position* p = positions->find(mark.id);
        if (!p)
            throw QueueError(
                fmt::format("{}: cannot mark {} scheduled: the file no longer "
                            "holds it; nothing was written",
                            describe(), job_label(mark.id)));
        edits.push_back(Edit{p, &mark});
    }
    for (const Edit& edit : edits) {
        // A listed job was read whole then and the file is unchanged: its flag holds.
        bool marked = edit.at->marked;
        if (!listed) {
            job_file::Element element = element_at(*edit.at);
            detail::JobFields now;
            if (job_file::read_fields(element, now)) {
                now = detail::JobFields{};  // malformed now: look at its JSON as it is
                detail::fields_from_json(job_file::to_json(element), now);
            }
            marked = now.burst_scheduled || now.memo_plugin;
        }
        if (marked)
            throw QueueError(fmt::format(
                "{}: {} is already marked scheduled; is another controller using this "
                "file? Nothing was written",
                describe(), job_label(edit.mark->id)));
    }
    // In file order; a job marked twice is written once, as its first mark says.
    std::stable_sort(edits.begin(), edits.end(),
                     [](const Edit& a, const Edit& b) { return a.at->offset < b.at->offset; });
    edits.erase(std::unique(edits.begin(), edits.end(),
                            [](const Edit& a, const Edit& b) { return a.at == b.at; }),
                edits.end());
    // Then write the new file as it is made: every byte outside the marked jobs as
    // it was, each marked job edited as text (from an unchanged listing) or built,
    // checked and written whole. A failure on the way removes the temporary file
    // and leaves the jobs file as it was; the rename happens only at the end.
    try {
        // Through a symbolic link to its target (see write_patched).
        AtomicFileWriter out(real_path(path_), 0644);
        std::string plugin, quoted;  // the last plugin name, and as a JSON string
        std::string edited;
        std::size_t at = 0;
        for (const Edit& edit : edits) {
            const Position& p = *edit.at;
            const JobMark& mark = *edit.mark;
            out.write(std::string_view(text.bytes.data() + at, p.offset - at));
            at = p.offset + p.length;
            if (mark.plugin != plugin || quoted.empty()) {
                plugin = mark.plugin;
                quoted = nlohmann::json(plugin).dump();
            }
            job_file::Element element = element_at(p);
            edited.clear();
            if (!listed || !job_file::mark_text(element, quoted, edited)) {
                edited.clear();
                nlohmann::json job = job_file::to_json(element);
                detail::JobFields fields;
                if (auto bad = detail::fields_from_json(job, fields))
                    throw QueueError(
                        fmt::format("{}: cannot mark {} scheduled: {}; nothing was "
                                    "written",
                                    describe(), job_label(mark.id), *bad));
                detail::mark_job_scheduled(job, mark.plugin);
                edited = job.dump();
            }
            out.write(edited);
        }
        out.write(std::string_view(text.bytes.data() + at, text.bytes.size() - at));
        out.commit();
    } catch (const QueueError&) {
        throw;
    } catch (const Error& e) {
        throw QueueError(fmt::format("{}: cannot record scheduled jobs: {}", describe(), e.what()));
    }
    listing_.reset();
}

void FileQueue::unmark_scheduled(const std::vector<JobPtr>& jobs) {
    std::unordered_map<JobId, JobPtr> originals;
    for (const auto& job : jobs) originals.emplace(job->id(), job);
    if (originals.empty()) return;
    FileLock lock(path_ + ".lock", data_lock_wait, describe());
    job_file::Text text = job_file::load(path_);
    std::vector<Patch> patches;
    job_file::scan(path_, text, [&](const job_file::Element& element) {
        std::uint64_t id = 0;
        if (!job_file::read_id(element, id)) return;
        auto it = originals.find(id);
        if (it == originals.end()) return;
        nlohmann::json now = job_file::to_json(element);
        detail::JobFields fields;
        if (detail::fields_from_json(now, fields) ||
            (!fields.burst_scheduled && !fields.memo_plugin))
            return;  // malformed now, or not marked
        nlohmann::json back = it->second->json();
        if (now.contains("state")) back["state"] = now["state"];
        patches.push_back(
            Patch{Position{id, element.index, element.offset, element.raw.size()}, back.dump()});
        originals.erase(it);  // the first marked copy only
    });
    if (patches.empty()) return;
    write_patched(path_, describe(), text, patches);
    listing_.reset();
}

std::unique_ptr<QueueClaim> FileQueue::claim(const std::string& holder) {
    return std::make_unique<FileClaim>(path_ + ".controller",
                                       describe() + " already has a controller", holder);
}

int FileQueue::event_fd() {
    if (watch_) return watch_->fd;
    auto watch = std::make_shared<Watch>();
    auto slash = path_.rfind('/');
    std::string dir =
        slash == std::string::npos ? "." : (slash == 0 ? "/" : path_.substr(0, slash));
    watch->name = slash == std::string::npos ? path_ : path_.substr(slash + 1);
    watch->fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (watch->fd < 0 ||
        ::inotify_add_watch(watch->fd, dir.c_str(),
                            IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY) < 0) {
        logger()->warn("{}: cannot watch the file for changes ({}); reading it every interval",
                       describe(), std::strerror(errno));
        watch->fd = -1;
    }
    watch_ = watch;
    return watch_->fd;
}

QueueEvents FileQueue::read_events() {
    QueueEvents events;
    if (!watch_ || watch_->fd < 0) return events;
    alignas(struct inotify_event) char buf[8192];
    for (;;) {
        ssize_t n = ::read(watch_->fd, buf, sizeof buf);
        if (n <= 0) break;
        for (char* p = buf; p < buf + n;) {
            auto* ev = reinterpret_cast<struct inotify_event*>(p);
            if ((ev->mask & IN_Q_OVERFLOW) || (ev->len && watch_->name == ev->name))
                events.changed = true;
            p += sizeof(struct inotify_event) + ev->len;
        }
    }
    return events;
}

}  // namespace fluxburst
