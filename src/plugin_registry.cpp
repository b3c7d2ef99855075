#include "plugin_registry.hpp"

#include <dlfcn.h>

#include <cstdlib>

#include <fmt/format.h>

#include <fluxburst/config.hpp>
#include <fluxburst/error.hpp>

#include "closest_match.hpp"
#include "logger.hpp"
#include "text.hpp"

namespace fluxburst {

namespace {
// An address inside this library, for dladdr.
void locate_self() {}
}  // namespace

std::string PluginRegistry::installed_dir() {
    // Relative to where this libfluxburst.so is, so that an installed tree can be
    // moved (and the build tree, which mirrors it, works without configuration).
    Dl_info info{};
    if (::dladdr(reinterpret_cast<void*>(&locate_self), &info) && info.dli_fname) {
        std::string lib = info.dli_fname;
        auto slash = lib.rfind('/');
        if (slash != std::string::npos) return lib.substr(0, slash) + "/fluxburst/plugins";
    }
    return FLUXBURST_INSTALLED_PLUGIN_DIR;
}

std::vector<std::string> PluginRegistry::dirs() const {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("FLUXBURST_PLUGIN_PATH")) {
        for (const auto& d : text::split(env, ':'))
            if (!d.empty()) dirs.push_back(d);
    }
    dirs.insert(dirs.end(), extra_dirs_.begin(), extra_dirs_.end());
    if (search_installed_) dirs.push_back(installed_dir());
    return dirs;
}

loader::Found PluginRegistry::find(const std::string& name) const {
    std::vector<std::string> dirs = this->dirs();
    std::vector<loader::Found> found = loader::scan(dirs, nullptr);
    for (const auto& f : found) {
        if (f.name == name) return f;
    }
    std::vector<std::string> names;
    for (const auto& f : found) names.push_back(f.name);
    std::string msg = fmt::format("unknown plugin '{}': no libfluxburst_{}.so in {}", name, name,
                                  dirs.empty() ? "(no directories)" : text::join(dirs, ":"));
    std::string close = closest_match(name, names);
    if (!close.empty()) msg += fmt::format("; did you mean '{}'?", close);
    msg += names.empty() ? "; no plugins were found (set FLUXBURST_PLUGIN_PATH)"
                         : fmt::format("; available: {}", text::join(names, ", "));
    throw PluginError(ErrorCode::plugin_not_found, msg, {name, "", ""});
}

std::vector<PluginDescription> PluginRegistry::discover() const {
    std::vector<PluginDescription> out;
    std::vector<loader::Found> found = loader::scan(dirs(), &out);
    for (auto& d : loader::probe(found, probe_timeout_)) out.push_back(std::move(d));
    return out;
}

std::vector<std::string> PluginRegistry::names() const {
    std::vector<std::string> names;
    for (const auto& f : loader::scan(dirs(), nullptr)) names.push_back(f.name);
    return names;
}

PluginDescription PluginRegistry::describe(const std::string& name) const {
    return loader::describe(find(name));
}

PluginDescription PluginRegistry::probe(const std::string& name) const {
    return loader::probe({find(name)}, probe_timeout_).at(0);
}

void PluginRegistry::refuse_loaded_twice(const std::string& name) const {
    if (plugin(name))
        throw PluginError(ErrorCode::usage,
                          fmt::format("plugin '{}' is already loaded; a plugin can be loaded once "
                                      "per client",
                                      name),
                          {name, "", ""});
}

BurstPlugin& PluginRegistry::load(const std::string& name, const ParamLayers& params) {
    refuse_loaded_twice(name);
    loader::Found f = find(name);
    auto loaded = loader::load(f, params);
    BurstPlugin& p = loaded->plugin();
    logger()->info("loaded plugin '{}' {} from {}", name, loaded->description.version, f.path);
    loaded_.push_back(std::move(loaded));
    return p;
}

BurstPlugin& PluginRegistry::add(
    const std::string& name, const ParamSchema& schema,
    const std::function<std::unique_ptr<BurstPlugin>(const Params&)>& create,
    const nlohmann::json& params, const nlohmann::json& overrides) {
    refuse_loaded_twice(name);
    auto loaded = loader::load_linked(name, schema, create, params, overrides);
    BurstPlugin& p = loaded->plugin();
    logger()->info("added plugin '{}' (linked into the program)", name);
    loaded_.push_back(std::move(loaded));
    return p;
}

nlohmann::json PluginRegistry::resolve_params(const std::string& name, const nlohmann::json& params,
                                              const nlohmann::json& overrides) const {
    return loader::resolve_params(find(name), params, overrides);
}

std::vector<BurstPlugin*> PluginRegistry::plugins() const {
    std::vector<BurstPlugin*> out;
    for (const auto& l : loaded_) out.push_back(&l->plugin());
    return out;
}

BurstPlugin* PluginRegistry::plugin(const std::string& name) const {
    for (const auto& l : loaded_) {
        if (l->plugin().name() == name) return &l->plugin();
    }
    return nullptr;
}

}  // namespace fluxburst
