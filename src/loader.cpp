#include "loader.hpp"

#include "build_identity.hpp"
#include "plugin_open.hpp"

#include <fluxburst/error.hpp>
#include "logger.hpp"

#include <algorithm>
#include <cstring>
#include <map>

#include <dirent.h>
#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace fluxburst::loader {

namespace {

constexpr const char* prefix = "libfluxburst_";
constexpr const char* suffix = ".so";

using abi_fn = int (*)();
using info_fn = const fluxburst_plugin_info_t* (*)();
using init_fn = BurstPlugin* (*)(const char*, const char*, char*, std::size_t);
using destroy_fn = void (*)(BurstPlugin*);

bool ends_with(const std::string& s, const std::string& end) {
    return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
}

struct Opened {
    std::shared_ptr<void> handle;
    const fluxburst_plugin_info_t* info = nullptr;
    PluginDescription description;
};

// Open a plugin file and read its info; throws PluginError.
Opened open_plugin(const Found& found) {
    Opened o;
    o.description.name = found.name;
    o.description.path = found.path;
    auto fail = [&](const std::string& why) {
        return PluginError(ErrorCode::plugin_broken,
                           fmt::format("plugin '{}' ({}): {}", found.name, found.path, why),
                           {found.name, "", found.path});
    };
    // Opened once: the file checked is the file loaded.
    try {
        o.handle = open_plugin_file(found.path);
    } catch (const Error& e) {
        throw fail(e.what());
    }
    void* handle = o.handle.get();
    // Every entry point must be a function of the plugin's own (not a variable).
    auto entry = [&](const char* name) {
        try {
            return entry_point(handle, name);
        } catch (const Error& e) {
            throw fail(e.what());
        }
    };
    // The ABI version first, before anything else of the plugin is touched.
    auto abi = reinterpret_cast<abi_fn>(entry("fluxburst_plugin_abi_version"));
    if (!abi)
        throw fail(
            "missing entry symbol 'fluxburst_plugin_abi_version'; a plugin must use the "
            "FLUXBURST_PLUGIN macro from <fluxburst/plugin.hpp>");
    int version = abi();
    if (version != FLUXBURST_PLUGIN_ABI_VERSION)
        throw fail(
            fmt::format("ABI version mismatch: the plugin was built for ABI {}, this "
                        "libfluxburst speaks ABI {}; rebuild the plugin against the "
                        "installed headers",
                        version, FLUXBURST_PLUGIN_ABI_VERSION));
    auto info = reinterpret_cast<info_fn>(entry("fluxburst_plugin_info"));
    if (!info)
        throw fail(
            "missing entry symbol 'fluxburst_plugin_info'; a plugin must use the "
            "FLUXBURST_PLUGIN macro from <fluxburst/plugin.hpp>");
    try {
        o.info = info();
    } catch (const std::exception& e) {
        throw fail(std::string("fluxburst_plugin_info threw: ") + e.what());
    }
    if (!o.info || !o.info->name) throw fail("fluxburst_plugin_info returned no information");
    if (o.info->abi_version != FLUXBURST_PLUGIN_ABI_VERSION)
        throw fail(
            fmt::format("ABI version mismatch: the plugin's info says ABI {}, this "
                        "libfluxburst speaks ABI {}",
                        o.info->abi_version, FLUXBURST_PLUGIN_ABI_VERSION));
    if (std::string why = identity_mismatch(o.info->identity); !why.empty()) throw fail(why);
    if (found.name != o.info->name)
        throw fail(
            fmt::format("the file is named for plugin '{}' but the plugin calls itself "
                        "'{}'; rename the file libfluxburst_{}.so",
                        found.name, o.info->name, o.info->name));
    o.description.version = o.info->version ? o.info->version : "";
    o.description.description = o.info->description ? o.info->description : "";
    nlohmann::json schema = nlohmann::json::parse(
        o.info->params_schema_json ? o.info->params_schema_json : "[]", nullptr, false);
    if (schema.is_discarded())
        throw fail("its parameter schema is not valid JSON; fix the plugin's parameters()");
    try {
        o.description.parameters = schema_from_json(schema, found.name);
    } catch (const ParamError& e) {
        throw fail(e.what());
    }
    return o;
}

// Call validate(); throws PluginRefusedError with its reason (or its exception).
void check_validate(BurstPlugin& plugin, const std::string& name, const std::string& where) {
    std::optional<std::string> refusal;
    try {
        refusal = plugin.validate();
    } catch (const std::exception& e) {
        refusal = std::string("validate() threw: ") + e.what();
    } catch (...) {
        refusal = "validate() threw an unknown exception";
    }
    if (refusal)
        throw PluginRefusedError(
            fmt::format("plugin '{}' ({}): validate() refused: {}", name, where, *refusal),
            {name, "", where});
}

}  // namespace

