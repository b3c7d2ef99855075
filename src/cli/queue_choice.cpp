#include "queue_choice.hpp"

#include <fluxburst/config.hpp>

#include "exit_codes.hpp"

namespace fluxburst::cli {

std::shared_ptr<JobQueue> choose_queue(const QueueChoice& choice) {
    if (!choice.jobs_file.empty() && choice.mock)
        throw UsageError("--jobs and --mock both name where the jobs come from; give only one");
    if (!choice.jobs_file.empty()) return std::make_shared<FileQueue>(choice.jobs_file);
    if (choice.mock) return std::make_shared<MockQueue>();
    if (!choice.config_jobs.empty()) return std::make_shared<FileQueue>(choice.config_jobs);
    if (!choice.required) return nullptr;
    throw UsageError(
        "no job source: give --jobs FILE (a JSON file of jobs), --mock (the built-in sample "
        "queue), or 'jobs' in the [burst] table of a --config file; this build reads no live "
        "Flux queue");
}

}  // namespace fluxburst::cli
