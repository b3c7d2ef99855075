#include <fluxburst/client.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/plugin.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <utility>

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "test_support.hpp"

using fluxburst::Client;
using fluxburst::PluginError;
using nlohmann::json;

namespace {
// A client that sees only the given directories.
Client isolated(std::initializer_list<const char*> dirs) {
    Client c;
    c.set_search_installed_dir(false);
    for (const char* d : dirs) c.add_plugin_dir(d);
    return c;
}

std::string load_error(Client& c, const std::string& name, const json& params = json::object()) {
    try {
        c.load(name, params);
    } catch (const PluginError& e) {
        return e.what();
    } catch (const fluxburst::Error& e) {
        return std::string("other error: ") + e.what();
    }
    return "loaded";
}
}  // namespace

TEST_CASE("the search path: FLUXBURST_PLUGIN_PATH, added directories, installed directory") {
    test::EnvVar env("FLUXBURST_PLUGIN_PATH", "/a:/b::");
    Client c;
    c.add_plugin_dir("/c");
    auto dirs = c.plugin_dirs();
    REQUIRE(dirs.size() == 4);
    CHECK(dirs[0] == "/a");
    CHECK(dirs[1] == "/b");
    CHECK(dirs[2] == "/c");
    CHECK(dirs[3] == Client::installed_plugin_dir());
    // the build tree mirrors the install tree, so the in-tree mock is "installed"
    CHECK(std::filesystem::equivalent(Client::installed_plugin_dir(), TEST_BUILD_PLUGIN_DIR));
}

TEST_CASE("discover lists plugins without initialising them") {
    test::EnvVar env("FLUXBURST_PLUGIN_PATH", nullptr);
    Client c = isolated({TEST_GOOD_PLUGIN_DIR, TEST_BUILD_PLUGIN_DIR});
    auto found = c.discover();
    std::vector<std::string> names;
    for (const auto& d : found)
        if (d.name != "local") names.push_back(d.name);  // built only with Flux
    CHECK(names == std::vector<std::string>{"alpha", "beta", "recorder", "compute-engine", "eks",
                                            "gke", "kubernetes", "mock"});
    const auto& rec = found[2];
    CHECK(rec.ok());
    CHECK(rec.version == "1.2.3");
    CHECK(rec.description == "test plugin that records calls");
    CHECK_THAT(rec.path, Catch::EndsWith("/libfluxburst_recorder.so"));
    REQUIRE(rec.parameters.size() == 6);
    CHECK(rec.parameters[0].name == "capacity");
    CHECK(rec.parameters[0].default_value == 4);
    CHECK(rec.parameters[3].required);
    CHECK(c.plugins().empty());
}

TEST_CASE("an earlier directory shadows a plugin of the same name") {
    test::TempDir dir;
    std::filesystem::copy_file(std::string(TEST_GOOD_PLUGIN_DIR) + "/libfluxburst_alpha.so",
                               dir.file("libfluxburst_mock.so"));
    Client c = isolated({TEST_BUILD_PLUGIN_DIR, dir.path().c_str()});
    std::vector<fluxburst::PluginDescription> found;
    for (auto& d : c.discover())
        if (d.name == "mock") found.push_back(d);
    REQUIRE(found.size() == 1);
    CHECK(found[0].path == std::string(TEST_BUILD_PLUGIN_DIR) + "/libfluxburst_mock.so");
}

