// The plugin contract: the base class plugin authors derive from, and the macro
// that exports it. Read top to bottom: the lifecycle, the types a plugin exchanges
// with the library, the base class, the macro.
//
//   class MyPlugin : public fluxburst::BurstPlugin {
//   public:
//       static fluxburst::ParamSchema parameters() {
//           return {{"max_nodes", fluxburst::ParamType::Integer, 8, false, "largest job"}};
//       }
//       bool schedule(const fluxburst::Job& job) override { return job.nodes() <= 8; }
//       fluxburst::BurstResult run(const fluxburst::BurstRequest& request) override { ... }
//   };
//   FLUXBURST_PLUGIN(MyPlugin, "myplugin", "1.0.0", "What it bursts to")
//
// Build it with fluxburst_add_plugin(NAME myplugin SOURCES my_plugin.cpp), which
// produces libfluxburst_myplugin.so with every symbol hidden but the entry points.
//
// The lifecycle: what the library calls, in order (as SPANK's header draws its own).
//
//   discover      libfluxburst_<name>.so found on the search path, its file checked
//      |
//   info          fluxburst_plugin_info(): name, version, parameters, ABI; nothing
//      |          of the plugin runs yet (`flux-burst plugins` stops here)
//   init          the constructor, with the merged and checked Params
//      |
//   validate()    once: refuse with a reason, or nullopt to be loaded
//      |
//      +--> per cycle:  schedule(job) x N    one call per job offered to this plugin
//      |                      |
//      |                run(request)         only if it accepted jobs (or for a sized
//      |                      |              request); request.jobs are those jobs; once
//      |                      |              per set of per-job values (request.params)
//      |                progress()           by the controller, after run() and at each
//      |                      |              step until Up (or up_timeout)
//      +<---------------------+
//      |    ...
//   unburst()     give back what the runs created (`flux-burst unburst`, the controller)
//      |
//   destroy       the destructor (fluxburst_plugin_destroy), then the file is closed
//
//   setup()       apart from cycles: `flux-burst setup NAME`, after validate()
//   free_nodes()  any time after validate(), by the least_waste ordering
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <fluxburst/export.hpp>
#include <fluxburst/job.hpp>
#include <fluxburst/params.hpp>

/// The plugin ABI version. The loader refuses a plugin built for another one.
/// It changes whenever BurstPlugin's layout or virtual functions change, or the
/// types they take (Job, BurstRequest, BurstResult, Params, ParamSpec); 3: per-job
/// parameters (ParamSpec::per_job, BurstRequest::params), progress(); 4: the errors
/// plugins throw (Error) carry a code and a subject; 5: Job's layout (burst options
/// and plugin names held apart, one allocation). Besides it, the loader checks
/// the build identity (fluxburst_build_identity_t, in detail/plugin_entry.hpp): the
/// library's major version, the compiler's C++ ABI and nlohmann_json's ABI, which
/// the boundary's C++ types depend on.
#define FLUXBURST_PLUGIN_ABI_VERSION 5

namespace fluxburst {

/// What a plugin is asked to provide in run().
struct BurstRequest {
    /// Jobs this plugin accepted in this cycle (empty for a sized request), all
    /// with the same per-job parameter values.
    std::vector<JobPtr> jobs;
    /// Nodes wanted: the largest accepted job's, or the requested size.
    std::int64_t nodes = 0;
    /// Tasks wanted: the largest accepted job's, or the requested count.
    std::int64_t tasks = 0;
    /// The values the jobs' burst options give the plugin's per-job parameters
    /// (ParamSpec::per_job), checked against its schema; {} when they set none.
    nlohmann::json job_params = nlohmann::json::object();
    /// The parameters this burst uses: the plugin's params() with job_params
    /// applied. Read per-burst settings from here, not from params().
    Params params;
};

/// How a plugin's bursts are coming along (BurstPlugin::progress).
enum class BurstProgress {
    Up,        ///< every burst run() started is up (its nodes joined)
    Starting,  ///< a burst is still coming up
    Failed,    ///< a burst failed to come up
};

/// What a plugin did in run() or unburst().
struct BurstResult {
    /// One line for people ("created cluster mock-0 with 4 nodes").
    std::string summary;
    /// Structured detail for scripts (appears in the report's JSON).
    nlohmann::json details = nlohmann::json::object();
};

/// What `flux-burst setup PLUGIN` asks of a plugin's setup().
struct SetupRequest {
    /// Replace files (or resources) an earlier setup made; otherwise refuse them.
    bool overwrite = false;
};

namespace detail {
struct PluginAccess;
}

/// The base class of every plugin.
class FLUXBURST_API BurstPlugin {
public:
    BurstPlugin();
    virtual ~BurstPlugin();
    BurstPlugin(const BurstPlugin&) = delete;
    BurstPlugin& operator=(const BurstPlugin&) = delete;

