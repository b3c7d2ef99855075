// The local plugin against real Flux instances (label "flux").
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fluxburst/flux_queue.hpp>
#include <fluxburst/fluxburst.hpp>
#include <set>
#include <thread>

#include "../test_support.hpp"
#include "flux_instance.hpp"

using fluxburst::Client;
using fluxburst::FluxQueue;
using fluxburst::JobId;
using nlohmann::json;

namespace {

// Starts each missing broker directly on this machine (the fake hosts all live
// here), recording its pid, as a site's srun/ssh launcher would start them.
const char* const direct_launcher =
    "mkdir -p {config_dir}/run/{host} && env -u FLUX_URI setsid nohup {flux} broker "
    "--config-path={config_path} -Shostname={host} -Srundir={config_dir}/run/{host} "
    "-Sstatedir={config_dir}/run/{host} -Sbroker.rc2_none -Sbroker.quorum=1 "
    ">{config_dir}/{host}.log 2>&1 </dev/null & echo $! > {config_dir}/{host}.pid; echo $!";

unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

json setup_params(const std::string& config_dir, const std::string& sockdir) {
    std::filesystem::create_directories(sockdir);
    return {{"config_dir", config_dir},
            {"hostnames", "fake[0-3]"},
            {"bind_uri", "ipc://" + sockdir + "/tbon-%h"},
            {"connect_uri", "ipc://" + sockdir + "/tbon-%h"},
            {"cores", "0"},
            {"flux_root", test::flux_root()}};
}

// flux-burst setup local, through the API: load the plugin, call its setup().
fluxburst::BurstResult run_setup(const json& params, bool overwrite = false) {
    Client client;
    client.set_search_installed_dir(false);
    client.add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
    fluxburst::SetupRequest request;
    request.overwrite = overwrite;
    return client.load("local", params).setup(request);
}

std::unique_ptr<Client> local_client(std::shared_ptr<fluxburst::JobQueue> queue,
                                     const json& params) {
    auto client = std::make_unique<Client>(std::move(queue));
    client->set_search_installed_dir(false);
    client->add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
    client->load("local", params);
    return client;
}

// Kills whatever brokers the launcher started, also when a test fails.
struct PidFileGuard {
    std::string dir;
    ~PidFileGuard() { test::kill_pid_files(dir); }
};

bool alive(const std::string& pid_file) {
    int pid = std::stoi(test::read_text(pid_file));
    return ::kill(pid, 0) == 0;
}

}  // namespace

TEST_CASE(
    "local plugin setup writes the burst instance's configuration, keeps the certificate "
    "private and refuses to overwrite unless asked") {
    test::TempDir dir;
    std::string conf = dir.file("burst");
    json params = setup_params(conf, dir.file("sock"));
    // Loading the plugin writes nothing; setup() does.
    {
        Client client;
        client.set_search_installed_dir(false);
        client.add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
        client.load("local", params);
    }
    CHECK_FALSE(std::filesystem::exists(conf));
    fluxburst::BurstResult done = run_setup(params);
    CHECK(done.details["files"].size() == 4);
    CHECK(done.details["config_path"] == conf + "/conf.d");
    CHECK_FALSE(done.details.contains("listen"));  // ipc:// sockets: nothing to open
    CHECK_THAT(done.summary, Catch::Contains("start the leader on fake0"));
    CHECK(mode_of(conf) == 0700);
    CHECK(mode_of(conf + "/curve.cert") == 0600);
    std::string bootstrap = test::read_text(conf + "/conf.d/bootstrap.toml");
    CHECK_THAT(bootstrap, Catch::Contains("curve_cert = \"" + conf + "/curve.cert\""));
    CHECK_THAT(bootstrap, Catch::Contains("{ host = \"fake[1-3]\" }"));
    CHECK_THAT(bootstrap, Catch::Contains("bind = \"ipc://" + dir.file("sock") + "/tbon-%h\""));
    CHECK_THAT(test::read_text(conf + "/conf.d/resource.toml"),
               Catch::Contains("path = \"" + conf + "/R\""));
    json R = json::parse(test::read_text(conf + "/R"));
    CHECK(R["execution"]["nodelist"] == json::array({"fake[0-3]"}));
    std::string cert = test::read_text(conf + "/curve.cert");

    CHECK_THROWS_WITH(run_setup(params),
                      Catch::Contains("already holds") && Catch::Contains("overwrite"));
    CHECK(test::read_text(conf + "/curve.cert") == cert);
    run_setup(params, true);
    CHECK(test::read_text(conf + "/curve.cert") != cert);
    CHECK(mode_of(conf + "/curve.cert") == 0600);
}

