#include "options.hpp"

#include <utility>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "version.hpp"

#include <CLI/CLI.hpp>

#include <fluxburst/config.hpp>

namespace fluxburst::cli {

namespace {

const char* const description =
    "Burst a Flux instance onto more resources: read the job queue, offer the burstable\n"
    "jobs to plugins (a simulated cluster, down nodes of the instance, clouds), and let\n"
    "the plugins that accepted jobs bring up the resources. Usable as `flux burst`.";

#if FLUXBURST_HAVE_FLUX
#define FLUXBURST_FLUX_NOTE ""
#else
#define FLUXBURST_FLUX_NOTE "\n  This build has no live Flux queue, so one of the others is needed."
#endif

const char* const footer = R"(Examples:
  flux-burst run --mock                         one cycle on the built-in sample (mock queue and plugin)
  flux-burst select --jobs jobs.json --plugin mock
  flux-burst run --jobs jobs.json --plugin mock --param mock.max_nodes=4 --json
  flux-burst run --watch --interval 5s --unburst-after 30s --config burst.toml
  flux-burst request --plugin mock --nodes 4
  flux-burst plugins mock
  flux-burst setup local --param local.config_dir=/tmp/burst --param local.hostnames=node[0-3]

Jobs: --jobs FILE (a JSON array of jobs, or {"jobs": [...]}), or --mock (an in-memory
  queue holding one sample burstable job), or `jobs` in the config file's [burst] table;
  with none of these, inside a Flux instance (FLUX_URI set, as in `flux burst run`), the
  instance's pending jobs (memos mark the jobs scheduled). )" FLUXBURST_FLUX_NOTE R"(

Plugins: --plugin NAME (repeatable, in load order), else `plugins` in [burst] of the
  config file, else `mock` when --mock is given. Searched in FLUXBURST_PLUGIN_PATH, then
  --plugin-path, then the config file's `plugin_path`, then the installed directory.

Precedence of plugin parameters, lowest to highest:
  1. the plugin's defaults              (flux-burst plugins NAME lists them)
  2. the config file                    [plugin.NAME] KEY = VALUE
  3. the environment                    FLUXBURST_<PLUGIN>_<KEY>, else FLUXBURST_<KEY>
  4. the command line                   --param NAME.KEY=VALUE
  Other settings (jobs, ordering, interval, unburst_after): the command line wins over
  the config file.

Config file (--config FILE, TOML; every key optional, unknown keys refused):
  [burst]
  plugins = ["mock", "local"]    plugins to load, in order (like --plugin)
  ordering = "in_order"          in_order, priority or least_waste (like --ordering)
  interval = "5s"                run --watch: time between cycles (like --interval)
  unburst_after = "30s"          run --watch: idle time before unburst
  jobs = "jobs.json"             a jobs file, relative to the config file (like --jobs)
  plugin_path = ["plugins"]      more plugin directories, relative to the config file
  [plugin.NAME]
  KEY = VALUE                    a parameter of plugin NAME (flux-burst plugins NAME)

Environment:
  FLUXBURST_PLUGIN_PATH   colon-separated plugin directories, searched first
  FLUXBURST_LOG_LEVEL     trace, debug, info, warn (default), error, critical, off;
                          -v and -q override it
  FLUXBURST_<PLUGIN>_<KEY>  a parameter of that plugin only (upper-cased, '-' made
                          '_': FLUXBURST_MOCK_STATE_FILE); wins over FLUXBURST_<KEY>
  FLUXBURST_<KEY>         a plugin parameter, for every loaded plugin declaring KEY

Output: results on stdout (a table, or with --json one JSON document; with
  run --watch, one JSON document per line for each cycle that did something);
  logs and errors on stderr.)";

// A whole number >= min, with a message that says so (CLI11's own ranges print
// the largest double).
CLI::Validator at_least(std::int64_t min) {
    return CLI::Validator(
        [min](std::string& text) -> std::string {
            try {
                std::size_t used = 0;
                long long v = std::stoll(text, &used);
                if (used == text.size() && v >= min) return {};
            } catch (const std::exception&) {
            }
            return "expected a whole number of at least " + std::to_string(min) + ", got '" + text +
                   "'";
        },
        "");
}

void add_common(CLI::App* sub, Options& o) {
    sub->add_option("--config", o.config, "TOML config file ([burst] and [plugin.NAME] tables)")
        ->type_name("FILE");
    sub->add_option("--plugin-path", o.plugin_paths, "also search DIR for plugins (repeatable)")
        ->type_name("DIR")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sub->add_flag("--json", o.json, "print results as JSON");
    auto* v = sub->add_flag("-v,--verbose", o.verbose, "log progress to stderr (-vv: more)");
    sub->add_flag("-q,--quiet", o.quiet, "log only errors")->excludes(v);
}

void add_jobs_and_plugins(CLI::App* sub, Options& o, bool ordering) {
    sub->add_option("--jobs", o.jobs, "read jobs from a JSON file (marking rewrites it atomically)")
        ->type_name("FILE");
    sub->add_flag("--mock", o.mock, "use the built-in mock queue (one sample burstable job)");
    sub->add_option("--plugin", o.plugins, "load plugin NAME (repeatable, in load order)")
        ->type_name("NAME")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sub->add_option("--param", o.params,
                    "set a plugin parameter (repeatable; precedence: flux-burst --help)")
        ->type_name("NAME.KEY=VALUE")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    if (ordering)
        sub->add_option(
               "--ordering", o.ordering,
               "which plugin is offered a job first: in_order (default), priority, least_waste")
            ->type_name("NAME");
    add_common(sub, o);
}

}  // namespace

