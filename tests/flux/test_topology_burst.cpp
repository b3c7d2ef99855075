// The connected-burst topology for real, on one machine (label "flux"): a lead
// instance configured by write_lead_setup() with pre-declared burst hosts, and
// brokers started on loopback with the rendered REMOTE config, standing in for the
// cloud machines. They must join as the burst ranks, let a waiting job run, and be
// gone (ranks down again) after unburst.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fluxburst/atomic_file.hpp>
#include <fluxburst/flux_queue.hpp>
#include <fluxburst/fluxburst.hpp>
#include <fluxburst/topology.hpp>
#include <thread>

#include "../test_support.hpp"
#include "flux_instance.hpp"

namespace topo = fluxburst::topology;
using nlohmann::json;

namespace {

// A TCP port free on loopback right now.
int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    socklen_t len = sizeof(addr);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    ::close(fd);
    return ntohs(addr.sin_port);
}

// Starts a "cloud machine": a broker with the remote config and the burst host's
// name, as the plugin's launcher would on a VM or in a pod.
const char* const remote_launcher =
    "mkdir -p {config_dir}/run/{host} && env -u FLUX_URI setsid nohup {flux} broker "
    "--config-path={config_path} -Shostname={host} -Srundir={config_dir}/run/{host} "
    "-Sstatedir={config_dir}/run/{host} -Sbroker.rc2_none "
    ">{config_dir}/{host}.log 2>&1 </dev/null & echo $! > {config_dir}/{host}.pid; echo $!";

struct PidFileGuard {
    std::string dir;
    ~PidFileGuard() { test::kill_pid_files(dir); }
};

bool alive(const std::string& pid_file) {
    return ::kill(std::stoi(test::read_text(pid_file)), 0) == 0;
}

}  // namespace

TEST_CASE(
    "topology on loopback: brokers with the rendered remote config join the lead as its "
    "pre-declared burst ranks, run the waiting job, and leave on unburst") {
    test::TempDir dir;
    std::string lead_dir = dir.file("lead"), remote_dir = dir.file("remote");
    PidFileGuard guard{remote_dir};

    // The lead: one host of its own (fake0, the SystemInstance's rank 0), then one
    // burst of two hosts; rank 0 listens on a loopback TCP port.
    topo::LeadSetup setup;
    setup.config_dir = lead_dir;
    setup.topology.lead_hosts = {"fake0"};
    setup.topology.lead_address = "127.0.0.1";
    setup.topology.port = free_port();
    setup.topology.bind = "tcp://127.0.0.1:%p";
    std::string tag = topo::instance_tag("127.0.0.1:" + std::to_string(setup.topology.port));
    setup.topology.bursts = topo::declare_bursts("burst", tag, 1, 2);
    setup.cores = "0";
    topo::LeadSetupResult lead = topo::write_lead_setup(setup);
    std::vector<std::string> burst_hosts = topo::burst_hosts(setup.topology.bursts[0].name, 2);

    // The "cloud machines": their own copy of the certificate and the remote config.
    std::filesystem::create_directories(remote_dir + "/conf.d");
    std::string remote_cert = remote_dir + "/curve.cert";
    fluxburst::write_curve_cert(
        remote_cert,
        fluxburst::parse_curve_cert(test::read_text(lead.curve_cert), lead.curve_cert));
    fluxburst::write_file_atomically(remote_dir + "/conf.d/bootstrap.toml",
                                     topo::remote_config(setup.topology, remote_cert));
    fluxburst::write_file_atomically(remote_dir + "/conf.d/resource.toml",
                                     topo::resource_config(lead_dir + "/R"));

    test::SystemInstance instance(lead.config_path, dir.path());
    instance.start_rank(0);
    auto queue = std::make_shared<fluxburst::FluxQueue>(instance.uri());
    {
        fluxburst::ResourceStatus s = queue->resources();
        CHECK(s.hosts == std::vector<std::string>{"fake0", burst_hosts[0], burst_hosts[1]});
        CHECK(s.down == std::vector<std::int64_t>{1, 2});
    }
    fluxburst::JobId job = instance.submit("-N3 --setattr=burstable --job-name=needs3 hostname");
    instance.wait_pending(1);

    // A burst cycle: the local plugin's launcher stands in for the cloud plugin, and
    // starts the brokers with the remote config.
    fluxburst::Client client(queue);
    client.set_search_installed_dir(false);
    client.add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
    client.load("local", {{"config_dir", remote_dir},
                          {"instance_uri", instance.uri()},
                          {"flux_root", test::flux_root()},
                          {"launch_command", remote_launcher}});
    fluxburst::BurstReport report = client.run_burst();
    REQUIRE(report.plugins.size() == 1);
    INFO(report.plugins[0].error);
    REQUIRE(report.plugins[0].ok);
    CHECK_THAT(report.plugins[0].summary, Catch::Contains(setup.topology.bursts[0].name));

    auto waited = queue->wait_inactive({job}, 120);
    INFO(instance.flux("jobs -a").out);
    INFO(test::read_text(remote_dir + "/" + burst_hosts[0] + ".log"));
    REQUIRE(waited.complete());
    CHECK(instance.flux("job status " + std::to_string(job), false).exit_status == 0);
    std::string ran_on = instance.flux("jobs -a -no '{nodelist}' " + std::to_string(job)).out;
    CHECK_THAT(ran_on, Catch::Contains(setup.topology.bursts[0].name));
    CHECK(queue->resources().down.empty());

    fluxburst::BurstReport unburst = client.run_unburst();
    REQUIRE(unburst.plugins.size() == 1);
    INFO(unburst.plugins[0].error);
    REQUIRE(unburst.plugins[0].ok);
    instance.wait_online(1, false);
    instance.wait_online(2, false);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (const auto& h : burst_hosts)
        while (alive(remote_dir + "/" + h + ".pid") && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (const auto& h : burst_hosts) CHECK_FALSE(alive(remote_dir + "/" + h + ".pid"));
    CHECK(queue->resources().down == std::vector<std::int64_t>{1, 2});
}
