// BurstReport: what one cycle did, per job and per plugin; serialisable to JSON.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <fluxburst/export.hpp>
#include <fluxburst/job.hpp>

namespace fluxburst {

/// A selected job and the plugin that accepted it.
struct Assignment {
    JobId id = 0;
    std::string name;  ///< the job's name, if it has one
    std::int64_t nodes = 0;
    std::int64_t tasks = 0;
    std::string plugin;
};

/// A selected job no plugin accepted, with what each plugin offered it said.
struct Unmatched {
    JobId id = 0;
    std::string name;
    std::int64_t nodes = 0;
    std::vector<std::string> reasons;  ///< "mock: declined", "gke: schedule threw: ..."
};

/// A queue entry that was not considered: malformed, or the selector threw.
struct Skipped {
    std::string job;  ///< "123" or "jobs.json: element 7"
    std::string reason;
};

/// What one plugin did in this cycle.
struct PluginOutcome {
    std::string plugin;
    std::string action;  ///< "run", "unburst" or "request"
    bool ok = true;
    std::size_t jobs = 0;    ///< jobs this run served
    std::int64_t nodes = 0;  ///< size asked of it
    std::string summary;     ///< the plugin's own words (BurstResult::summary)
    std::string error;       ///< what it threw, when !ok
    nlohmann::json details = nlohmann::json::object();
    double seconds = 0;
};

/// A plugin a controller did not offer jobs to in this cycle (backed off after
/// failures), and for how long still.
struct PluginHeld {
    std::string plugin;
    std::string reason;
    double seconds_left = 0;
};

/// Seconds spent in each phase of the cycle.
struct Timings {
    double list_select = 0;  ///< reading the queue and running the selector
    double schedule = 0;     ///< offering jobs to plugins
    double mark = 0;         ///< recording scheduled jobs in the queue
    double run = 0;          ///< plugins' run()/unburst()
    double total = 0;
};

struct BurstReport {
    std::string queue;                    ///< the queue's description
    bool dry_run = false;                 ///< nothing marked, no plugin run
    std::size_t jobs_seen = 0;            ///< entries read from the queue
    std::vector<JobId> selected;          ///< jobs the selector picked, queue order
    std::vector<Assignment> assignments;  ///< job -> plugin
    std::vector<Unmatched> unmatched;     ///< selected, accepted by none
    std::vector<Skipped> skipped;         ///< malformed entries, selector errors
    std::vector<PluginOutcome> plugins;   ///< run / unburst / request outcomes
    std::vector<PluginHeld> held;         ///< plugins a controller held back
    Timings timings;

    /// True when no plugin failed.
    FLUXBURST_API bool ok() const;
    FLUXBURST_API nlohmann::json to_json() const;
    /// Write the same text as `to_json().dump(2)` to `out` as it goes, without
    /// building the JSON: memory and time stay small for a million jobs.
    FLUXBURST_API void write_json(std::ostream& out) const;
};

}  // namespace fluxburst