void define_options(CLI::App& app, Options& o, int& status) {
    app.description(description);
    app.footer(std::string(footer) + "\n\n" + exit_status_help());
    app.set_version_flag("--version", version_text(false),
                         "print the version and exit (with -v: the library, Flux support and "
                         "the JSON reader's CPU kernel)");
    app.require_subcommand(1, 1);
    app.get_formatter()->column_width(34);

    auto* plugins = app.add_subcommand("plugins",
                                       "list the plugins found (broken ones with their error), "
                                       "or show one plugin's parameters");
    plugins->add_option("NAME", o.plugin_name, "show this plugin's parameters");
    add_common(plugins, o);

    auto* setup = app.add_subcommand(
        "setup",
        "prepare the lead side once, before any burst: the plugin writes what its bursts need "
        "(bootstrap config with the burst hosts, CURVE certificate) and says what must be "
        "reachable from outside");
    setup->add_option("PLUGIN", o.plugin_name, "the plugin whose setup step to run")->required();
    setup
        ->add_option("--param", o.params,
                     "set a plugin parameter (repeatable; precedence: flux-burst --help)")
        ->type_name("PLUGIN.KEY=VALUE")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    setup->add_flag("--overwrite", o.overwrite,
                    "replace files an earlier setup wrote (refused otherwise)");
    add_common(setup, o);

    auto* select = app.add_subcommand("select",
                                      "dry run: which jobs would burst, to which plugin, which "
                                      "are unmatched and why (nothing is marked, no plugin runs)");
    add_jobs_and_plugins(select, o, true);

    auto* run = app.add_subcommand("run",
                                   "burst: one cycle (--once, the default), or cycles every "
                                   "--interval with --watch");
    add_jobs_and_plugins(run, o, true);
    auto* once = run->add_flag("--once", o.once, "run one cycle and exit (the default)");
    auto* watch =
        run->add_flag("--watch", o.watch,
                      "run a cycle every --interval until SIGINT/SIGTERM (which finish the "
                      "current step and exit 0); unburst a plugin once every job it served "
                      "is finished (INACTIVE or gone) and --unburst-after has passed");
    once->excludes(watch);
    run->add_option("--interval", o.interval, "time between cycles with --watch (default 5s)")
        ->type_name("DURATION")
        ->needs(watch);
    run->add_option("--unburst-after", o.unburst_after,
                    "idle time before unbursting with --watch (default 30s)")
        ->type_name("DURATION")
        ->needs(watch);
    run->add_option("--state-file", o.state_file,
                    "with --watch: where the controller records its live bursts, so that a "
                    "restarted one unbursts them (default: [controller] state_file; none: kept "
                    "in memory)")
        ->type_name("FILE")
        ->needs(watch);
    run->footer(
        "DURATION: a number with an optional unit ms, s (the default), m or h: 5s, 0.5s, 200ms.\n"
        "In --watch mode a cycle that fails (a plugin, or reading the jobs after the first cycle)\n"
        "is reported and the loop goes on; stopped by SIGINT or SIGTERM it exits 0.\n"
        "See flux-burst --help for precedence, environment and exit status.");

    auto* request = app.add_subcommand("request",
                                       "ask one plugin for a burst of a given size (no jobs "
                                       "involved)");
    add_jobs_and_plugins(request, o, false);
    request->add_option("--nodes", o.nodes, "nodes to ask for (1 or more)")
        ->type_name("N")
        ->required()
        ->check(at_least(1));
    request->add_option("--tasks", o.tasks, "tasks to ask for (default: one per node)")
        ->type_name("T")
        ->check(at_least(0));

    auto* unburst = app.add_subcommand("unburst",
                                       "give back what the plugins created (every loaded plugin, "
                                       "or those named with --plugin)");
    add_jobs_and_plugins(unburst, o, false);

    // Each subcommand runs from its callback, once the whole command line is parsed
    // and checked.
    const std::pair<CLI::App*, Command> commands[] = {
        {plugins, plugins_command}, {setup, setup_command},     {select, select_command},
        {run, run_command},         {request, request_command}, {unburst, unburst_command}};
    for (const auto& [sub, command] : commands) {
        sub->callback([&o, &status, sub = sub, command = command] {
            o.command = sub->get_name();
            status = run_subcommand(command, o);
        });
        // Subcommands inherit the main footer; give them a pointer to it instead.
        if (sub != run)
            sub->footer("See flux-burst --help for precedence, environment and exit status.");
    }
}

}  // namespace fluxburst::cli
