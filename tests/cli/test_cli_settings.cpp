// The command's settings resolved in one place (settings.hpp): precedence and the
// origins errors name; and the one table of exit statuses, which the README and
// --help repeat.
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>

#include <fluxburst/error.hpp>
#include <fluxburst/params.hpp>

#include "exit_codes.hpp"
#include "options.hpp"
#include "settings.hpp"

using fluxburst::ErrorCode;
using fluxburst::cli::ConfigFile;
using fluxburst::cli::Options;
using fluxburst::cli::resolve_settings;
using fluxburst::cli::Settings;

namespace {

// A config file as read from burst.toml: [burst] interval (line 2), unburst_after
// (line 3), ordering (line 4), jobs (line 5); [plugin.mock] max_nodes (line 8).
ConfigFile config() {
    ConfigFile cfg;
    cfg.path = "burst.toml";
    cfg.interval = 7;
    cfg.unburst_after = 70;
    cfg.ordering = "least_waste";
    cfg.jobs = "/config/jobs.json";
    cfg.plugins = std::vector<std::string>{"mock"};
    cfg.lines = {
        {"interval", 2}, {"unburst_after", 3}, {"ordering", 4}, {"jobs", 5}, {"plugins", 6}};
    cfg.plugin["mock"].values = {{"max_nodes", 3}};
    cfg.plugin["mock"].lines = {{"max_nodes", 8}};
    cfg.plugin["mock"].line = 7;
    return cfg;
}

Options run_options() {
    Options o;
    o.command = "run";
    o.watch = true;
    return o;
}

// The error `f` throws.
template <typename F>
fluxburst::Error error_of(F f) {
    try {
        f();
    } catch (const fluxburst::Error& e) {
        return e;
    }
    FAIL("no error thrown");
    return fluxburst::Error("unreachable");
}

const fluxburst::ParamSchema mock_schema = {
    {"max_nodes", fluxburst::ParamType::Integer, 8, false, "largest job"}};

struct EnvVar {
    std::string name;
    EnvVar(std::string n, const char* value) : name(std::move(n)) {
        if (value)
            ::setenv(name.c_str(), value, 1);
        else
            ::unsetenv(name.c_str());
    }
    ~EnvVar() { ::unsetenv(name.c_str()); }
};

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// Words separated by single spaces, backquotes removed (Markdown and help text alike).
std::string normalized(const std::string& text) {
    std::string out;
    std::istringstream words(text);
    for (std::string w; words >> w;) {
        w.erase(std::remove(w.begin(), w.end(), '`'), w.end());
        out += (out.empty() ? "" : " ") + w;
    }
    return out;
}

// The rows "| a | b |" of the first Markdown table after `heading` in `text`.
std::vector<std::pair<std::string, std::string>> table_after(const std::string& text,
                                                             const std::string& heading) {
    auto at = text.find(heading);
    REQUIRE(at != std::string::npos);
    std::istringstream in(text.substr(at));
    std::vector<std::pair<std::string, std::string>> rows;
    std::regex row(R"(^\| *([^|]*?) *\| *(.*?) *\|$)");
    bool in_table = false;
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_match(line, m, row)) {
            in_table = true;
            if (m[1] == "status" || m[1] == "kind" || m[1].str().rfind("---", 0) == 0) continue;
            rows.emplace_back(m[1], m[2]);
        } else if (in_table) {
            break;
        }
    }
    return rows;
}

}  // namespace

TEST_CASE("settings: command line > config file > defaults for durations and the ordering") {
    ConfigFile cfg = config();
    Options o = run_options();
    // Defaults (no config file).
    Options mock_only = o;
    mock_only.mock = true;
    Settings d = resolve_settings(mock_only, nullptr);
    CHECK(d.policy.interval == 5);
    CHECK(d.policy.unburst_after == 30);
    CHECK(d.ordering.empty());  // in_order, the library's default
    CHECK(d.jobs == fluxburst::cli::JobsSource::mock);
    // The config file over the defaults.
    Settings c = resolve_settings(o, &cfg);
    CHECK(c.policy.interval == 7);
    CHECK(c.policy.unburst_after == 70);
    CHECK(c.ordering == "least_waste");
    CHECK(c.jobs == fluxburst::cli::JobsSource::file);
    CHECK(c.jobs_file == "/config/jobs.json");
    REQUIRE(c.plugins.size() == 1);
    // The command line over the config file.
    o.interval = "9s";
    o.unburst_after = "200ms";
    o.ordering = "priority";
    o.jobs = "cli.json";
    o.plugins = {"alpha", "mock"};
    Settings l = resolve_settings(o, &cfg);
    CHECK(l.policy.interval == 9);
    CHECK(l.policy.unburst_after == Approx(0.2));
    CHECK(l.ordering == "priority");
    CHECK(l.jobs_file == "cli.json");
    REQUIRE(l.plugins.size() == 2);
    CHECK(l.plugins[0].name == "alpha");
}

