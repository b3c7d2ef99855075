// fluxburst::Client: discovers and loads plugins, and runs burst cycles.
//
//   fluxburst::Client client(std::make_shared<fluxburst::FileQueue>("jobs.json"));
//   client.load("mock", {{"max_nodes", 8}});
//   fluxburst::BurstReport report = client.run_burst();
//
// A Client is not thread-safe: use it from one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include <fluxburst/export.hpp>
#include <fluxburst/ordering.hpp>
#include <fluxburst/params.hpp>
#include <fluxburst/plugin.hpp>
#include <fluxburst/queue.hpp>
#include <fluxburst/report.hpp>
#include <fluxburst/selectors.hpp>

namespace fluxburst {

/// A plugin found on the search path, described without initialising it.
struct PluginDescription {
    std::string name;
    std::string version;
    std::string description;
    std::string path;
    ParamSchema parameters;
    /// Why the file cannot be used (not a shared object, no entry point, ABI
    /// mismatch, bad schema, unsafe permissions); empty when it is usable.
    std::string error;
    bool ok() const { return error.empty(); }
};

class FLUXBURST_API Client {
public:
    /// A client reading jobs from `queue`; without one (null), from an empty queue
    /// ("no queue"): a cycle then sees no job and runs no plugin. (The sample job is
    /// MockQueue's: pass std::make_shared<MockQueue>() for it.)
    explicit Client(std::shared_ptr<JobQueue> queue = nullptr);
    ~Client();
    Client(Client&&) noexcept;
    Client& operator=(Client&&) noexcept;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    void set_queue(std::shared_ptr<JobQueue> queue);
    JobQueue& queue() const;
    std::shared_ptr<JobQueue> shared_queue() const;

    // ---- plugins ----------------------------------------------------------

    /// Search `dir` after FLUXBURST_PLUGIN_PATH and before the installed directory.
    void add_plugin_dir(const std::string& dir);
    /// Whether to search the installed plugin directory (default: true).
    void set_search_installed_dir(bool search);
    /// The directories searched, in order: FLUXBURST_PLUGIN_PATH (colon-separated),
    /// added directories, the installed plugin directory.
    std::vector<std::string> plugin_dirs() const;
    /// The directory `cmake --install` puts plugins in.
    static std::string installed_plugin_dir();

    /// Every plugin on the search path, usable or not (see PluginDescription::error).
    /// Each file is loaded in a child process of its own (all at once, each for at
    /// most probe_timeout()), so a plugin whose loading exits, aborts, crashes or
    /// hangs is listed as broken with the reason, and nothing of it runs in this
    /// process.
    std::vector<PluginDescription> discover() const;

    /// The names of the plugin files on the search path (libfluxburst_<name>.so),
    /// earlier directories first; no file is opened.
    std::vector<std::string> plugin_names() const;

    /// Plugin `name`, described from its own file only (libfluxburst_<name>.so,
    /// loaded into this process, not initialised); a broken file gives a
    /// description whose `error` says why. Throws PluginError when no such file is
    /// on the search path (naming the directories and the closest name).
    PluginDescription describe(const std::string& name) const;

    /// Plugin `name` described as discover() describes it: loaded in a child
    /// process. Throws PluginError when no such file is on the search path.
    PluginDescription probe(const std::string& name) const;

    /// How long discover() and probe() let a plugin file take to load (default 5 s).
    void set_probe_timeout(std::chrono::milliseconds timeout);
    std::chrono::milliseconds probe_timeout() const;

    /// Load plugin `name`: find libfluxburst_<name>.so, check its ABI version, merge
    /// and check parameters (defaults < `params` < FLUXBURST_<PLUGIN>_<KEY>, else FLUXBURST_<KEY>,
    /// < `overrides`), initialise it, call its validate(). Plugins keep load order. Throws
    /// PluginError or ParamError naming the plugin, the file and the reason.
    BurstPlugin& load(const std::string& name,
                      const nlohmann::json& params = nlohmann::json::object(),
                      const nlohmann::json& overrides = nullptr);

