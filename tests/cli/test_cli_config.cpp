// --config FILE (TOML): what it sets, its precedence, and its errors.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using cli_test::run;

namespace {

struct Setup {
    test::TempDir dir;
    std::string jobs = cli_test::copy_valid_jobs(dir);
    std::string original = test::read_text(jobs);
    std::string config = dir.file("burst.toml");
    std::string state = dir.file("state.json");

    void write(const std::string& toml) { test::write_text(config, toml); }
};

std::vector<std::string> assigned_names(const std::string& json) {
    std::vector<std::string> names;
    const nlohmann::json report = nlohmann::json::parse(json);
    for (const auto& a : report["assignments"]) names.push_back(a["name"]);
    return names;
}

}  // namespace

TEST_CASE("the config file sets jobs (relative to itself), plugins, ordering and parameters") {
    Setup s;
    s.write(R"([burst]
plugins = ["mock"]
ordering = "in_order"
jobs = "jobs.json"     # next to the config file

[plugin.mock]
max_nodes = 3
cluster_prefix = "cfg"
)");
    // Run from another directory: jobs.json is found next to the config file.
    auto r = run({"run", "--config", s.config, "--json"}, {}, "/");
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto report = nlohmann::json::parse(r.out);
    CHECK(assigned_names(r.out) == std::vector<std::string>{"sim"});
    CHECK(report["plugins"][0]["details"]["name"] == "cfg-0");
    CHECK(report["queue"].get<std::string>().find(s.dir.path() + "/jobs.json") !=
          std::string::npos);
    CHECK(test::read_text(s.jobs) != s.original);  // sim was marked
}

TEST_CASE("precedence: defaults < config file < FLUXBURST_<KEY> < --param") {
    Setup s;
    s.write("[burst]\nplugins = [\"mock\"]\n[plugin.mock]\nmax_nodes = 2\n");
    std::vector<std::string> args{"select", "--jobs", s.jobs, "--config", s.config, "--json"};
    CHECK(assigned_names(run(args).out) == std::vector<std::string>{"sim"});
    // The environment beats the config file.
    CHECK(assigned_names(run(args, {{"FLUXBURST_MAX_NODES", "4"}}).out) ==
          std::vector<std::string>{"sim", "four"});
    // The command line beats both.
    auto with_param = args;
    with_param.insert(with_param.end(), {"--param", "mock.max_nodes=16"});
    CHECK(assigned_names(run(with_param, {{"FLUXBURST_MAX_NODES", "4"}}).out) ==
          std::vector<std::string>{"sim", "big", "four"});
}

TEST_CASE("the command line wins over the config file's [burst] settings") {
    Setup s;
    test::TempDir other;
    std::string other_jobs = cli_test::copy_valid_jobs(other);
    s.write("[burst]\nplugins = [\"mock\"]\njobs = \"" + s.jobs +
            "\"\nordering = \"least_waste\"\n");
    // --jobs replaces the config's jobs file.
    auto r = run({"select", "--config", s.config, "--jobs", other_jobs, "--json"});
    REQUIRE(r.status == 0);
    CHECK(nlohmann::json::parse(r.out)["queue"].get<std::string>().find(other_jobs) !=
          std::string::npos);
    // --mock replaces it too.
    r = run({"select", "--config", s.config, "--mock", "--json"});
    CHECK(nlohmann::json::parse(r.out)["queue"] == "mock queue");
    // least_waste leaves out mock for jobs over its capacity; --ordering in_order offers them.
    r = run({"select", "--config", s.config, "--json", "--param", "mock.max_nodes=4"});
    auto reasons = nlohmann::json::parse(r.out)["unmatched"][0]["reasons"];
    CHECK(reasons[0] == "the ordering offered it to no plugin");
    r = run({"select", "--config", s.config, "--json", "--param", "mock.max_nodes=4", "--ordering",
             "in_order"});
    CHECK(nlohmann::json::parse(r.out)["unmatched"][0]["reasons"][0] == "mock: declined");
    // --plugin replaces the plugin list.
    s.write("[burst]\nplugins = [\"nosuch\"]\n");
    r = run({"select", "--config", s.config, "--mock", "--plugin", "mock"});
    CHECK(r.status == 0);
}

