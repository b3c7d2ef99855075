#include "settings.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>

#include <sys/stat.h>

#include <fmt/format.h>

#include <fluxburst/config.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/ordering.hpp>

#include "duration.hpp"
#include "param_args.hpp"
#include "suggest.hpp"

namespace fluxburst::cli {

namespace {

bool is_directory(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool needs_jobs(const std::string& command) {
    return command == "select" || command == "run";
}

bool loads_plugins(const std::string& command) {
    return command != "plugins";
}

// "config file 'x', line N: [burst] KEY", for a [burst] key of the config file.
std::string burst_origin(const ConfigFile& cfg, const std::string& key) {
    auto line = cfg.lines.find(key);
    return fmt::format("{}: [burst] {}", cfg.where(line == cfg.lines.end() ? 0 : line->second),
                       key);
}

// A setting's value and where it came from, for messages.
struct Picked {
    std::string value;
    std::string origin;
    ErrorCode code = ErrorCode::usage;  ///< the kind of an error in it
};

// The highest layer that gives a value: the command line, else the config file.
Picked pick(const std::string& option_value, const std::string& option,
            const std::string& config_value, const ConfigFile* cfg, const std::string& key) {
    if (!option_value.empty()) return {option_value, option, ErrorCode::usage};
    if (cfg && !config_value.empty())
        return {config_value, burst_origin(*cfg, key), ErrorCode::bad_config};
    return {};
}

void resolve_jobs(const Options& opts, const ConfigFile* cfg, Settings& s) {
    if (!opts.jobs.empty() && opts.mock)
        throw Error(ErrorCode::usage,
                    "--jobs and --mock both name where the jobs come from; give only one");
    if (!opts.jobs.empty()) {
        s.jobs = JobsSource::file;
        s.jobs_file = opts.jobs;
    } else if (opts.mock) {
        s.jobs = JobsSource::mock;
    } else if (cfg && !cfg->jobs.empty()) {
        s.jobs = JobsSource::file;
        s.jobs_file = cfg->jobs;
    } else if (needs_jobs(s.command)) {
        const char* uri = std::getenv("FLUX_URI");
        if (FLUXBURST_HAVE_FLUX && uri && *uri) {
            s.jobs = JobsSource::flux;  // the enclosing instance, as `flux burst run`
            s.flux_uri = uri;
        } else {
            throw Error(ErrorCode::usage,
                        fmt::format("no job source: give --jobs FILE (a JSON file of jobs), --mock "
                                    "(the built-in sample queue), or 'jobs' in the [burst] table "
                                    "of a --config file{}",
                                    FLUXBURST_HAVE_FLUX
                                        ? ", or run inside a Flux instance (FLUX_URI is not set)"
                                        : "; this build reads no live Flux queue"));
        }
    }
}

void resolve_plugin_dirs(const Options& opts, const ConfigFile* cfg, Settings& s) {
    for (const auto& dir : opts.plugin_paths) {
        if (!is_directory(dir))
            throw Error(ErrorCode::usage,
                        fmt::format("--plugin-path '{}': no such directory", dir));
        s.plugin_dirs.push_back(dir);
    }
    if (!cfg) return;
    for (const auto& dir : cfg->plugin_path) {
        if (!is_directory(dir))
            throw Error(
                ErrorCode::bad_config,
                fmt::format("{}: '{}' is not a directory", burst_origin(*cfg, "plugin_path"), dir),
                {"", "plugin_path", cfg->path});
        s.plugin_dirs.push_back(dir);
    }
}

// The names of the plugins to load, with where the list came from.
std::vector<std::string> plugin_names(const Options& opts, const ConfigFile* cfg,
                                      std::string& origin) {
    if (opts.command == "setup") {
        origin = "setup PLUGIN";
        return {opts.plugin_name};
    }
    if (!opts.plugins.empty()) {
        origin = "--plugin";
        return opts.plugins;
    }
    if (cfg && cfg->plugins) {
        origin = burst_origin(*cfg, "plugins");
        return *cfg->plugins;
    }
    if (opts.mock) return {"mock"};
    return {};
}

void resolve_plugins(const Options& opts, const ConfigFile* cfg, Settings& s) {
    if (cfg) {
        for (const auto& [name, table] : cfg->plugin)
            s.plugin_tables.push_back(
                {name, fmt::format("{}: [plugin.{}]", cfg->where(table.line), name)});
    }
    std::vector<ParamArg> args = parse_param_args(opts.params);
    if (!loads_plugins(s.command)) return;

    std::string origin;
    std::vector<std::string> names = plugin_names(opts, cfg, origin);
    if (names.empty())
        throw Error(ErrorCode::usage,
                    "no plugin to load: give --plugin NAME (see flux-burst plugins), 'plugins' in "
                    "the [burst] table of a --config file, or --mock (which loads the mock plugin "
                    "by default)");
    std::set<std::string> seen;
    for (const auto& n : names) {
        if (n.empty()) throw Error(ErrorCode::usage, origin + ": a plugin name is empty");
        if (!seen.insert(n).second)
            throw Error(
                ErrorCode::usage,
                fmt::format("{}: plugin '{}' is given twice; a plugin is loaded once", origin, n),
                {n, "", ""});
    }
    if (s.command == "request" && names.size() != 1)
        throw Error(ErrorCode::usage,
                    fmt::format("request asks one plugin for nodes: give exactly one --plugin NAME "
                                "(the plugins given are: {})",
                                join(names)));
    for (const auto& a : args) {
        if (!seen.count(a.plugin))
            throw Error(ErrorCode::usage,
                        fmt::format("--param '{}': plugin '{}' is not loaded (loaded: {}); add "
                                    "--plugin {} or fix the name",
                                    a.text, a.plugin, join(names), a.plugin),
                        {a.plugin, a.key, ""});
    }

    for (const auto& name : names) {
        PluginSettings p;
        p.name = name;
        if (cfg) {
            if (auto t = cfg->plugin.find(name); t != cfg->plugin.end()) {
                for (const auto& [key, value] : t->second.values.items())
                    p.params.given.push_back({key, value, cfg->where(t->second.lines.at(key))});
            }
        }
        for (const auto& a : args) {
            if (a.plugin == name)
                p.params.overrides.push_back({a.key, a.value, fmt::format("--param '{}'", a.text)});
        }
        s.plugins.push_back(std::move(p));
    }
}

void resolve_ordering(const Options& opts, const ConfigFile* cfg, Settings& s) {
    Picked ordering = pick(opts.ordering, "--ordering", cfg ? cfg->ordering : "", cfg, "ordering");
    if (ordering.value.empty()) return;
    // The library knows the orderings; its error gets the origin in front.
    try {
        ordering::from_name(ordering.value);
    } catch (const Error& e) {
        throw Error(
            ordering.code, fmt::format("{}: {}", ordering.origin, e.what()),
            {"", "ordering", cfg && ordering.code == ErrorCode::bad_config ? cfg->path : ""});
    }
    s.ordering = ordering.value;
}

// A duration: --OPTION > [burst] KEY (checked when the file was read) > the default
// already in `seconds`.
void resolve_duration(const std::string& option_value, const std::string& option,
                      const std::optional<double>& config_value, double& seconds) {
    if (!option_value.empty())
        seconds = parse_duration(option_value, option);
    else if (config_value)
        seconds = *config_value;
}

void resolve_run(const Options& opts, const ConfigFile* cfg, Settings& s) {
    s.watch = opts.watch;
    if (cfg) {
        s.policy = cfg->policy;
        s.state_file = cfg->state_file;
    }
    resolve_duration(opts.interval, "--interval", cfg ? cfg->interval : std::nullopt,
                     s.policy.interval);
    resolve_duration(opts.unburst_after, "--unburst-after", cfg ? cfg->unburst_after : std::nullopt,
                     s.policy.unburst_after);
    if (s.policy.interval <= 0) {
        bool from_option = !opts.interval.empty();
        throw Error(from_option ? ErrorCode::usage : ErrorCode::bad_config,
                    fmt::format("{}: must be more than 0",
                                from_option ? "--interval" : burst_origin(*cfg, "interval")),
                    {"", "interval", from_option ? "" : cfg->path});
    }
    if (!opts.state_file.empty()) s.state_file = opts.state_file;
}

}  // namespace

std::optional<ConfigFile> read_config(const Options& opts) {
    if (opts.config.empty()) return std::nullopt;
    return read_config_file(opts.config);
}

Settings resolve_settings(const Options& opts, const ConfigFile* cfg) {
    Settings s;
    s.command = opts.command;
    s.json = opts.json;
    s.verbose = opts.verbose;
    s.quiet = opts.quiet;
    s.nodes = opts.nodes;
    s.tasks = opts.tasks;
    s.plugin_name = opts.plugin_name;
    s.overwrite = opts.overwrite;
    resolve_run(opts, cfg, s);
    resolve_ordering(opts, cfg, s);
    resolve_jobs(opts, cfg, s);
    resolve_plugin_dirs(opts, cfg, s);
    resolve_plugins(opts, cfg, s);
    return s;
}

}  // namespace fluxburst::cli