TEST_CASE("broken plugins are listed with their error, never abort the listing") {
    Client c = isolated({TEST_BROKEN_PLUGIN_DIR});
    std::map<std::string, std::string> errors;
    for (const auto& d : c.discover()) errors[d.name] = d.error;
    CHECK_THAT(errors["text"], Catch::Contains("not a loadable shared object"));
    CHECK_THAT(errors["noentry"],
               Catch::Contains("missing entry symbol 'fluxburst_plugin_abi_version'"));
    CHECK_THAT(errors["wrongabi"],
               Catch::Contains("built for ABI 999") &&
                   Catch::Contains("speaks ABI " + std::to_string(FLUXBURST_PLUGIN_ABI_VERSION)));
    // each part of the build identity is checked on its own, and named
    CHECK_THAT(errors["wrongmajor"], Catch::Contains("built against libfluxburst") &&
                                         Catch::Contains("rebuild the plugin"));
    // the plugin says one more than this compiler's __GXX_ABI_VERSION (GCC 12: 1017,
    // clang: 1002)
    CHECK_THAT(errors["wrongcxxabi"],
               Catch::Contains("C++ ABI " + std::to_string(__GXX_ABI_VERSION + 1)) &&
                   Catch::Contains("__GXX_ABI_VERSION"));
    CHECK_THAT(errors["wrongstringabi"], Catch::Contains("_GLIBCXX_USE_CXX11_ABI"));
    CHECK_THAT(errors["wrongjson"],
               Catch::Contains("nlohmann_json ABI") && Catch::Contains("json_abi_v9_9_9"));
    CHECK_THAT(errors["badschema"],
               Catch::Contains("invalid parameter schema") && Catch::Contains("max_nodes"));
    CHECK(errors["initnull"].empty());  // its info is fine; it fails at load
    CHECK(errors["throwinit"].empty());
}

TEST_CASE("the ABI version's neighbours are refused, by each check on its own") {
    test::EnvVar env("FLUXBURST_PLUGIN_PATH", nullptr);
    Client c = isolated({TEST_ABI_PLUGIN_DIR});
    const std::string current = std::to_string(FLUXBURST_PLUGIN_ABI_VERSION);
    const std::string prev = std::to_string(FLUXBURST_PLUGIN_ABI_VERSION - 1);
    const std::string next = std::to_string(FLUXBURST_PLUGIN_ABI_VERSION + 1);
    std::map<std::string, std::string> errors;
    for (const auto& d : c.discover()) errors[d.name] = d.error;
    REQUIRE(errors.size() == 5);
    CHECK(errors["abicurrent"].empty());
    // fluxburst_plugin_abi_version() one below and one above: the first check.
    auto first_check = [&](const std::string& error, const std::string& version) {
        CHECK_THAT(error, Catch::Contains("the plugin was built for ABI " + version + ",") &&
                              Catch::Contains("speaks ABI " + current) &&
                              Catch::Contains("rebuild the plugin"));
    };
    // The version function agrees, the info struct does not: the second check alone.
    auto second_check = [&](const std::string& error, const std::string& version) {
        CHECK_THAT(error, Catch::Contains("the plugin's info says ABI " + version + ",") &&
                              Catch::Contains("speaks ABI " + current));
    };
    first_check(errors["abiprev"], prev);
    first_check(load_error(c, "abiprev"), prev);
    first_check(errors["abinext"], next);
    first_check(load_error(c, "abinext"), next);
    second_check(errors["infoprev"], prev);
    second_check(load_error(c, "infoprev"), prev);
    second_check(errors["infonext"], next);
    second_check(load_error(c, "infonext"), next);
    CHECK_THAT(load_error(c, "abinext"), Catch::Contains("plugin 'abinext'"));
    CHECK(c.plugins().empty());
    // The same plugin at the current version loads and works.
    REQUIRE(load_error(c, "abicurrent") == "loaded");
    auto job = fluxburst::Job::from_json({{"id", 1}, {"nnodes", 2}, {"spec", json::object()}});
    CHECK(c.plugin("abicurrent")->schedule(*job));
}