TEST_CASE("settings: a parameter's four layers, each with its origin") {
    ConfigFile cfg = config();
    Options o = run_options();
    o.params = {"mock.max_nodes=5"};
    Settings s = resolve_settings(o, &cfg);
    REQUIRE(s.plugins.size() == 1);
    const fluxburst::ParamLayers& layers = s.plugins[0].params;
    REQUIRE(layers.given.size() == 1);
    CHECK(layers.given[0].key == "max_nodes");
    CHECK(layers.given[0].origin == "config file 'burst.toml', line 8");
    REQUIRE(layers.overrides.size() == 1);
    CHECK(layers.overrides[0].origin == "--param 'mock.max_nodes=5'");

    EnvVar shared("FLUXBURST_MAX_NODES", nullptr);
    EnvVar own("FLUXBURST_MOCK_MAX_NODES", nullptr);
    auto merged = [&](const fluxburst::ParamLayers& l) {
        return fluxburst::merge_param_layers("mock", mock_schema, l)["max_nodes"].get<int>();
    };
    CHECK(merged({}) == 8);                  // the default
    CHECK(merged({layers.given, {}}) == 3);  // the config file over it
    {
        EnvVar env("FLUXBURST_MOCK_MAX_NODES", "4");
        CHECK(merged({layers.given, {}}) == 4);  // the environment over the config file
        CHECK(merged(layers) == 5);              // the command line over everything
    }
    // Each layer's error names where the value came from.
    fluxburst::ParamLayers bad = layers;
    bad.given[0].value = "lots";
    auto e = error_of([&] { merged({bad.given, {}}); });
    CHECK(e.code() == ErrorCode::bad_parameter);
    CHECK(e.subject().plugin == "mock");
    CHECK(e.subject().key == "max_nodes");
    CHECK_THAT(e.what(), Catch::Contains("(config file 'burst.toml', line 8) expects an integer"));
    {
        EnvVar env("FLUXBURST_MOCK_MAX_NODES", "many");
        CHECK_THAT(error_of([&] {
                       merged({bad.given, {}});
                   }).what(),
                   Catch::Contains("(config file 'burst.toml', line 8)"));
        CHECK_THAT(error_of([&] { merged({}); }).what(),
                   Catch::Contains("(environment FLUXBURST_MOCK_MAX_NODES) expects an integer"));
    }
    bad.overrides[0].key = "max_node";
    CHECK_THAT(error_of([&] {
                   merged({{}, bad.overrides});
               }).what(),
               Catch::Contains("unknown parameter 'max_node' (--param 'mock.max_nodes=5'); did "
                               "you mean 'max_nodes'?"));
}

