// Finding and loading plugin shared objects (private to the library).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <fluxburst/client.hpp>
#include <fluxburst/plugin.hpp>

namespace fluxburst::loader {

/// A plugin file found on the search path.
struct Found {
    std::string name;
    std::string path;
};

/// libfluxburst_<name>.so files in `dirs`, earlier directories first; a name found
/// again later is logged as shadowed and left out. Unreadable or unsafe directories
/// are logged and passed over; `problems` collects them as descriptions.
std::vector<Found> scan(const std::vector<std::string>& dirs,
                        std::vector<PluginDescription>* problems);

/// Read a plugin's info without initialising it. Never throws: a broken file
/// gets a description whose `error` says why.
PluginDescription describe(const Found& found);

/// describe() of each file, each in a child process of its own, all at once, each
/// given at most `timeout`: a file whose loading exits, aborts, crashes or hangs
/// gets a description whose `error` says so, and nothing of it runs in this process.
std::vector<PluginDescription> probe(const std::vector<Found>& found,
                                     std::chrono::milliseconds timeout);

/// A loaded plugin: it owns the instance and keeps the shared object open until
/// the instance is destroyed (by the plugin's own destroy function).
class Loaded {
public:
    Loaded(std::shared_ptr<void> library, BurstPlugin* plugin, void (*destroy)(BurstPlugin*));
    ~Loaded();
    Loaded(const Loaded&) = delete;
    Loaded& operator=(const Loaded&) = delete;
    BurstPlugin& plugin() const { return *plugin_; }
    PluginDescription description;  ///< name, version, path, schema of the file

private:
    std::shared_ptr<void> library_;
    BurstPlugin* plugin_;
    void (*destroy_)(BurstPlugin*);
};

/// Load, check and initialise a plugin; throws PluginError / ParamError naming
/// the plugin and the file (and a parameter's origin).
std::unique_ptr<Loaded> load(const Found& found, const ParamLayers& params);

/// Makes the instance of a plugin class linked into the program (Client::add).
using LinkedFactory = std::function<std::unique_ptr<BurstPlugin>(const Params&)>;

/// Check, initialise and validate a plugin class linked into the program, as load()
/// does a file's: its schema, the merged parameters, `create`, validate(). Throws
/// PluginError / ParamError naming the plugin "(linked into the program)".
std::unique_ptr<Loaded> load_linked(const std::string& name, const ParamSchema& schema,
                                    const LinkedFactory& create, const nlohmann::json& params,
                                    const nlohmann::json& overrides);

/// The validated parameters `load` would give the plugin (no init).
nlohmann::json resolve_params(const Found& found, const nlohmann::json& params,
                              const nlohmann::json& overrides);

}  // namespace fluxburst::loader
