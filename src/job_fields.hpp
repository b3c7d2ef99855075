// Reading a job's fields into a fluxburst::Job (private to the library).
//
// Two readers fill JobFields: fields_from_json (a built nlohmann::json) and the
// jobs file's fast path (job_file::read_fields, straight from the text). Both use
// the same rules below, and whenever the fast path is in doubt (a repeated key)
// it falls back to the built JSON, so both give the same answer for any input.
#pragma once

#include <fluxburst/job.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace fluxburst::detail {

/// What a reader found in one job, before it becomes a Job.
struct JobFields {
    bool has_id = false;
    JobId id = 0;
    bool has_spec = false;
    std::int64_t nnodes = 0;  ///< job-list's nnodes (0: absent)
    std::int64_t ntasks = 0;  ///< job-list's ntasks (0: absent)
    JobState state = JobState::Unknown;
    std::string name;
    bool burstable = false;
    nlohmann::json burst_options;                ///< system.burstable when an object, else null
    std::optional<std::string> burst_scheduled;  ///< spec attributes.system."burst-scheduled"
    std::optional<std::string> memo_plugin;  ///< annotations.user.fluxburst ("unknown" w/o plugin)
    std::int64_t spec_nodes = 0;             ///< node count of spec.resources
    std::int64_t spec_slots = 0;             ///< slot count of spec.resources
    std::int64_t task_totals = 0;            ///< sum of spec.tasks[].count.total
    std::int64_t per_slot_sum = 0;           ///< sum of per_slot factors of other tasks
    bool has_per_slot = false;
};

/// Fill `f` from a job's JSON. Returns why the job is malformed, or nullopt.
std::optional<std::string> fields_from_json(const nlohmann::json& job, JobFields& f);

/// The rules for the pieces both readers hand over as small built values.
/// Each returns why the piece is malformed, or nullopt.
std::optional<std::string> read_resources(const nlohmann::json& resources, JobFields& f);
std::optional<std::string> read_tasks(const nlohmann::json& tasks, JobFields& f);
void read_burstable(const nlohmann::json& value, JobFields& f);
void read_annotations(const nlohmann::json& annotations, JobFields& f);
/// A job-list count or state field: an integer in range, else why not.
std::optional<std::string> read_count_field(const char* key, const nlohmann::json& value,
                                            std::int64_t& out);
/// Integer values as both readers see them: signed, or unsigned above INT64_MAX.
std::optional<std::string> read_count_value(const char* key, bool is_integer, bool is_unsigned,
                                            std::uint64_t u, std::int64_t s, std::int64_t& out);

/// Deepest nesting in a JSON value (iterative: bounded stack use for any input).
int json_depth(const nlohmann::json& value, int limit);
/// The same over JSON text (strings skipped); stops counting past `limit`.
int text_depth(std::string_view text, int limit);

struct JobAccess {
    /// Make the Job: computes nodes and tasks with checked arithmetic. Returns
    /// nullptr and sets `why` when the fields are malformed.
    static std::shared_ptr<Job> make(JobFields&& f, std::string* why);
    static void set_raw(Job& job, std::string raw);
    static void set_json(Job& job, nlohmann::json json);
};

/// Build a Job from fields, or throw JobError naming it.
JobPtr make_job(JobFields&& f, std::string raw, std::optional<nlohmann::json> json);

/// Mark a job's JSON as scheduled to `plugin` the way the original flux-burst
/// does: attributes.system."burst-scheduled" = plugin, and "burstable" removed.
void mark_job_scheduled(nlohmann::json& job, const std::string& plugin);

}  // namespace fluxburst::detail
