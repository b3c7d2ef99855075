// Jobs as flux-burst sees them.
//
// A job comes from a queue as JSON: the fields Flux's job-list returns (`id`,
// `state`, `nnodes`, `ntasks`, `name`, `annotations`, ...) plus `spec`, the jobspec
// (RFC 14/25). The library reads the few fields a burst decision needs once, when
// the queue hands the job out, into a fluxburst::Job: a cheap, immutable, typed
// view. The job's full JSON is there too (json()), built only when someone asks
// for it. Jobs are shared, never copied, between the queue, the selector, the
// ordering, the plugins and the report: a JobPtr is a shared pointer to a const Job.
#pragma once

#include <fluxburst/export.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace fluxburst {

using JobId = std::uint64_t;

/// Flux's job states (RFC 21), plus Unknown for a job without a known state.
enum class JobState : std::uint8_t {
    Unknown,
    New,
    Depend,
    Priority,
    Sched,
    Run,
    Cleanup,
    Inactive
};

/// The state for Flux's numeric state (1 NEW, 2 DEPEND, 4 PRIORITY, 8 SCHED, 16 RUN,
/// 32 CLEANUP, 64 INACTIVE); Unknown for any other value.
FLUXBURST_API JobState job_state_from_flux(std::int64_t flux_state);

/// "NEW", "DEPEND", "PRIORITY", "SCHED", "RUN", "CLEANUP", "INACTIVE" or "UNKNOWN".
FLUXBURST_API const char* job_state_name(JobState state);

/// Deepest nesting of arrays and objects a job may have (a jobspec needs about 10);
/// a deeper job is malformed (JobError), so nothing recurses without bound.
constexpr int max_job_depth = 100;

class Job;
using JobPtr = std::shared_ptr<const Job>;

namespace detail {
struct JobAccess;
}

/// A job: the fields burst decisions need, read once, and its JSON.
class FLUXBURST_API Job {
public:
    /// A job from its JSON object. Throws JobError naming the job (its id when it
    /// has one) when the shape is wrong: not an object, no non-negative integer
    /// `id`, no `spec` object, a field of the wrong type, a node/task/slot count
    /// out of range (negative, too large, or whose products overflow), or nesting
    /// deeper than max_job_depth.
    static JobPtr from_json(nlohmann::json job);
    /// The same from JSON text (JobError also for text that is not JSON).
    static JobPtr parse(std::string_view text);

    ~Job();
    Job(const Job&) = delete;
    Job& operator=(const Job&) = delete;

    JobId id() const { return id_; }
    /// Nodes the job asks for: job-list's `nnodes` when positive, else the node
    /// count of its jobspec's resources, else 1 (a job with only cores needs a node).
    std::int64_t nodes() const { return nodes_; }
    /// Tasks: job-list's `ntasks` when positive, else the jobspec's task count, else nodes().
    std::int64_t tasks() const { return tasks_; }
    /// The job's `name`, "" when it has none.
    const std::string& name() const { return name_; }
    /// The job's `state` (Unknown when absent).
    JobState state() const { return state_; }

    /// True when the jobspec has attributes.system.burstable with a true-ish value:
    /// true, a non-zero number, a non-empty string, an array, or an object (the
    /// object form carries burst options, see burst_options()).
    bool burstable() const { return burstable_; }
    /// The burst option "plugin" (system.burstable = {"plugin": "gke", ...}): the
    /// plugin the submitter asks for; "" when none.
    const std::string& preferred_plugin() const;
    /// The object form of system.burstable, e.g. {"plugin": "gke", "machine_type":
    /// "c2-standard-16"}; an empty object for any other form.
    const nlohmann::json& burst_options() const;

    /// True when the job was already scheduled for a burst: the jobspec has
    /// attributes.system."burst-scheduled" (a string), or the job carries a Flux memo
    /// annotations.user.fluxburst.
    bool burst_scheduled() const { return burst_scheduled_; }
    /// The plugin it was scheduled to ("unknown" for a memo without a plugin); "" if none.
    const std::string& scheduled_plugin() const;

    /// The job's JSON text (as the queue had it, or written from its JSON).
    std::string_view raw() const;
    /// The job's full JSON, built on first use and kept (thread-safe).
    const nlohmann::json& json() const;

private:
    friend struct detail::JobAccess;
    Job();

    // Burst options and plugin names, which most jobs do not have: held apart so
    // that a job without them costs no more than its fields and its text.
    struct Extras;

    JobId id_ = 0;
    std::int64_t nodes_ = 1;
    std::int64_t tasks_ = 1;
    JobState state_ = JobState::Unknown;
    bool burstable_ = false;
    bool burst_scheduled_ = false;
    std::string name_;
    std::unique_ptr<const Extras> extras_;  ///< null when the job has none
    mutable std::string raw_;
    mutable std::unique_ptr<nlohmann::json> json_;
    mutable std::once_flag raw_once_;
    mutable std::once_flag json_once_;
};

/// The id in Flux's F58 form ("ƒ" followed by base58 digits), as users see it.
FLUXBURST_API std::string job_id_f58(JobId id);

/// Parse an id given as a decimal number or in F58 form (with "ƒ" or "f").
FLUXBURST_API std::optional<JobId> parse_job_id(const std::string& text);

}  // namespace fluxburst
