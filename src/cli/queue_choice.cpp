#include "queue_choice.hpp"

#include <fluxburst/config.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/flux.hpp>

#include <cstdlib>

#include <fmt/format.h>

#include "exit_codes.hpp"

namespace fluxburst::cli {

std::shared_ptr<JobQueue> choose_queue(const QueueChoice& choice) {
    if (!choice.jobs_file.empty() && choice.mock)
        throw UsageError("--jobs and --mock both name where the jobs come from; give only one");
    if (!choice.jobs_file.empty()) return std::make_shared<FileQueue>(choice.jobs_file);
    if (choice.mock) return std::make_shared<MockQueue>();
    if (!choice.config_jobs.empty()) return std::make_shared<FileQueue>(choice.config_jobs);
    if (!choice.required) return nullptr;
    const char* uri = std::getenv("FLUX_URI");
    if (FLUXBURST_HAVE_FLUX && uri && *uri) {
        try {
            return open_flux_queue(uri);  // the enclosing instance, as `flux burst run`
        } catch (const Error& e) {
            throw RuntimeError(e.what());  // names the URI
        }
    }
    throw UsageError(fmt::format(
        "no job source: give --jobs FILE (a JSON file of jobs), --mock (the built-in sample "
        "queue), or 'jobs' in the [burst] table of a --config file{}",
        FLUXBURST_HAVE_FLUX ? ", or run inside a Flux instance (FLUX_URI is not set)"
                            : "; this build reads no live Flux queue"));
}

}  // namespace fluxburst::cli