TEST_CASE("local plugin setup: the command it prints for the leader takes the path as one word") {
    // Issue 12 item 1: an operator's config_dir pasted into a command unquoted.
    test::TempDir dir;
    std::string conf = dir.file("burst dir $(echo x) 'q'");
    fluxburst::BurstResult done = run_setup(setup_params(conf, dir.file("sock")));
    std::string start = done.details["start_leader"];
    REQUIRE(start.rfind("flux broker ", 0) == 0);
    auto r = fluxburst::local::run_command("printf '[%s]' " + start.substr(12), 10);
    CHECK(r.out == "[--config-path=" + conf + "/conf.d][-Sbroker.rc2_none][-Sbroker.quorum=1]");
}

TEST_CASE(
    "local plugin end to end: a burstable job waits for down nodes, the burst starts their "
    "brokers, the job completes, unburst stops exactly those brokers") {
    test::TempDir dir;
    std::string conf = dir.file("burst");
    PidFileGuard guard{conf};
    run_setup(setup_params(conf, dir.file("sock")));

    // The instance: four nodes configured, only rank 0's broker running.
    test::SystemInstance instance(conf + "/conf.d", dir.path());
    instance.start_rank(0);
    JobId job = instance.submit("-N3 --setattr=burstable --job-name=needs3 hostname");
    instance.wait_pending(1);

    json params = {{"config_dir", conf},
                   {"instance_uri", instance.uri()},
                   {"flux_root", test::flux_root()},
                   {"launch_command", direct_launcher}};
    auto queue = std::make_shared<FluxQueue>(instance.uri());
    {
        auto client = local_client(queue, params);
        fluxburst::BurstReport report = client->run_burst();
        REQUIRE(report.assignments.size() >= 1);
        CHECK(report.assignments[0].id == job);
        CHECK(report.assignments[0].plugin == "local");
        REQUIRE(report.plugins.size() == 1);
        INFO(report.plugins[0].error);
        REQUIRE(report.plugins[0].ok);
        // 3 wanted, 1 free: two brokers, the first two down hosts.
        CHECK_THAT(report.plugins[0].summary, Catch::Contains("fake[1-2]"));
        CHECK(report.plugins[0].details["needed"] == 2);
        CHECK(report.plugins[0].details["launched"].size() == 2);

        auto waited = queue->wait_inactive({job}, 120);
        INFO(instance.flux("jobs -a").out);
        REQUIRE(waited.complete());
        CHECK(instance.flux("job status " + std::to_string(job), false).exit_status == 0);
        auto s = queue->resources();
        CHECK(s.down == std::vector<std::int64_t>{3});
        CHECK(alive(conf + "/fake1.pid"));
        CHECK(alive(conf + "/fake2.pid"));

        // Another cycle: the job is gone, nothing new to do.
        fluxburst::BurstReport again = client->run_burst();
        CHECK(again.assignments.empty());
        CHECK(again.plugins.empty());
        // A sized request the free nodes already cover starts nothing.
        fluxburst::BurstReport sized = client->request_burst("local", 3);
        REQUIRE(sized.plugins.size() == 1);
        CHECK(sized.plugins[0].ok);
        CHECK_THAT(sized.plugins[0].summary, Catch::Contains("no brokers to start"));
    }
    // A new controller (state from config_dir) stops exactly what was launched.
    json state = json::parse(test::read_text(conf + "/fluxburst-local.json"));
    CHECK(state["launches"].size() == 2);
    auto client = local_client(queue, params);
    fluxburst::BurstReport unburst = client->run_unburst();
    REQUIRE(unburst.plugins.size() == 1);
    INFO(unburst.plugins[0].error);
    REQUIRE(unburst.plugins[0].ok);
    CHECK_THAT(unburst.plugins[0].summary, Catch::Contains("stopped brokers on fake[1-2]"));
    instance.wait_online(1, false);
    instance.wait_online(2, false);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while ((alive(conf + "/fake1.pid") || alive(conf + "/fake2.pid")) &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK_FALSE(alive(conf + "/fake1.pid"));
    CHECK_FALSE(alive(conf + "/fake2.pid"));
    CHECK(json::parse(test::read_text(conf + "/fluxburst-local.json"))["launches"].empty());
    CHECK(client->run_unburst().plugins[0].summary == "no brokers to stop");
    auto s = queue->resources();
    CHECK(s.free == std::vector<std::int64_t>{0});
}

TEST_CASE("local plugin failures are errors in the BurstReport, never a crash") {
    test::TempDir dir;
    std::string conf = dir.file("burst");
    PidFileGuard guard{conf};
    run_setup(setup_params(conf, dir.file("sock")));
    test::SystemInstance instance(conf + "/conf.d", dir.path());
    instance.start_rank(0);
    auto queue = std::make_shared<FluxQueue>(instance.uri());
    json base = {{"config_dir", conf}, {"instance_uri", instance.uri()}};

    auto outcome = [&](json params) {
        auto client = local_client(queue, params);
        fluxburst::BurstReport r = client->request_burst("local", 3);
        REQUIRE(r.plugins.size() == 1);
        CHECK_FALSE(r.plugins[0].ok);
        return r.plugins[0].error;
    };

    {  // no flux on PATH
        test::TempDir empty;
        test::EnvVar path("PATH", empty.path().c_str());
        CHECK_THAT(outcome(base), Catch::Contains("flux command is not on PATH"));
    }
    {  // a flux_root without flux
        json p = base;
        p["flux_root"] = dir.file("nowhere");
        CHECK_THAT(outcome(p), Catch::Contains("nowhere/bin/flux does not exist"));
    }
    {  // the launch command fails
        json p = base;
        p["flux_root"] = test::flux_root();
        p["launch_command"] = "echo cannot reach {hosts} >&2; exit 3";
        CHECK_THAT(outcome(p), Catch::Contains("exit status 3: cannot reach fake[1-2]"));
    }
    {  // the parent instance is unreachable (default launcher)
        json p = base;
        p["flux_root"] = test::flux_root();
        p["flux_uri"] = "local://" + dir.file("no-parent");
        CHECK_THAT(outcome(p),
                   Catch::Contains("launch command failed") && Catch::Contains("no-parent"));
    }
    {  // no parent instance known (default launcher)
        json p = base;
        p["flux_root"] = test::flux_root();
        CHECK_THAT(outcome(p), Catch::Contains("no parent-uri"));
    }
    {  // the instance is unreachable
        json p = base;
        p["flux_root"] = test::flux_root();
        p["instance_uri"] = "local://" + dir.file("no-instance");
        CHECK_THAT(outcome(p), Catch::Contains("cannot connect") && Catch::Contains("no-instance"));
        // schedule() throws too: the job is reported unmatched with the reason.
        auto client = local_client(std::make_shared<fluxburst::MockQueue>(), p);
        fluxburst::BurstReport r = client->run_burst();
        REQUIRE(r.unmatched.size() == 1);
        CHECK_THAT(r.unmatched[0].reasons.at(0), Catch::Contains("no-instance"));
    }
    {  // bad templates are refused at load, naming the placeholder
        json p = base;
        p["launch_command"] = "start {hostz}";
        CHECK_THROWS_WITH(local_client(queue, p),
                          Catch::Contains("{hostz}") && Catch::Contains("{hosts}"));
    }
}

namespace {
// A one-broker test instance playing the parent (the allocation's instance).
struct ParentInstance {
    std::string dir;
    std::string uri;
    int pid = 0;
    explicit ParentInstance(const std::string& d) : dir(d), uri("local://" + d + "/parent.sock") {
        auto r = test::sh("env -u FLUX_URI setsid nohup " + test::flux() +
                          " start --test-size=1 -Sbroker.rc2_none -Slocal-uri=" + uri + " >" + dir +
                          "/parent.out 2>&1 </dev/null & echo $!");
        pid = std::stoi(r.out);
        for (int i = 0; i < 600; ++i) {
            if (test::sh(test::flux() + " resource list", uri, false, 10).ok()) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        throw std::runtime_error("the parent instance did not start: " +
                                 test::read_text(dir + "/parent.out"));
    }
    ~ParentInstance() {
        test::sh(test::flux() + " shutdown --quiet", uri, false, 60);
        for (int i = 0; i < 200 && ::kill(pid, 0) == 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (::kill(pid, 0) == 0) ::kill(pid, SIGKILL);
    }
};
}  // namespace

TEST_CASE(
    "local plugin default launcher: the brokers run as a job of the parent instance, unburst "
    "disconnects them and cancels that job") {
    char name[256] = {};
    REQUIRE(::gethostname(name, sizeof(name) - 1) == 0);
    std::string host = name;
    test::TempDir dir;
    std::string conf = dir.file("burst");
    json setup = setup_params(conf, dir.file("sock"));
    setup["hostnames"] = "fake0," + host;  // rank 1 is this machine, as the parent knows it
    run_setup(setup);
    ParentInstance parent(dir.path());
    test::SystemInstance instance(conf + "/conf.d", dir.path());
    instance.start_rank(0);
    JobId job = instance.submit("-N2 --setattr=burstable hostname");
    instance.wait_pending(1);

    auto queue = std::make_shared<FluxQueue>(instance.uri());
    auto client = local_client(queue, {{"config_dir", conf},
                                       {"instance_uri", instance.uri()},
                                       {"flux_root", test::flux_root()},
                                       {"flux_uri", parent.uri}});
    fluxburst::BurstReport report = client->run_burst();
    REQUIRE(report.plugins.size() == 1);
    INFO(report.plugins[0].error);
    REQUIRE(report.plugins[0].ok);
    CHECK_THAT(report.plugins[0].summary, Catch::Contains("started brokers on " + host));
    std::string parent_job = report.plugins[0].details["launched"][0]["output"];
    CHECK(fluxburst::parse_job_id(parent_job));

    auto waited = queue->wait_inactive({job}, 120);
    INFO(instance.flux("jobs -a").out);
    REQUIRE(waited.complete());
    CHECK(instance.flux("job status " + std::to_string(job), false).exit_status == 0);

    fluxburst::BurstReport unburst = client->run_unburst();
    REQUIRE(unburst.plugins.size() == 1);
    INFO(unburst.plugins[0].error);
    CHECK(unburst.plugins[0].ok);
    instance.wait_online(1, false);
    // The brokers' job in the parent ends.
    auto ended = test::sh(test::flux() + " job wait-event -t 60 " + parent_job + " clean",
                          parent.uri, false);
    CHECK(ended.ok());
}

TEST_CASE("local: parallel requests sharing one state file record every broker they launch") {
    // Issue 12 item 4: without the state file's lock a launch went unrecorded (and
    // could never be stopped). Ten commands, wanting 2..11 nodes of an instance with
    // rank 0 up and ranks 1-10 down, together launch each down rank once, all recorded.
    test::TempDir dir;
    test::write_instance_config(dir.path(), 11);
    test::SystemInstance instance(dir.path() + "/conf.d", dir.path());
    instance.start_rank(0);
    std::string state = dir.file("local-state.json");
    std::string script;
    for (int nodes = 2; nodes <= 11; ++nodes)
        script += std::string(FLUX_BURST_COMMAND) + " request --plugin local --plugin-path " +
                  TEST_BUILD_PLUGIN_DIR + " --nodes " + std::to_string(nodes) +
                  " --param local.instance_uri=" + instance.uri() +
                  " --param local.state_file=" + state +
                  " --param 'local.launch_command=echo {host}' --json > " +
                  dir.file("out" + std::to_string(nodes)) + " 2>&1 &\n";
    test::sh(script + "wait\n");
    std::multiset<std::string> reported;
    for (int nodes = 2; nodes <= 11; ++nodes) {
        std::string out = test::read_text(dir.file("out" + std::to_string(nodes)));
        INFO(out);
        json report = json::parse(out);
        REQUIRE(report["plugins"][0]["ok"] == true);
        for (const auto& l : report["plugins"][0]["details"].value("launched", json::array()))
            for (const auto& h : l["hosts"]) reported.insert(h.get<std::string>());
    }
    std::multiset<std::string> recorded;
    json saved = json::parse(test::read_text(state));
    INFO("state file: " << saved.dump());
    for (const auto& l : saved["launches"])
        for (const auto& h : l["hosts"]) recorded.insert(h.get<std::string>());
    CHECK(recorded == reported);   // every launch recorded
    CHECK(recorded.size() == 10);  // each down rank launched once: fake[1-10]
    CHECK(std::set<std::string>(recorded.begin(), recorded.end()).size() == 10);
    CHECK(recorded.count("fake0") == 0);
    instance.stop();
}
