#include "commands.hpp"

#include <iostream>

#include <unistd.h>

#include <fmt/format.h>

#include <fluxburst/client.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/log.hpp>
#include <fluxburst/plugin.hpp>

#include "client_setup.hpp"
#include "exit_codes.hpp"
#include "signals.hpp"
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
int emit(const Settings& s, const BurstReport& report, bool cycle) {
    if (s.json) {
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

// A client with the queue, the plugins and the ordering of the settings.
Client prepare(const Settings& s) {
    Client client = make_client(s);
    load_plugins(client, s);
    return client;
}

void set_log_level(const Settings& s) {
    using fluxburst::LogLevel;
    if (s.quiet)
        fluxburst::set_log_level(LogLevel::Error);
    else if (s.verbose >= 2)
        fluxburst::set_log_level(LogLevel::Debug);
    else if (s.verbose == 1)
        fluxburst::set_log_level(LogLevel::Info);
}

}  // namespace

int plugins_command(const Settings& s) {
    Client client = make_client(s);
    if (s.plugin_name.empty()) {
        std::vector<PluginDescription> all = client.discover();
        if (s.json) {
            nlohmann::json j = {{"search_path", client.plugin_dirs()},
                                {"plugins", nlohmann::json::array()}};
            for (const auto& d : all) j["plugins"].push_back(plugin_json(d));
            std::cout << j.dump(2) << "\n";
        } else {
            print_plugin_list(std::cout, all, client.plugin_dirs());
        }
        return exit_ok;
    }
    // Only this plugin's file is opened, in a child process (plugin_not_found when
    // there is none).
    PluginDescription d = client.probe(s.plugin_name);
    if (s.json)
        std::cout << plugin_json(d).dump(2) << "\n";
    else if (d.ok())
        print_plugin_detail(std::cout, d);
    if (!d.ok()) {
        if (!s.json)
            std::cout << fmt::format("{}  {}\nbroken: {}\n", terminal_text(d.name, 200),
                                     terminal_text(d.path, 4000), terminal_text(d.error, 4000));
        return exit_runtime;
    }
    return exit_ok;
}

int setup_command(const Settings& s) {
    Client client = prepare(s);
    BurstPlugin* plugin = client.plugin(s.plugin_name);
    SetupRequest request;
    request.overwrite = s.overwrite;
    BurstResult result;
    try {
        result = plugin->setup(request);
    } catch (const std::exception& e) {
        // The plugin's own failure, but "no setup step" says so already.
        auto* error = dynamic_cast<const Error*>(&e);
        if (error && error->code() == ErrorCode::plugin_unsupported) throw;
        throw Error(ErrorCode::plugin_failed,
                    fmt::format("setup of plugin '{}' failed: {}", s.plugin_name, e.what()),
                    {s.plugin_name, "", ""});
    }
    if (s.json) {
        nlohmann::json j = {
            {"plugin", s.plugin_name}, {"summary", result.summary}, {"details", result.details}};
        std::cout << j.dump(2) << "\n";
    } else {
        print_setup(std::cout, s.plugin_name, result);
    }
    return exit_ok;
}

int select_command(const Settings& s) {
    Client client = prepare(s);
    return emit(s, client.plan_burst(), true);
}

int run_command(const Settings& s) {
    // From here on a SIGINT/SIGTERM lets loading finish and the loop stop cleanly.
    if (s.watch) signals::install_stop_handlers();
    Client client = prepare(s);
    if (!s.watch) {
        // One controller per queue: a cycle is refused while another holds it.
        auto claim = client.queue().claim(fmt::format("flux-burst run --once, pid {}", ::getpid()));
        return emit(s, client.run_burst(), true);
    }
    WatchSettings watch_settings;
    watch_settings.json = s.json;
    watch_settings.policy = s.policy;
    watch_settings.state_file = s.state_file;
    return watch(client, watch_settings, std::cout);
}

int request_command(const Settings& s) {
    Client client = prepare(s);
    return emit(s, client.request_burst(client.plugins().front()->name(), s.nodes, s.tasks), false);
}

int unburst_command(const Settings& s) {
    Client client = prepare(s);
    return emit(s, client.run_unburst(), false);
}

int run_subcommand(Command command, const Options& opts) {
    auto cfg = read_config(opts);
    Settings settings = resolve_settings(opts, cfg ? &*cfg : nullptr);
    set_log_level(settings);
    return command(settings);
}

}  // namespace fluxburst::cli