TEST_CASE("every load failure names the plugin, the file and the reason") {
    test::EnvVar env("FLUXBURST_PLUGIN_PATH", nullptr);
    Client c = isolated({TEST_BROKEN_PLUGIN_DIR, TEST_GOOD_PLUGIN_DIR});
    std::string broken = TEST_BROKEN_PLUGIN_DIR;
    CHECK_THAT(load_error(c, "text"), Catch::Contains("plugin 'text'") &&
                                          Catch::Contains(broken + "/libfluxburst_text.so") &&
                                          Catch::Contains("not a loadable shared object"));
    CHECK_THAT(load_error(c, "noentry"),
               Catch::Contains("plugin 'noentry'") && Catch::Contains("missing entry symbol"));
    CHECK_THAT(load_error(c, "wrongabi"),
               Catch::Contains("ABI 999") &&
                   Catch::Contains("ABI " + std::to_string(FLUXBURST_PLUGIN_ABI_VERSION)));
    CHECK_THAT(load_error(c, "initnull"),
               Catch::Contains("plugin 'initnull'") && Catch::Contains("init returned null"));
    CHECK_THAT(load_error(c, "throwinit"),
               Catch::Contains("init threw: cannot reach the cloud API"));
    CHECK_THAT(load_error(c, "throwvalidate"),
               Catch::Contains("validate() refused: credentials file is missing"));
    CHECK_THROWS_AS(c.load("throwvalidate"), fluxburst::PluginRefusedError);
    CHECK_THAT(load_error(c, "badschema"), Catch::Contains("invalid parameter schema"));
    CHECK_THAT(load_error(c, "recorder"), Catch::Contains("required parameter 'label' is missing"));
    CHECK_THAT(load_error(c, "recorder", {{"label", "x"}, {"capacityy", 2}}),
               Catch::Contains("did you mean 'capacity'"));
    CHECK_THAT(load_error(c, "recordr"), Catch::Contains("unknown plugin 'recordr'") &&
                                             Catch::Contains("did you mean 'recorder'") &&
                                             Catch::Contains("available: ") &&
                                             Catch::Contains("alpha"));
    CHECK(c.plugins().empty());  // nothing half-loaded
    CHECK(load_error(c, "recorder", {{"label", "x"}}) == "loaded");
    CHECK_THAT(load_error(c, "recorder", {{"label", "x"}}), Catch::Contains("already loaded"));
}

TEST_CASE("loaded plugins keep load order, name and validated parameters") {
    test::EnvVar env("FLUXBURST_CAPACITY", "6");
    Client c = isolated({TEST_GOOD_PLUGIN_DIR});
    c.load("beta", {{"label", "b"}});
    c.load("alpha", {{"label", "a"}, {"capacity", 2}}, {{"priority", 5}});
    auto ps = c.plugins();
    REQUIRE(ps.size() == 2);
    CHECK(ps[0]->name() == "beta");
    CHECK(ps[1]->name() == "alpha");
    CHECK(ps[1]->params().get_int("capacity") == 6);  // the environment beats load params
    CHECK(ps[1]->params().get_int("priority") == 5);
    CHECK(ps[1]->params().get_string("label") == "a");
    CHECK(c.plugin("alpha") == ps[1]);
    CHECK(c.plugin("gamma") == nullptr);
    CHECK(c.resolve_params("recorder", {{"label", "z"}})["capacity"] == 6);
}

TEST_CASE("plugin files or directories writable by others are refused") {
    test::TempDir dir;
    std::string so = dir.file("libfluxburst_alpha.so");
    std::filesystem::copy_file(std::string(TEST_GOOD_PLUGIN_DIR) + "/libfluxburst_alpha.so", so);
    ::chmod(so.c_str(), 0666);
    Client c = isolated({dir.path().c_str()});
    auto found = c.discover();
    REQUIRE(found.size() == 1);
    CHECK_THAT(found[0].error,
               Catch::Contains("writable by every user") && Catch::Contains("chmod o-w"));
    CHECK_THAT(load_error(c, "alpha", {{"label", "x"}}), Catch::Contains("refusing to load"));
    ::chmod(so.c_str(), 0664);
    CHECK_THAT(c.describe("alpha").error,
               Catch::Contains("writable by its group") && Catch::Contains("chmod g-w"));
    CHECK_THAT(load_error(c, "alpha", {{"label", "x"}}), Catch::Contains("refusing to load"));
    ::chmod(so.c_str(), 0755);
    ::chmod(dir.path().c_str(), 0777);
    auto again = c.discover();
    REQUIRE(again.size() == 1);
    CHECK(again[0].name.empty());
    CHECK_THAT(again[0].error,
               Catch::Contains(dir.path()) && Catch::Contains("writable by every user"));
    ::chmod(dir.path().c_str(), 0700);
    CHECK(c.discover().at(0).ok());
}

TEST_CASE("the shared object stays open while its plugin lives") {
    Client c = isolated({TEST_GOOD_PLUGIN_DIR});
    {
        Client other = isolated({TEST_GOOD_PLUGIN_DIR});
        other.load("alpha", {{"label", "x"}});
        c.load("alpha", {{"label", "y"}});
    }  // `other` destroyed its instance; ours must still work
    REQUIRE(c.plugin("alpha"));
    CHECK(c.plugin("alpha")->schedule(
        *fluxburst::Job::from_json({{"id", 1}, {"nnodes", 1}, {"spec", json::object()}})));
    Client moved = std::move(c);
    CHECK(moved.plugin("alpha")->name() == "alpha");
}