    /// Add a plugin class compiled into the program (as LLVM links pass plugins
    /// statically): no file is searched or opened. As load() does for a file: the
    /// parameters are merged and checked against T::parameters() (defaults <
    /// `params` < FLUXBURST_<NAME>_<KEY>, else FLUXBURST_<KEY> < `overrides`), T is
    /// constructed (from `const Params&` when it has that constructor), validate() is
    /// called; it then takes part in cycles in load order. Names are shared with
    /// loaded plugins. Throws PluginError, PluginRefusedError or ParamError naming
    /// the plugin "(linked into the program)".
    template <class T>
    T& add(const std::string& name, const nlohmann::json& params = nlohmann::json::object(),
           const nlohmann::json& overrides = nullptr) {
        static_assert(std::is_base_of_v<BurstPlugin, T>,
                      "Client::add<T>: T must derive from fluxburst::BurstPlugin");
        PluginFactory create = [](const Params& values) -> std::unique_ptr<BurstPlugin> {
            if constexpr (std::is_constructible_v<T, const Params&>)
                return std::make_unique<T>(values);
            else
                return std::make_unique<T>();
        };
        return static_cast<T&>(add_linked(name, T::parameters(), create, params, overrides));
    }

    /// What add<T> uses: `create` makes the instance from the merged parameters.
    using PluginFactory = std::function<std::unique_ptr<BurstPlugin>(const Params&)>;
    BurstPlugin& add_linked(const std::string& name, const ParamSchema& schema,
                            const PluginFactory& create,
                            const nlohmann::json& params = nlohmann::json::object(),
                            const nlohmann::json& overrides = nullptr);

    /// load() with parameter values that carry where they were given: its errors
    /// name that origin ("config file 'burst.toml', line 7", "--param
    /// 'mock.max_nodes=4'"). `params.given` is below the environment,
    /// `params.overrides` above it.
    BurstPlugin& load_with(const std::string& name, const ParamLayers& params);

    /// The parameters load() would give plugin `name`, without loading it.
    nlohmann::json resolve_params(const std::string& name,
                                  const nlohmann::json& params = nlohmann::json::object(),
                                  const nlohmann::json& overrides = nullptr) const;

    /// Loaded plugins, in load order.
    std::vector<BurstPlugin*> plugins() const;
    /// A loaded plugin by name, or nullptr.
    BurstPlugin* plugin(const std::string& name) const;

    // ---- policy -------------------------------------------------------------

    void set_selector(Selector selector);
    /// Back to selectors::burstable().
    void reset_selector();
    void set_ordering(Ordering ordering);
    /// Back to ordering::in_order().
    void reset_ordering();
    const Selector& selector() const;
    /// True while the selector is selectors::burstable() (as after reset_selector).
    bool has_default_selector() const;
    const Ordering& ordering() const;

    // ---- cycles ---------------------------------------------------------------

    /// One burst cycle: list the queue, select, offer each selected job to the
    /// plugins in the ordering's order until one accepts, mark accepted jobs
    /// scheduled (queue and job), then run() every plugin that accepted jobs. With no
    /// selected jobs, returns early and runs no plugin. A plugin's exception is
    /// caught and reported; an unreadable queue, or a failure to mark, throws
    /// QueueError (then no job is recorded as accepted and no plugin runs).
    BurstReport run_burst();

    /// The same decisions as run_burst() without acting on them: plugins'
    /// schedule() is asked, but nothing is marked, accepted or run.
    BurstReport plan_burst();

    /// Ask plugin `name` for a burst of `nodes` nodes (and `tasks` tasks, default
    /// one per node), no jobs involved. Throws PluginError for an unknown plugin.
    BurstReport request_burst(const std::string& name, std::int64_t nodes, std::int64_t tasks = 0);

    /// Call unburst() on every loaded plugin (or only on `name`).
    BurstReport run_unburst(const std::string& name = "");

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace fluxburst