    /// The plugin's parameters (hidden by a static function of the same name in
    /// the derived class; read without creating an instance).
    static ParamSchema parameters() { return {}; }

    /// Check the validated parameters and the environment once, after init.
    /// Return a reason to refuse loading (shown to the user), or nullopt.
    virtual std::optional<std::string> validate() { return std::nullopt; }

    /// Would this plugin take the job? Return true to accept it; the client then
    /// offers it to no other plugin and hands it to run() in this cycle's request.
    /// The job's fields are read already (cheap); job.json() builds its full JSON.
    virtual bool schedule(const Job& job) = 0;

    /// Provide the resources: called once per cycle in which the plugin accepted
    /// jobs (once per distinct set of per-job parameter values: jobs asking for
    /// different values make different bursts), or for a sized request
    /// (Client::request_burst).
    virtual BurstResult run(const BurstRequest& request) = 0;

    /// How the bursts run() started are coming along, for a plugin whose run()
    /// returns before the resources are up (asked by the controller after run()
    /// and at each step until Up). A burst still Starting after the controller's
    /// up_timeout, or Failed, is a failed burst: its jobs go back to the queue,
    /// the plugin is backed off, and unburst() is called when none of its bursts
    /// is up. The default: Up once run() returns.
    virtual BurstProgress progress() { return BurstProgress::Up; }

    /// Give back what earlier runs created.
    virtual BurstResult unburst() { return {"nothing to unburst", nlohmann::json::object()}; }

    /// Prepare, once, what bursts need on the lead side (for a connected burst: the
    /// lead instance's bootstrap config with the burst hosts pre-declared, the CURVE
    /// certificate). Called by `flux-burst setup PLUGIN`, never during a cycle. By
    /// convention `details` holds "files" (paths written) and, when something must be
    /// reachable from outside, "listen": {"address": ..., "port": ...}; the command
    /// prints them. Refuse existing files unless `request.overwrite`. The default
    /// throws PluginError "plugin NAME has no setup step".
    virtual BurstResult setup(const SetupRequest& request);

    /// Free nodes this plugin can still provide, when it knows (used by the
    /// least_waste ordering); nullopt means unknown.
    virtual std::optional<std::int64_t> free_nodes() const { return std::nullopt; }

    /// The name the plugin was loaded under.
    const std::string& name() const { return name_; }
    /// The validated parameters (defaults, load params, environment, overrides).
    const Params& params() const { return params_; }
    /// The parameters it declares (its parameters()).
    const ParamSchema& schema() const { return schema_; }

private:
    friend struct detail::PluginAccess;
    std::string name_;
    Params params_;
    ParamSchema schema_;
};

}  // namespace fluxburst

/// Declare a plugin class once, in one source file of the plugin: exports the C
/// entry points the loader looks for (fluxburst_plugin_abi_version,
/// fluxburst_plugin_info, fluxburst_plugin_init, fluxburst_plugin_destroy; see
/// detail/plugin_entry.hpp). The class may have a default constructor or one taking
/// `const fluxburst::Params&`; an exception from it is reported by the loader as
/// "init threw: <text>". `Name` is the name the file carries
/// (libfluxburst_<Name>.so), `Version` the plugin's own, `Description` one line.
#define FLUXBURST_PLUGIN(ClassName, Name, Version, Description) \
    FLUXBURST_DETAIL_PLUGIN_ENTRY_POINTS(ClassName, Name, Version, Description)

#include <fluxburst/detail/plugin_entry.hpp>
