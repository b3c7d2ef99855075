// How messages name a job (private to the library): one wording everywhere.
#pragma once

#include <string>

#include <fluxburst/job.hpp>

namespace fluxburst {

/// "ƒ3 (2)": a job's F58 id, then its decimal one.
std::string job_ref(JobId id);
/// "job ƒ3 (2)": how messages name a job.
std::string job_label(JobId id);

}  // namespace fluxburst