TEST_CASE("an unreadable plugin directory is reported and the others still work") {
    test::TempDir dir;
    std::string bad;
    if (::geteuid() == 0) {
        bad = dir.file("not-a-directory");  // root reads any directory: use a file instead
        test::write_text(bad, "x");
    } else {
        bad = dir.file("locked");
        std::filesystem::create_directory(bad);
        ::chmod(bad.c_str(), 0);
    }
    Client c = isolated({bad.c_str(), TEST_BROKEN_PLUGIN_DIR, TEST_BUILD_PLUGIN_DIR});
    auto found = c.discover();
    REQUIRE_FALSE(found.empty());
    CHECK(found[0].name.empty());
    CHECK_THAT(found[0].error, Catch::Contains("cannot read plugin directory '" + bad + "'"));
    // the controller keeps working: broken files are listed, a good plugin loads and runs
    std::size_t broken = 0;
    for (const auto& d : found) broken += d.ok() ? 0 : 1;
    CHECK(broken >= 5);
    c.load("mock");
    c.set_queue(std::make_shared<fluxburst::MockQueue>());  // the sample burstable job
    CHECK(c.run_burst().plugins.at(0).ok);
    ::chmod(bad.c_str(), 0700);
}

TEST_CASE("an entry point that is a variable is refused, never called") {
    Client c = isolated({TEST_BROKEN_PLUGIN_DIR});
    std::map<std::string, std::string> errors;
    for (const auto& d : c.discover()) errors[d.name] = d.error;
    CHECK_THAT(errors["abivar"],
               Catch::Contains("symbol 'fluxburst_plugin_abi_version' is not a function"));
    CHECK_THAT(errors["infovar"],
               Catch::Contains("symbol 'fluxburst_plugin_info' is not a function"));
    // In this process too: a clear error, not a jump into data.
    CHECK_THAT(load_error(c, "abivar"), Catch::Contains("plugin 'abivar'") &&
                                            Catch::Contains("is not a function") &&
                                            Catch::Contains("FLUXBURST_PLUGIN macro"));
    CHECK_THAT(load_error(c, "infovar"), Catch::Contains("is not a function"));
    CHECK_THAT(c.describe("abivar").error, Catch::Contains("is not a function"));
}

TEST_CASE(
    "plugins that exit, abort or hang while loading are listed as broken, nothing else "
    "loads them") {
    Client c = isolated({TEST_HOSTILE_PLUGIN_DIR, TEST_GOOD_PLUGIN_DIR});
    c.set_probe_timeout(std::chrono::milliseconds(1000));
    CHECK(c.probe_timeout() == std::chrono::milliseconds(1000));
    auto start = std::chrono::steady_clock::now();
    std::map<std::string, fluxburst::PluginDescription> found;
    for (const auto& d : c.discover()) found[d.name] = d;
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(4));  // all at once
    CHECK_THAT(found["ctorexit"].error, Catch::Contains("plugin 'ctorexit'") &&
                                            Catch::Contains("ended the process") &&
                                            Catch::Contains("exit status 0"));
    CHECK_THAT(found["ctorabort"].error, Catch::Contains("signal 6"));
    CHECK_THAT(found["ctorhang"].error,
               Catch::Contains("did not finish within 1 s") && Catch::Contains("killed"));
    REQUIRE(found["recorder"].ok());  // the good ones, fully described
    CHECK(found["recorder"].version == "1.2.3");
    CHECK(found["recorder"].parameters.size() == 6);
    // Loading one plugin opens that file only.
    auto names = c.plugin_names();
    CHECK(std::find(names.begin(), names.end(), "ctorexit") != names.end());
    CHECK(load_error(c, "recorder", {{"label", "x"}}) == "loaded");
    CHECK(c.describe("alpha").ok());
    CHECK_THROWS_WITH(c.describe("nosuch"), Catch::Contains("unknown plugin 'nosuch'"));
}

