// A job's per-job parameter values for one plugin (its burst options checked
// against the plugin's schema), shared by the client's and the controller's
// cycles (private to the library).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <fluxburst/job.hpp>
#include <fluxburst/plugin.hpp>

#include "job_ref.hpp"

namespace fluxburst {

/// The values the job's burst options give plugin p's per-job parameters; null
/// when it sets none (no allocation: the cycle asks this per job and plugin, and
/// keeps it per accepted job). Throws ParamError naming the job, the key and the fix.
nlohmann::json job_params_for(const BurstPlugin& p, const Job& job);

/// BurstRequest::job_params for jobs asking `values`: always an object.
inline nlohmann::json request_job_params(const nlohmann::json& values) {
    return values.is_null() ? nlohmann::json::object() : values;
}

/// job_params_for(p, job), or nothing when the job's burst options are not p's to
/// take: then the reason (the ParamError's message) is appended to `reasons`.
std::optional<nlohmann::json> offered_job_params(const BurstPlugin& p, const Job& job,
                                                 std::vector<std::string>& reasons);

/// The parameters of p's burst for jobs asking `values`: p.params() with them applied.
Params burst_params(const BurstPlugin& p, const nlohmann::json& values);

/// A job is skipped (not merely unmatched) when every plugin it was offered to
/// refused its burst options: `option_errors` of the `offered` plugins did.
inline bool skipped_for_options(std::size_t option_errors, std::size_t offered) {
    return option_errors > 0 && option_errors == offered;
}

}  // namespace fluxburst
