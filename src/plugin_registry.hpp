// The plugins a Client can load and has loaded: the search path, finding a plugin
// file by name, describing and probing files, loading them, and plugin classes
// linked into the program (Client::add). Private to the library.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <fluxburst/client.hpp>
#include <fluxburst/plugin.hpp>

#include "loader.hpp"

namespace fluxburst {

class PluginRegistry {
public:
    /// FLUXBURST_PLUGIN_PATH (colon-separated), the added directories, the
    /// installed plugin directory (when searched).
    std::vector<std::string> dirs() const;
    void add_dir(const std::string& dir) { extra_dirs_.push_back(dir); }
    void set_search_installed(bool search) { search_installed_ = search; }
    static std::string installed_dir();

    std::vector<PluginDescription> discover() const;
    std::vector<std::string> names() const;
    PluginDescription describe(const std::string& name) const;
    PluginDescription probe(const std::string& name) const;
    void set_probe_timeout(std::chrono::milliseconds timeout) { probe_timeout_ = timeout; }
    std::chrono::milliseconds probe_timeout() const { return probe_timeout_; }

    /// Load plugin file `name` with parameter values that carry their origin.
    BurstPlugin& load(const std::string& name, const ParamLayers& params);
    BurstPlugin& add(const std::string& name, const ParamSchema& schema,
                     const std::function<std::unique_ptr<BurstPlugin>(const Params&)>& create,
                     const nlohmann::json& params, const nlohmann::json& overrides);
    nlohmann::json resolve_params(const std::string& name, const nlohmann::json& params,
                                  const nlohmann::json& overrides) const;

    /// Loaded plugins, in load order; a loaded plugin by name, or nullptr.
    std::vector<BurstPlugin*> plugins() const;
    BurstPlugin* plugin(const std::string& name) const;

private:
    /// The file of plugin `name`; throws PluginError naming the directories, the
    /// closest name and the available ones.
    loader::Found find(const std::string& name) const;
    void refuse_loaded_twice(const std::string& name) const;

    std::vector<std::string> extra_dirs_;
    bool search_installed_ = true;
    std::chrono::milliseconds probe_timeout_{5000};
    std::vector<std::unique_ptr<loader::Loaded>> loaded_;
};

}  // namespace fluxburst