TEST_CASE("bad config files exit 2 naming the file, key and line - nothing is written") {
    Setup s;
    auto check = [&](const std::string& toml, const std::vector<std::string>& texts) {
        INFO("config:\n" << toml);
        s.write(toml);
        auto r = run({"run", "--jobs", s.jobs, "--plugin", "mock", "--param",
                      "mock.state_file=" + s.state, "--config", s.config});
        INFO("stderr: " << r.err);
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK(r.err.find("config file '" + s.config + "'") != std::string::npos);
        for (const auto& t : texts) CHECK(r.err.find(t) != std::string::npos);
        CHECK(test::read_text(s.jobs) == s.original);
        CHECK(test::read_text(s.state).empty());
    };
    check("[burst\nplugins = []\n", {"is not valid TOML: line 1, column"});
    check("[burst]\nplugins = [\"mock\"\n", {"is not valid TOML: line"});
    check("just words\n", {"is not valid TOML: line 1"});
    check("[burst]\nintervall = \"5s\"\n",
          {"line 2", "unknown key 'intervall' in [burst]; did you mean 'interval'?"});
    check("[bursts]\n", {"line 1", "unknown table 'bursts'; did you mean 'burst'?"});
    check("colour = 1\n", {"unknown key 'colour'"});
    check("[burst]\nplugins = \"mock\"\n",
          {"line 2", "'plugins' must be an array of strings, got a string"});
    check("[burst]\nplugins = [\"mock\", 3]\n",
          {"must be an array of strings; it holds an integer"});
    check("[burst]\nordering = \"fastest\"\n",
          {"line 2: [burst] ordering: unknown ordering 'fastest'; expected one of: in_order"});
    check("[burst]\ninterval = \"soon\"\n", {"[burst] interval: 'soon' is not a duration"});
    check("[burst]\ninterval = 0\n", {"line 2: [burst] interval: must be more than 0"});
    for (const char* bad : {"nan", "inf", "+inf", "-nan", "-inf"}) {
        check(std::string("[burst]\ninterval = ") + bad + "\n",
              {"[burst] interval", "not a duration"});
        check(std::string("[burst]\nunburst_after = ") + bad + "\n",
              {"[burst] unburst_after", "not a duration"});
    }
    check("[burst]\nunburst_after = true\n", {"'unburst_after' must be a duration"});
    check("[burst]\nplugin_path = [\"no-such-dir\"]\n",
          {"[burst] plugin_path", "is not a directory"});
    const std::string line2 = "(config file '" + s.config + "', line 2)";
    check("[plugin.mock]\nmax_node = 3\n",
          {"plugin 'mock': unknown parameter 'max_node' " + line2 + "; did you mean 'max_nodes'?"});
    check("[plugin.mock]\nmax_nodes = \"lots\"\n", {"line 2", "expects an integer, got 'lots'"});
    check("[plugin.mock]\nmax_nodes = true\n",
          {"plugin 'mock': parameter 'max_nodes' " + line2 + " expects integer, got boolean true"});
    // a float too large for an integer was cast (undefined behaviour) and reached the plugin
    check("[plugin.mock]\nmax_nodes = 1e300\n",
          {"parameter 'max_nodes' " + line2 + " expects integer, got number"});
    check("[plugin.mock]\nmax_nodes = 2.5\n",
          {"parameter 'max_nodes' " + line2 + " expects integer, got number 2.5"});
    check("[plugin.mokc]\nmax_nodes = 3\n",
          {"line 1", "[plugin.mokc]: unknown plugin 'mokc'", "did you mean 'mock'?"});
    check("[plugin.mock]\nwhen = 1979-05-27\n", {"a date is not a parameter value"});
    check("plugin = 3\n", {"'plugin' must be a table"});
}

