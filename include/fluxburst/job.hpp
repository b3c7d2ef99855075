// Jobs as flux-burst sees them.
//
// A job is a JSON object: the fields Flux's job-list returns (`id`, `state`,
// `nnodes`, `ntasks`, `name`, `annotations`, ...) plus `spec`, the jobspec
// (RFC 14/25). Jobs are shared, never copied, between the queue, the selector, the
// ordering, the plugins and the report: a JobPtr is a shared pointer to a const job.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <fluxburst/export.hpp>

namespace fluxburst {

using JobId = std::uint64_t;
using JobPtr = std::shared_ptr<const nlohmann::json>;

/// Why a job cannot be handled (not an object, no integer id, no spec, a spec
/// member of the wrong type), or nullopt when its shape is sound.
FLUXBURST_API std::optional<std::string> check_job_shape(const nlohmann::json& job);

/// The job's id; throws fluxburst::Error if it has none.
FLUXBURST_API JobId job_id(const nlohmann::json& job);

/// Nodes the job asks for: job-list's `nnodes`, else the node count of its
/// jobspec's resources, else 1 (a job with only cores still needs a node).
FLUXBURST_API std::int64_t job_nodes(const nlohmann::json& job);

/// Tasks the job asks for: job-list's `ntasks`, else the jobspec's task count, else
/// the node count.
FLUXBURST_API std::int64_t job_tasks(const nlohmann::json& job);

/// True when the jobspec has attributes.system.burstable (a true-ish value).
FLUXBURST_API bool job_is_burstable(const nlohmann::json& job);

/// The plugin a job was scheduled to: the jobspec's
/// attributes.system."burst-scheduled", or a Flux memo annotations.user.fluxburst.plugin.
FLUXBURST_API std::optional<std::string> job_burst_plugin(const nlohmann::json& job);

/// Mark a job as scheduled to `plugin` the way the original flux-burst does:
/// attributes.system."burst-scheduled" = plugin, and "burstable" removed.
FLUXBURST_API void mark_job_scheduled(nlohmann::json& job, const std::string& plugin);

/// Flux's job state names: 1 DEPEND... : "NEW", "DEPEND", "PRIORITY", "SCHED",
/// "RUN", "CLEANUP", "INACTIVE"; "UNKNOWN" otherwise.
FLUXBURST_API std::string job_state_name(std::int64_t state);

/// The id in Flux's F58 form ("ƒ" followed by base58 digits), as users see it.
FLUXBURST_API std::string job_id_f58(JobId id);

/// Parse an id given as a decimal number or in F58 form (with "ƒ" or "f").
FLUXBURST_API std::optional<JobId> parse_job_id(const std::string& text);

}  // namespace fluxburst