TEST_CASE("settings: errors name the option, or the config file and line, with their kind") {
    ConfigFile cfg = config();
    Options o = run_options();
    cfg.ordering = "fastest";
    auto e = error_of([&] { resolve_settings(o, &cfg); });
    CHECK(e.code() == ErrorCode::bad_config);
    CHECK(e.subject().file == "burst.toml");
    CHECK_THAT(e.what(), Catch::StartsWith("config file 'burst.toml', line 4: [burst] ordering: "
                                           "unknown ordering 'fastest'"));
    o.ordering = "least_wast";  // the command line wins, and is what the error names
    e = error_of([&] { resolve_settings(o, &cfg); });
    CHECK(e.code() == ErrorCode::usage);
    CHECK(std::string(e.what()) ==
          "--ordering: unknown ordering 'least_wast'; did you mean 'least_waste'?");
    o.ordering.clear();
    cfg.ordering.clear();

    cfg.interval = 0.0;
    e = error_of([&] { resolve_settings(o, &cfg); });
    CHECK(e.code() == ErrorCode::bad_config);
    CHECK(std::string(e.what()) ==
          "config file 'burst.toml', line 2: [burst] interval: must be "
          "more than 0");
    o.interval = "0s";
    CHECK(std::string(error_of([&] { resolve_settings(o, &cfg); }).what()) ==
          "--interval: must be more than 0");
    o.interval = "soon";
    e = error_of([&] { resolve_settings(o, &cfg); });
    CHECK(e.code() == ErrorCode::usage);
    CHECK_THAT(e.what(), Catch::StartsWith("--interval: 'soon' is not a duration"));
    o.interval.clear();
    cfg.interval.reset();

    o.params = {"local.max_nodes=2"};
    e = error_of([&] { resolve_settings(o, &cfg); });
    CHECK(e.code() == ErrorCode::usage);
    CHECK_THAT(e.what(), Catch::StartsWith("--param 'local.max_nodes=2': plugin 'local' is not "
                                           "loaded (loaded: mock)"));
    o.params.clear();
    o.plugins = {"mock", "mock"};
    CHECK_THAT(error_of([&] { resolve_settings(o, &cfg); }).what(),
               Catch::StartsWith("--plugin: plugin 'mock' is given twice"));
    o.plugins.clear();
    cfg.plugins = std::vector<std::string>{"mock", "mock"};
    CHECK_THAT(error_of([&] { resolve_settings(o, &cfg); }).what(),
               Catch::StartsWith("config file 'burst.toml', line 6: [burst] plugins: plugin "
                                 "'mock' is given twice"));
}

TEST_CASE("exit statuses: every error kind has one, from one table") {
    using fluxburst::cli::exit_status;
    for (ErrorCode code : fluxburst::all_error_codes) {
        INFO(fluxburst::to_string(code));
        int status = exit_status(code);
        CHECK((status == 1 || status == 2));
    }
    // What the command was called with is a usage error; the work failing is not.
    CHECK(exit_status(ErrorCode::usage) == 2);
    CHECK(exit_status(ErrorCode::bad_config) == 2);
    CHECK(exit_status(ErrorCode::bad_parameter) == 2);
    CHECK(exit_status(ErrorCode::plugin_not_found) == 2);
    CHECK(exit_status(ErrorCode::plugin_refused) == 2);
    CHECK(exit_status(ErrorCode::plugin_unsupported) == 2);
    CHECK(exit_status(ErrorCode::failed) == 1);
    CHECK(exit_status(ErrorCode::plugin_broken) == 1);
    CHECK(exit_status(ErrorCode::plugin_failed) == 1);
    CHECK(exit_status(ErrorCode::bad_queue) == 1);
    CHECK(exit_status(ErrorCode::queue_busy) == 1);
    CHECK(exit_status(ErrorCode::bad_job) == 1);
    CHECK(exit_status(ErrorCode::unreachable) == 1);
}

TEST_CASE("exit statuses: the README, --help and the code say the same") {
    std::string readme = read_file(std::string(SOURCE_DIR) + "/README.md");
    REQUIRE_FALSE(readme.empty());

    // The meaning of each status: the README's table is the code's text.
    auto statuses = table_after(readme, "Exit status:");
    const auto& texts = fluxburst::cli::exit_status_texts();
    REQUIRE(statuses.size() == texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
        CHECK(statuses[i].first == std::to_string(texts[i].status));
        CHECK(normalized(statuses[i].second) == normalized(texts[i].meaning));
    }

    // --help prints the same text.
    CLI::App app("", "flux-burst");
    Options opts;
    int status = 0;
    fluxburst::cli::define_options(app, opts, status);
    std::string help = normalized(app.help());
    for (const auto& t : texts) {
        INFO(t.meaning);
        CHECK_THAT(help, Catch::Contains(normalized(std::to_string(t.status) + "  " + t.meaning)));
    }

    // Each error kind: the README's table is the code's table, and names every kind.
    auto kinds = table_after(readme, "| kind | exit status |");
    REQUIRE(kinds.size() == std::size(fluxburst::all_error_codes));
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        ErrorCode code = fluxburst::all_error_codes[i];
        INFO(fluxburst::to_string(code));
        CHECK(normalized(kinds[i].first) == fluxburst::to_string(code));
        CHECK(kinds[i].second.substr(0, 1) == std::to_string(fluxburst::cli::exit_status(code)));
    }
}
