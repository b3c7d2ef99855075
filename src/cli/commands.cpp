#include "commands.hpp"

#include <algorithm>
#include <iostream>

#include <unistd.h>

#include <fmt/format.h>

#include <fluxburst/client.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/plugin.hpp>

#include "client_setup.hpp"
#include "duration.hpp"
#include "exit_codes.hpp"
#include "queue_choice.hpp"
#include "signals.hpp"
#include "suggest.hpp"
#include "table.hpp"
#include "terminal_text.hpp"
#include "watch_loop.hpp"

namespace fluxburst::cli {

namespace {

nlohmann::json plugin_json(const PluginDescription& d) {
    nlohmann::json j = {
        {"name", d.name}, {"version", d.version}, {"description", d.description},
        {"path", d.path}, {"ok", d.ok()},         {"parameters", schema_to_json(d.parameters)}};
    if (!d.ok()) j["error"] = d.error;
    return j;
}

// Print a report; the exit status: 1 when a plugin failed, or when queue entries
// had to be skipped (malformed jobs: bad input, although the valid jobs were handled).
int emit(const Options& opts, const BurstReport& report, bool cycle) {
    if (opts.json) {
        report.write_json(std::cout);
        std::cout << "\n";
    } else
        print_report(std::cout, report, cycle);
    std::cout.flush();
    if (!report.skipped.empty())
        std::cerr << fmt::format(
            "flux-burst: error: {}: {} entr{} could not be used (listed as skipped, with the "
            "reason); the other jobs were handled\n",
            report.queue, report.skipped.size(), report.skipped.size() == 1 ? "y" : "ies");
    return report.ok() && report.skipped.empty() ? exit_ok : exit_runtime;
}

// A client with the queue and the plugins the options and config file name.
Client prepare(const Options& opts, const ConfigFile* cfg, bool needs_jobs) {
    QueueChoice choice;
    choice.jobs_file = opts.jobs;
    choice.mock = opts.mock;
    choice.config_jobs = cfg ? cfg->jobs : "";
    choice.required = needs_jobs;
    Client client = make_client(opts, cfg, choose_queue(choice));
    std::vector<std::string> names = plugin_names(opts, cfg);
    if (opts.command == "request" && names.size() != 1)
        throw UsageError(
            fmt::format("request asks one plugin for nodes: give exactly one --plugin NAME "
                        "(the plugins given are: {})",
                        join(names)));
    load_plugins(client, names, opts, cfg);
    apply_ordering(client, opts, cfg);
    return client;
}

}  // namespace

int plugins_command(const Options& opts) {
    auto cfg = read_config(opts);
    Client client = make_client(opts, cfg ? &*cfg : nullptr, nullptr);
    if (opts.plugin_name.empty()) {
        std::vector<PluginDescription> all = client.discover();
        if (opts.json) {
            nlohmann::json j = {{"search_path", client.plugin_dirs()},
                                {"plugins", nlohmann::json::array()}};
            for (const auto& d : all) j["plugins"].push_back(plugin_json(d));
            std::cout << j.dump(2) << "\n";
        } else {
            print_plugin_list(std::cout, all, client.plugin_dirs());
        }
        return exit_ok;
    }
    std::vector<std::string> names = client.plugin_names();
    if (std::find(names.begin(), names.end(), opts.plugin_name) == names.end())
        throw UsageError(fmt::format("unknown plugin '{}': no libfluxburst_{}.so in {}{}",
                                     opts.plugin_name, opts.plugin_name,
                                     join(client.plugin_dirs(), ":"),
                                     names.empty() ? std::string("; no plugins were found")
                                                   : suggestion(opts.plugin_name, names)));
    // Only this plugin's file is opened, in a child process.
    PluginDescription d = client.probe(opts.plugin_name);
    if (opts.json)
        std::cout << plugin_json(d).dump(2) << "\n";
    else if (d.ok())
        print_plugin_detail(std::cout, d);
    if (!d.ok()) {
        if (!opts.json)
            std::cout << fmt::format("{}  {}\nbroken: {}\n", terminal_text(d.name, 200),
                                     terminal_text(d.path, 4000), terminal_text(d.error, 4000));
        return exit_runtime;
    }
    return exit_ok;
}

int setup_command(const Options& opts) {
    auto cfg = read_config(opts);
    Client client = make_client(opts, cfg ? &*cfg : nullptr, nullptr);
    load_plugins(client, {opts.plugin_name}, opts, cfg ? &*cfg : nullptr);
    BurstPlugin* plugin = client.plugin(opts.plugin_name);
    SetupRequest request;
    request.overwrite = opts.overwrite;
    BurstResult result;
    try {
        result = plugin->setup(request);
    } catch (const PluginError& e) {
        throw UsageError(e.what());  // no setup step: the wrong plugin for this command
    } catch (const std::exception& e) {
        throw RuntimeError(
            fmt::format("setup of plugin '{}' failed: {}", opts.plugin_name, e.what()));
    }
    if (opts.json) {
        nlohmann::json j = {
            {"plugin", opts.plugin_name}, {"summary", result.summary}, {"details", result.details}};
        std::cout << j.dump(2) << "\n";
    } else {
        print_setup(std::cout, opts.plugin_name, result);
    }
    return exit_ok;
}

int select_command(const Options& opts) {
    auto cfg = read_config(opts);
    Client client = prepare(opts, cfg ? &*cfg : nullptr, true);
    return emit(opts, client.plan_burst(), true);
}

int run_command(const Options& opts) {
    auto cfg = read_config(opts);
    WatchSettings settings;
    settings.json = opts.json;
    if (cfg) settings.policy = cfg->policy;
    if (cfg) settings.state_file = cfg->state_file;
    if (cfg && cfg->interval) settings.policy.interval = *cfg->interval;
    if (cfg && cfg->unburst_after) settings.policy.unburst_after = *cfg->unburst_after;
    if (!opts.interval.empty())
        settings.policy.interval = parse_duration(opts.interval, "--interval");
    if (!opts.unburst_after.empty())
        settings.policy.unburst_after = parse_duration(opts.unburst_after, "--unburst-after");
    if (!opts.state_file.empty()) settings.state_file = opts.state_file;
    if (settings.policy.interval <= 0) throw UsageError("--interval: must be more than 0");
    // From here on a SIGINT/SIGTERM lets loading finish and the loop stop cleanly.
    if (opts.watch) signals::install_stop_handlers();
    Client client = prepare(opts, cfg ? &*cfg : nullptr, true);
    if (!opts.watch) {
        // One controller per queue: a cycle is refused while another holds it.
        auto claim = client.queue().claim(fmt::format("flux-burst run --once, pid {}", ::getpid()));
        return emit(opts, client.run_burst(), true);
    }
    return watch(client, settings, std::cout);
}

int request_command(const Options& opts) {
    auto cfg = read_config(opts);
    Client client = prepare(opts, cfg ? &*cfg : nullptr, false);
    return emit(opts,
                client.request_burst(client.plugins().front()->name(), opts.nodes, opts.tasks),
                false);
}

int unburst_command(const Options& opts) {
    auto cfg = read_config(opts);
    Client client = prepare(opts, cfg ? &*cfg : nullptr, false);
    return emit(opts, client.run_unburst(), false);
}

int dispatch(const Options& opts) {
    if (opts.command == "plugins") return plugins_command(opts);
    if (opts.command == "setup") return setup_command(opts);
    if (opts.command == "select") return select_command(opts);
    if (opts.command == "run") return run_command(opts);
    if (opts.command == "request") return request_command(opts);
    if (opts.command == "unburst") return unburst_command(opts);
    throw UsageError("no subcommand given; see flux-burst --help");
}

}  // namespace fluxburst::cli