TEST_CASE("a plugin opened again while loaded, then another: each file is loaded as itself") {
    // The dynamic loader keeps /proc/self/fd/N as a name of a library opened again
    // by that name; a later plugin opened as the same N must not get that library.
    Client c = isolated({TEST_GOOD_PLUGIN_DIR});
    c.load("alpha", {{"label", "a"}});
    for (int i = 0; i < 3; ++i) {
        CHECK(c.describe("alpha").ok());
        auto beta = c.describe("beta");
        INFO(beta.error);
        CHECK(beta.ok());
        CHECK(c.describe("recorder").version == "1.2.3");
    }
}

TEST_CASE("every directory above a plugin is checked, through symbolic links") {
    test::TempDir dir;
    std::string top = dir.file("top"), sub = top + "/plugins";
    std::filesystem::create_directories(sub);
    ::chmod(top.c_str(), 0755);
    ::chmod(sub.c_str(), 0755);
    std::filesystem::copy_file(std::string(TEST_GOOD_PLUGIN_DIR) + "/libfluxburst_alpha.so",
                               sub + "/libfluxburst_alpha.so");
    Client c = isolated({sub.c_str()});
    CHECK(c.describe("alpha").ok());
    // An ancestor others may write: they could swap the directory below it.
    for (unsigned mode : {0777u, 0775u}) {
        CAPTURE(mode);
        ::chmod(top.c_str(), mode);
        CHECK_THAT(c.describe("alpha").error,
                   Catch::Contains("directory '" + top + "'") && Catch::Contains("chmod go-w"));
        CHECK_THAT(load_error(c, "alpha", {{"label", "x"}}), Catch::Contains("refusing to load"));
    }
    ::chmod(top.c_str(), 01777);  // sticky, as /tmp: fine
    CHECK(c.describe("alpha").ok());
    ::chmod(top.c_str(), 0755);
    if (::geteuid() == 0) {
        REQUIRE(::chown(top.c_str(), 65534, 65534) == 0);
        CHECK_THAT(c.describe("alpha").error, Catch::Contains("owned by another user (uid 65534)"));
        REQUIRE(::chown(top.c_str(), 0, 0) == 0);
    }
    // A link from a safe directory into an unsafe one: the real path is checked.
    std::string open_dir = dir.file("open");
    std::filesystem::create_directories(open_dir);
    ::chmod(open_dir.c_str(), 0777);
    std::filesystem::copy_file(std::string(TEST_GOOD_PLUGIN_DIR) + "/libfluxburst_beta.so",
                               open_dir + "/real.so");
    std::filesystem::create_symlink(open_dir + "/real.so", sub + "/libfluxburst_beta.so");
    CHECK_THAT(c.describe("beta").error, Catch::Contains("directory '" + open_dir + "'") &&
                                             Catch::Contains("writable by every user"));
}

TEST_CASE("FLUXBURST_<PLUGIN>_<KEY> is for one plugin and wins over FLUXBURST_<KEY>") {
    test::EnvVar shared("FLUXBURST_CAPACITY", "6");
    test::EnvVar own("FLUXBURST_ALPHA_CAPACITY", "3");
    test::EnvVar label("FLUXBURST_BETA_LABEL", "from-env");
    Client c = isolated({TEST_GOOD_PLUGIN_DIR});
    c.load("alpha", {{"label", "a"}});
    c.load("beta", {{"label", "b"}});
    CHECK(c.plugin("alpha")->params().get_int("capacity") == 3);  // its own form
    CHECK(c.plugin("beta")->params().get_int("capacity") == 6);   // the shared form
    CHECK(c.plugin("beta")->params().get_string("label") == "from-env");
    CHECK(c.plugin("alpha")->params().get_string("label") == "a");
    // Overrides (the command line) still win; a bad value names the variable.
    CHECK(c.resolve_params("alpha", {{"label", "a"}}, {{"capacity", 9}})["capacity"] == 9);
    test::EnvVar bad("FLUXBURST_RECORDER_CAPACITY", "lots");
    CHECK_THROWS_WITH(c.resolve_params("recorder", {{"label", "r"}}),
                      Catch::Contains("FLUXBURST_RECORDER_CAPACITY"));
    test::EnvVar none("FLUXBURST_BETA_LABEL", nullptr);
    CHECK_THROWS_WITH(c.resolve_params("beta"), Catch::Contains("FLUXBURST_BETA_LABEL"));
}
