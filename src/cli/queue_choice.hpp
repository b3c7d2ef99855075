// Where the jobs come from: the one place that decides which JobQueue the command
// uses.
#pragma once

#include <memory>
#include <string>

#include <fluxburst/queue.hpp>

namespace fluxburst::cli {

struct QueueChoice {
    std::string jobs_file;    ///< --jobs FILE
    bool mock = false;        ///< --mock
    std::string config_jobs;  ///< [burst] jobs in the config file (already resolved)
    bool required = true;     ///< false for subcommands that read no jobs
};

/// The queue to read jobs from, in this order: --jobs FILE (FileQueue), --mock
/// (MockQueue with the sample job), [burst] jobs of the config file (FileQueue).
/// With none of them: a UsageError naming these options, or nullptr when
/// `!required` (the client then uses an in-memory queue).
///
/// The live Flux backend plugs in here: when FLUX_URI is set and the build has
/// FLUXBURST_HAVE_FLUX (<fluxburst/config.hpp>), the Flux queue is the default
/// instead of the error.
std::shared_ptr<JobQueue> choose_queue(const QueueChoice& choice);

}  // namespace fluxburst::cli
