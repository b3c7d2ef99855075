// The compute-engine plugin for real, on one machine (label "flux"): the lead is
// configured by the plugin's setup(), a burst creates "VMs" in the fake Compute API,
// and each VM's boot script, taken from its metadata, is run on loopback: its files
// written, its broker started as the systemd unit would start it. The brokers must
// join the lead as the burst ranks and run the waiting job.
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fluxburst/client.hpp>
#include <fluxburst/curve_cert.hpp>
#include <fluxburst/flux_queue.hpp>
#include <fluxburst/plugin.hpp>
#include <thread>

#include "../flux/flux_instance.hpp"
#include "../test_support.hpp"
#include "fake_compute.hpp"
#include "fake_google_oauth.hpp"
#include "google_credentials.hpp"
#include "test_rsa_key.hpp"
#include "test_tls.hpp"

using nlohmann::json;

namespace {

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

struct PidFileGuard {
    std::string dir;
    ~PidFileGuard() { test::kill_pid_files(dir); }
};

}  // namespace

TEST_CASE(
    "compute-engine on loopback: VMs booted with the rendered script join the lead "
    "set up by the plugin, and run the waiting job") {
    test::TempDir dir;
    std::string lead_dir = dir.file("lead"), vm_dir = dir.file("vm"), vms = dir.file("vms");
    std::filesystem::create_directories(vms);
    PidFileGuard guard{vms};
    test::TlsIdentity ca = test::make_test_ca();
    test::TlsIdentity server = test::make_server_cert(ca);
    const test::TestRsaKey& key = test::shared_rsa_key();
    test::FakeGoogleOAuth oauth(server, test::FakeGoogleOAuth::service_account(key.public_pem));
    test::FakeCompute compute(server);
    test::write_file_mode(dir.file("ca.pem"), ca.cert_pem, 0644);

    fluxburst::Client client(std::make_shared<fluxburst::MockQueue>(std::vector<json>{}));
    client.set_search_installed_dir(false);
    client.add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
    client.load("compute-engine",
                {{"credentials_file",
                  test::write_service_account(dir.path(), key.private_pem, oauth.token_uri())},
                 {"ca_file", dir.file("ca.pem")},
                 {"compute_endpoint", compute.endpoint()},
                 {"image_family", "flux"},
                 {"lead_hosts", "fake0"},
                 {"lead_address", "127.0.0.1"},
                 {"lead_port", free_port()},
                 {"lead_bind", "tcp://127.0.0.1:%p"},
                 {"lead_config_dir", lead_dir},
                 {"bursts", 1},
                 {"burst_size", 2},
                 {"vm_config_dir", vm_dir},
                 {"vm_flux_root", test::flux_root()},
                 {"vm_flux_user", ::getpwuid(::geteuid())->pw_name},
                 {"state_file", dir.file("compute-engine.json")},
                 {"poll_interval", 0.01}});
    fluxburst::BurstResult setup = client.plugin("compute-engine")->setup({});
    INFO(setup.details.dump());

    test::SystemInstance lead(setup.details["config_path"], dir.path());
    lead.start_rank(0);
    auto queue = std::make_shared<fluxburst::FluxQueue>(lead.uri());
    REQUIRE(queue->resources().down == std::vector<std::int64_t>{1, 2});
    fluxburst::JobId job = lead.submit("-N3 --job-name=needs3 hostname");
    lead.wait_pending(1);

    fluxburst::BurstReport report = client.request_burst("compute-engine", 2);
    REQUIRE(report.plugins.size() == 1);
    INFO(report.plugins[0].error);
    REQUIRE(report.plugins[0].ok);
    std::vector<std::string> hosts = report.plugins[0].details["hosts"];

    // Boot the "VMs": the script from the metadata, its files, then the broker. The
    // "VMs" here share one disk (vm_dir), so every script writes its files before any
    // broker starts: a broker reading curve.cert while the next script rewrites it
    // fails with "Error loading certificate" (a real VM has its own disk).
    for (const auto& h : hosts) {
        json vm = compute.instances().at("us-central1-a/" + h);
        std::string script = vm["metadata"]["items"][0]["value"];
        std::string path = vms + "/" + h + ".sh";
        test::write_text(path, script);
        REQUIRE(test::sh("bash -n " + path).ok());
        // The boot script is bash (a VM runs it with bash), not /bin/sh.
        REQUIRE(test::sh("FLUXBURST_SOURCE_ONLY=1 bash -c '. " + path + "; fluxburst_write_files'")
                    .ok());
    }
    for (const auto& h : hosts) {
        std::string run = vms + "/" + h;
        std::filesystem::create_directories(run);
        test::sh("env -u FLUX_URI FLUXBURST_HOSTNAME=" + h + " FLUXBURST_RUNDIR=" + run +
                 " FLUXBURST_STATEDIR=" + run + " setsid nohup bash " + vm_dir + "/start-broker >" +
                 run + ".log 2>&1 </dev/null & echo $! > " + run + ".pid");
    }
    auto waited = queue->wait_inactive({job}, 120);
    INFO(lead.flux("jobs -a").out);
    INFO(test::read_text(vms + "/" + hosts[0] + ".log"));
    REQUIRE(waited.complete());
    CHECK(lead.flux("job status " + std::to_string(job), false).exit_status == 0);
    CHECK_THAT(lead.flux("jobs -a -no '{nodelist}' " + std::to_string(job)).out,
               Catch::Contains(hosts[0].substr(0, hosts[0].rfind('-'))));

    // unburst deletes the VMs; here their brokers are stopped as the deletion would.
    fluxburst::BurstReport un = client.run_unburst();
    INFO(un.plugins[0].error);
    CHECK(un.plugins[0].ok);
    CHECK(compute.instances().empty());
    test::kill_pid_files(vms);
    lead.wait_online(1, false);
    lead.wait_online(2, false);
}
