#include "client_setup.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <sys/stat.h>

#include <fmt/format.h>

#include <fluxburst/error.hpp>
#include <fluxburst/ordering.hpp>

#include "exit_codes.hpp"
#include "param_args.hpp"
#include "plugin_params.hpp"
#include "suggest.hpp"

namespace fluxburst::cli {

namespace {

bool is_directory(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

std::optional<ConfigFile> read_config(const Options& opts) {
    if (opts.config.empty()) return std::nullopt;
    return read_config_file(opts.config);
}

Client make_client(const Options& opts, const ConfigFile* cfg, std::shared_ptr<JobQueue> queue) {
    Client client(std::move(queue));
    for (const auto& dir : opts.plugin_paths) {
        if (!is_directory(dir))
            throw UsageError(fmt::format("--plugin-path '{}': no such directory", dir));
        client.add_plugin_dir(dir);
    }
    if (cfg) {
        for (const auto& dir : cfg->plugin_path) {
            if (!is_directory(dir))
                throw UsageError(fmt::format("{}: [burst] plugin_path: '{}' is not a directory",
                                             cfg->where(), dir));
            client.add_plugin_dir(dir);
        }
    }
    return client;
}

std::vector<std::string> plugin_names(const Options& opts, const ConfigFile* cfg) {
    std::vector<std::string> names;
    std::string origin;
    if (!opts.plugins.empty()) {
        names = opts.plugins;
        origin = "--plugin";
    } else if (cfg && cfg->plugins) {
        names = *cfg->plugins;
        origin = cfg->where() + ": [burst] plugins";
    } else if (opts.mock) {
        names = {"mock"};
    }
    if (names.empty())
        throw UsageError(
            "no plugin to load: give --plugin NAME (see flux-burst plugins), 'plugins' in the "
            "[burst] "
            "table of a --config file, or --mock (which loads the mock plugin by default)");
    std::set<std::string> seen;
    for (const auto& n : names) {
        if (n.empty()) throw UsageError(origin + ": a plugin name is empty");
        if (!seen.insert(n).second)
            throw UsageError(
                fmt::format("{}: plugin '{}' is given twice; a plugin is loaded once", origin, n));
    }
    return names;
}

void load_plugins(Client& client, const std::vector<std::string>& names, const Options& opts,
                  const ConfigFile* cfg) {
    std::vector<ParamArg> args = parse_param_args(opts.params);
    for (const auto& a : args) {
        if (std::find(names.begin(), names.end(), a.plugin) == names.end())
            throw UsageError(
                fmt::format("--param '{}': plugin '{}' is not loaded (loaded: {}); add "
                            "--plugin {} or fix the name",
                            a.text, a.plugin, join(names), a.plugin));
    }

    // Only the plugins asked for are opened: found by file name, the others never
    // loaded (a broken or hostile file nobody asked for cannot affect this command).
    std::vector<std::string> on_path = client.plugin_names();
    auto known = [&](const std::string& name) {
        return std::find(on_path.begin(), on_path.end(), name) != on_path.end();
    };
    if (cfg) {
        for (const auto& [name, table] : cfg->plugin) {
            if (!known(name))
                throw UsageError(
                    fmt::format("{}: [plugin.{}]: unknown plugin '{}' (not found in {}){}",
                                cfg->where(table.line), name, name, join(client.plugin_dirs(), ":"),
                                suggestion(name, on_path)));
        }
    }

    for (const auto& name : names) {
        if (!known(name))
            throw UsageError(fmt::format(
                "unknown plugin '{}': no libfluxburst_{}.so in {}{}", name, name,
                join(client.plugin_dirs(), ":"),
                on_path.empty()
                    ? "; no plugins were found (set FLUXBURST_PLUGIN_PATH or --plugin-path)"
                : closest_match(name, on_path).empty()
                    ? "; available: " + join(on_path)
                    : "; did you mean '" + closest_match(name, on_path) + "'?"));
        const PluginDescription desc = client.describe(name);
        if (!desc.ok())
            throw RuntimeError(fmt::format("cannot load plugin '{}': {}", name, desc.error));

        nlohmann::json given = nlohmann::json::object();
        if (cfg) {
            if (auto t = cfg->plugin.find(name); t != cfg->plugin.end()) {
                for (const auto& [key, value] : t->second.values.items()) {
                    std::string origin = fmt::format(
                        "{}: [plugin.{}] {}", cfg->where(t->second.lines.at(key)), name, key);
                    given[key] = check_param(desc, key, value, origin);
                }
            }
        }
        nlohmann::json overrides = nlohmann::json::object();
        for (const auto& a : args) {
            if (a.plugin != name) continue;
            overrides[a.key] =
                check_param(desc, a.key, a.value, fmt::format("--param '{}'", a.text));
        }
        try {
            client.load(name, given, overrides);
        } catch (const ParamError& e) {
            throw UsageError(e.what());  // a missing required key, a bad FLUXBURST_<KEY>
        } catch (const fluxburst::PluginRefusedError& e) {
            throw UsageError(e.what());  // validate() refused the values it was given
        } catch (const PluginError& e) {
            throw RuntimeError(e.what());  // the plugin itself failing
        }
    }
}

void apply_ordering(Client& client, const Options& opts, const ConfigFile* cfg) {
    std::string name = opts.ordering;
    std::string origin = "--ordering";
    if (name.empty() && cfg && !cfg->ordering.empty()) {
        name = cfg->ordering;
        origin = cfg->where() + ": [burst] ordering";
    }
    if (name.empty()) return;
    auto names = ordering::names();
    if (std::find(names.begin(), names.end(), name) == names.end())
        throw UsageError(
            fmt::format("{}: unknown ordering '{}'{}", origin, name, suggestion(name, names)));
    client.set_ordering(ordering::from_name(name));
}

}  // namespace fluxburst::cli
