#include <fluxburst/queue.hpp>

#include <fluxburst/atomic_file.hpp>
#include <fluxburst/error.hpp>

#include <map>

#include <fmt/format.h>

#include "job_file.hpp"

namespace fluxburst {

FileQueue::FileQueue(std::string path) : path_(std::move(path)) {}

FileQueue::~FileQueue() = default;

std::string FileQueue::describe() const { return fmt::format("jobs file '{}'", path_); }

void FileQueue::for_each_job(const std::function<void(JobPtr job)>& visit,
                             const std::function<void(QueueProblem problem)>&) {
    job_file::scan(path_, [&](const job_file::Element& element) {
        nlohmann::json job;
        try {
            job = job_file::to_json(element);
        } catch (const QueueError&) {
            // The scan skips over elements without checking them; a bad element
            // makes the whole file malformed, reported with its position.
            throw QueueError(job_file::describe_malformed(path_));
        }
        visit(std::make_shared<const nlohmann::json>(std::move(job)));
    });
}

JobPtr FileQueue::lookup(JobId id) {
    JobPtr found;
    job_file::scan(path_, [&](const job_file::Element& element) {
        std::uint64_t element_id = 0;
        if (!found && job_file::read_id(element, element_id) && element_id == id)
            found = std::make_shared<const nlohmann::json>(job_file::to_json(element));
    });
    return found;
}

std::optional<std::string> FileQueue::state(JobId id) { return JobQueue::state(id); }

void FileQueue::mark_scheduled(const std::vector<JobMark>& marks) {
    if (marks.empty()) return;
    std::map<JobId, const JobMark*> wanted;
    for (const auto& mark : marks) wanted[mark.id] = &mark;
    std::map<JobId, bool> done;
    std::string out;
    bool first = true;
    job_file::Layout layout = job_file::scan(path_, [&](const job_file::Element& element) {
        out += first ? "\n  " : ",\n  ";
        first = false;
        std::uint64_t id = 0;
        auto it = job_file::read_id(element, id) ? wanted.find(id) : wanted.end();
        if (it == wanted.end() || done[id]) {
            out.append(element.raw.data(), element.raw.size());  // untouched, byte for byte
            return;
        }
        nlohmann::json job = job_file::to_json(element);
        if (check_job_shape(job))
            throw QueueError(fmt::format("{}: cannot mark job {} scheduled: {}", describe(), id,
                                         *check_job_shape(job)));
        mark_job_scheduled(job, it->second->plugin);
        out += job.dump();
        done[id] = true;
    });
    for (const auto& mark : marks) {
        if (!done[mark.id])
            throw QueueError(fmt::format("{}: cannot mark job {} ({}) scheduled: the file no longer "
                                         "holds it; nothing was written",
                                         describe(), mark.id, job_id_f58(mark.id)));
    }
    std::string doc;
    if (layout.object_form) {
        doc = "{\"jobs\": [" + out + (first ? "]" : "\n]");
        if (!layout.other_members.empty()) doc += ",\n " + layout.other_members;
        doc += "}\n";
    } else {
        doc = "[" + out + (first ? "]\n" : "\n]\n");
    }
    try {
        write_file_atomically(path_, doc);
    } catch (const Error& e) {
        throw QueueError(fmt::format("{}: cannot record scheduled jobs: {}", describe(), e.what()));
    }
}

}  // namespace fluxburst