std::vector<Found> scan(const std::vector<std::string>& dirs,
                        std::vector<PluginDescription>* problems) {
    std::vector<Found> out;
    std::map<std::string, std::string> seen;
    auto log = logger();
    for (const auto& dir : dirs) {
        if (dir.empty()) continue;
        struct stat st {};
        if (::stat(dir.c_str(), &st) != 0) {
            log->debug("plugin directory '{}' does not exist; skipped", dir);
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            std::string why =
                fmt::format("cannot read plugin directory '{}': {}", dir, std::strerror(ENOTDIR));
            log->warn("{}", why);
            if (problems) problems->push_back(PluginDescription{"", "", "", dir, {}, why});
            continue;
        }
        if (std::string why = unsafe_directory_reason(dir, st); !why.empty()) {
            log->warn("plugin directory skipped: {}", why);
            if (problems) problems->push_back(PluginDescription{"", "", "", dir, {}, why});
            continue;
        }
        DIR* d = ::opendir(dir.c_str());
        if (!d) {
            std::string why =
                fmt::format("cannot read plugin directory '{}': {}", dir, std::strerror(errno));
            log->warn("{}", why);
            if (problems) problems->push_back(PluginDescription{"", "", "", dir, {}, why});
            continue;
        }
        std::vector<std::string> names;
        while (struct dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
        ::closedir(d);
        std::sort(names.begin(), names.end());
        for (const auto& file : names) {
            if (file.rfind(prefix, 0) != 0 || !ends_with(file, suffix)) continue;
            std::string name = file.substr(std::strlen(prefix),
                                           file.size() - std::strlen(prefix) - std::strlen(suffix));
            if (name.empty()) continue;
            std::string path = dir + (dir.back() == '/' ? "" : "/") + file;
            if (auto it = seen.find(name); it != seen.end()) {
                log->info("plugin '{}': {} is shadowed by {} (earlier on the search path)", name,
                          path, it->second);
                continue;
            }
            seen[name] = path;
            out.push_back(Found{name, path});
        }
    }
    return out;
}

PluginDescription describe(const Found& found) {
    try {
        return open_plugin(found).description;
    } catch (const Error& e) {
        PluginDescription d;
        d.name = found.name;
        d.path = found.path;
        d.error = e.what();
        return d;
    }
}

Loaded::Loaded(std::shared_ptr<void> library, BurstPlugin* plugin, void (*destroy)(BurstPlugin*))
    : library_(std::move(library)), plugin_(plugin), destroy_(destroy) {}

Loaded::~Loaded() {
    // Destroy the instance with the plugin's own function, before the library
    // (held by library_) can be closed.
    try {
        destroy_(plugin_);
    } catch (...) {
        logger()->error("plugin '{}': its destructor threw; ignored", description.name);
    }
}

nlohmann::json resolve_params(const Found& found, const nlohmann::json& params,
                              const nlohmann::json& overrides) {
    Opened o = open_plugin(found);
    return merge_params(found.name, o.description.parameters, params, overrides);
}

std::unique_ptr<Loaded> load(const Found& found, const ParamLayers& params) {
    Opened o = open_plugin(found);
    auto fail = [&](const std::string& why) {
        return PluginError(ErrorCode::plugin_broken,
                           fmt::format("plugin '{}' ({}): {}", found.name, found.path, why),
                           {found.name, "", found.path});
    };
    nlohmann::json values = merge_param_layers(found.name, o.description.parameters, params);
    init_fn init = nullptr;
    destroy_fn destroy = nullptr;
    try {
        init = reinterpret_cast<init_fn>(entry_point(o.handle.get(), "fluxburst_plugin_init"));
        destroy =
            reinterpret_cast<destroy_fn>(entry_point(o.handle.get(), "fluxburst_plugin_destroy"));
    } catch (const Error& e) {
        throw fail(e.what());
    }
    if (!init || !destroy)
        throw fail(
            fmt::format("missing entry symbol '{}'; a plugin must use the FLUXBURST_PLUGIN "
                        "macro from <fluxburst/plugin.hpp>",
                        !init ? "fluxburst_plugin_init" : "fluxburst_plugin_destroy"));
    char err[1024] = "";
    BurstPlugin* instance = nullptr;
    std::string text = values.dump();
    try {
        instance = init(found.name.c_str(), text.c_str(), err, sizeof err);
    } catch (const std::exception& e) {
        throw fail(std::string("init threw: ") + e.what());
    } catch (...) {
        throw fail("init threw an unknown exception");
    }
    if (!instance) {
        if (err[0]) throw fail(std::string("init threw: ") + err);
        throw fail("init returned null (the plugin could not be created)");
    }
    // Plugins built with the macro attach themselves; make sure of it for others
    // (the schema as the plugin's info declared it: what per-job values are checked by).
    detail::PluginAccess::attach(*instance, found.name, Params(values), o.description.parameters);
    auto loaded = std::make_unique<Loaded>(o.handle, instance, destroy);
    loaded->description = o.description;
    check_validate(*instance, found.name, found.path);
    return loaded;
}

namespace {
void delete_linked(BurstPlugin* plugin) {
    delete plugin;
}
}  // namespace

std::unique_ptr<Loaded> load_linked(const std::string& name, const ParamSchema& schema,
                                    const LinkedFactory& create, const nlohmann::json& params,
                                    const nlohmann::json& overrides) {
    const std::string where = "linked into the program";
    auto fail = [&](const std::string& why) {
        return PluginError(ErrorCode::plugin_broken,
                           fmt::format("plugin '{}' ({}): {}", name, where, why), {name, "", ""});
    };
    if (name.empty()) throw fail("its name is empty; give Client::add a name");
    ParamSchema checked;
    try {
        // The same checks as a plugin file's schema gets (types, defaults).
        checked = schema_from_json(schema_to_json(schema), name);
    } catch (const ParamError& e) {
        throw fail(e.what());
    }
    nlohmann::json values = merge_params(name, checked, params, overrides);
    std::unique_ptr<BurstPlugin> instance;
    try {
        instance = create(Params(values));
    } catch (const std::exception& e) {
        throw fail(std::string("init threw: ") + e.what());
    } catch (...) {
        throw fail("init threw an unknown exception");
    }
    if (!instance) throw fail("init returned null (the plugin could not be created)");
    detail::PluginAccess::attach(*instance, name, Params(values), checked);
    auto loaded = std::make_unique<Loaded>(nullptr, instance.release(), &delete_linked);
    loaded->description.name = name;
    loaded->description.path = "(" + where + ")";
    loaded->description.parameters = checked;
    check_validate(loaded->plugin(), name, where);
    return loaded;
}

}  // namespace fluxburst::loader