TEST_CASE("a value the plugin's validate() refuses exits 2 naming the plugin") {
    Setup s;
    s.write("[plugin.mock]\nmax_nodes = 0\n");
    auto r = run({"run", "--jobs", s.jobs, "--plugin", "mock", "--config", s.config});
    CHECK(r.status == 2);
    CHECK(r.err.find("plugin 'mock'") != std::string::npos);
    CHECK(r.err.find("validate() refused: max_nodes must be at least 1, got 0") !=
          std::string::npos);
    CHECK(test::read_text(s.jobs) == s.original);
}

TEST_CASE("a missing or unreadable config file exits 2 naming it") {
    Setup s;
    auto r = run({"run", "--mock", "--config", s.dir.file("missing.toml")});
    CHECK(r.status == 2);
    CHECK(r.err.find("cannot read config file '" + s.dir.file("missing.toml") +
                     "': No such file or directory") != std::string::npos);
    r = run({"run", "--mock", "--config", s.dir.path()});
    CHECK(r.status == 2);
    CHECK(r.err.find("it is a directory") != std::string::npos);
    if (::geteuid() != 0) {  // root reads anything
        s.write("[burst]\n");
        ::chmod(s.config.c_str(), 0);
        r = run({"run", "--mock", "--config", s.config});
        CHECK(r.status == 2);
        CHECK(r.err.find("Permission denied") != std::string::npos);
    }
    // Not text at all.
    test::write_text(s.config, std::string("\xff\xfe\x00\x01", 4));
    r = run({"run", "--mock", "--config", s.config});
    CHECK(r.status == 2);
    CHECK(r.err.find("is not valid TOML: line 1, column 1") != std::string::npos);
}

TEST_CASE("a config file others could have written is refused, exit 2, saying what to do") {
    Setup s;
    s.write("[burst]\nplugins = [\"mock\"]\n");
    for (unsigned mode : {0664u, 0646u, 0777u}) {
        CAPTURE(mode);
        ::chmod(s.config.c_str(), mode);
        auto r = run({"run", "--mock", "--config", s.config});
        CHECK(r.status == 2);
        CHECK(r.err.find("config file '" + s.config + "'") != std::string::npos);
        CHECK(r.err.find("chmod go-w '" + s.config + "'") != std::string::npos);
        CHECK(r.out.empty());
    }
    ::chmod(s.config.c_str(), 0644);
    CHECK(run({"run", "--mock", "--config", s.config}).status == 0);
    if (::geteuid() == 0) {  // another owner (root may chown)
        REQUIRE(::chown(s.config.c_str(), 65534, 65534) == 0);
        auto r = run({"run", "--mock", "--config", s.config});
        CHECK(r.status == 2);
        CHECK(r.err.find("owned by uid 65534") != std::string::npos);
    }
    // Not a regular file: an error at once, never a hang.
    std::string fifo = s.dir.file("fifo.toml");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto r = run({"run", "--mock", "--config", fifo});
    CHECK(r.status == 2);
    CHECK(r.err.find("not a regular file") != std::string::npos);
    r = run({"run", "--mock", "--config", "/dev/zero"});
    CHECK(r.status == 2);
    CHECK(r.err.find("not a regular file") != std::string::npos);
}

TEST_CASE("plugin_path in the config file adds plugin directories") {
    Setup s;
    s.write("[burst]\nplugin_path = [\"" + cli_test::good_plugins() +
            "\"]\nplugins = [\"alpha\"]\n[plugin.alpha]\nlabel = \"a\"\n");
    auto r = run({"plugins", "--config", s.config});
    CHECK(r.status == 0);
    CHECK(r.out.find("alpha") != std::string::npos);
    r = run({"request", "--mock", "--config", s.config, "--nodes", "1"});
    CHECK(r.status == 0);
    CHECK(r.out.find("alpha") != std::string::npos);
}
