// The compute-engine plugin, loaded as flux-burst loads it, against fake Google
// OAuth and Compute Engine APIs: burst, partial failures, timeouts, unburst from a
// restarted controller, and validation at load.
#include <sys/stat.h>

#include <map>
#include <set>

#include <catch2/catch.hpp>
#include <fluxburst/client.hpp>
#include <fluxburst/curve_cert.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/queue.hpp>
#include <nlohmann/json.hpp>

#include "../test_support.hpp"
#include "fake_compute.hpp"
#include "fake_google_oauth.hpp"
#include "google_credentials.hpp"
#include "test_rsa_key.hpp"
#include "test_tls.hpp"

using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

struct Cloud {
    test::TempDir dir;
    test::TlsIdentity ca = test::make_test_ca();
    test::TlsIdentity server = test::make_server_cert(ca);
    test::TestRsaKey key = test::shared_rsa_key();
    test::FakeGoogleOAuth oauth{server, test::FakeGoogleOAuth::service_account(key.public_pem)};
    test::FakeCompute compute{server};
    json params;

    Cloud() {
        test::write_file_mode(dir.file("ca.pem"), ca.cert_pem, 0644);
        fluxburst::write_curve_cert(dir.file("curve.cert"),
                                    fluxburst::generate_curve_cert("burst-test"));
        params = {{"credentials_file",
                   test::write_service_account(dir.path(), key.private_pem, oauth.token_uri())},
                  {"ca_file", dir.file("ca.pem")},
                  {"compute_endpoint", compute.endpoint()},
                  {"zone", "us-central1-a"},
                  {"image_family", "flux-fw-compute"},
                  {"lead_hosts", "lead[0-1]"},
                  {"lead_address", "34.1.2.3"},
                  {"lead_port", 8050},
                  {"bursts", 2},
                  {"burst_size", 3},
                  {"curve_cert", dir.file("curve.cert")},
                  {"state_file", dir.file("state/compute-engine.json")},
                  {"poll_interval", 0.01},
                  {"operation_timeout", 2.0}};
        ::mkdir(dir.file("state").c_str(), 0700);
    }

    fluxburst::Client client(const json& extra = json::object()) {
        fluxburst::Client c(std::make_shared<fluxburst::MockQueue>(std::vector<json>{}));
        c.set_search_installed_dir(false);
        c.add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
        json p = params;
        p.update(extra);
        c.load("compute-engine", p);
        return c;
    }

    json state() { return json::parse(test::read_text(dir.file("state/compute-engine.json"))); }
};

const fluxburst::PluginOutcome& outcome(const fluxburst::BurstReport& r) {
    REQUIRE(r.plugins.size() == 1);
    return r.plugins[0];
}

}  // namespace

TEST_CASE(
    "compute-engine plugin: a burst creates labelled VMs named for its ranks, unburst "
    "deletes them",
    "[compute_engine_plugin]") {
    Cloud cloud;
    fluxburst::Client c = cloud.client();
    auto r = c.request_burst("compute-engine", 3);
    const auto& o = outcome(r);
    INFO(o.error);
    REQUIRE(o.ok);
    std::vector<std::string> hosts = o.details["hosts"];
    REQUIRE(hosts.size() == 3);
    std::string burst = o.details["burst"];
    CHECK(hosts[0] == burst + "-0");
    CHECK(hosts[2] == burst + "-2");
    CHECK(cloud.compute.errors().empty());
    CHECK(cloud.oauth.errors().empty());
    auto vms = cloud.compute.instances();
    REQUIRE(vms.size() == 3);
    for (const auto& h : hosts) {
        const json& vm = vms.at("us-central1-a/" + h);
        CHECK(vm["labels"]["fluxburst-burst"] == burst);
        CHECK(vm["labels"].contains("fluxburst-instance"));
        CHECK(vm["disks"][0]["initializeParams"]["sourceImage"] ==
              "projects/proj/global/images/family/flux-fw-compute");
        std::string script = vm["metadata"]["items"][0]["value"];
        CHECK_THAT(script, Contains("connect = \"tcp://34.1.2.3:%p\"") &&
                               Contains("default_port = 8050") && Contains("lead1"));
        CHECK_THAT(script, Contains(test::read_text(cloud.dir.file("curve.cert"))));
    }
    CHECK(cloud.state()["bursts"][burst]["status"] == "running");

    SECTION("a second burst takes the next pre-declared slot; a third finds none") {
        auto r2 = c.request_burst("compute-engine", 2);
        REQUIRE(outcome(r2).ok);
        CHECK(outcome(r2).details["burst"] != burst);
        CHECK(cloud.compute.instances().size() == 5);
        auto r3 = c.request_burst("compute-engine", 1);
        CHECK_FALSE(outcome(r3).ok);
        CHECK_THAT(outcome(r3).error, Contains("all 2 pre-declared bursts are in use"));
    }
    SECTION("more nodes than a burst holds is refused before any call") {
        auto before = cloud.compute.requests().size();
        auto r2 = c.request_burst("compute-engine", 4);
        CHECK_THAT(outcome(r2).error, Contains("burst_size=3"));
        CHECK(cloud.compute.requests().size() == before);
    }
    auto un = c.run_unburst();
    INFO(outcome(un).error);
    CHECK(outcome(un).ok);
    CHECK(cloud.compute.instances().empty());
    CHECK(cloud.state()["bursts"].empty());
    CHECK(outcome(c.run_unburst()).summary == "no VMs to delete");
}

TEST_CASE(
    "compute-engine plugin: a job's machine_type makes its own burst and a malformed one "
    "is the job's reason and never sent",
    "[compute_engine_plugin]") {
    Cloud cloud;
    fluxburst::Client c = cloud.client();
    auto job = [](fluxburst::JobId id, json options) {
        json j = fluxburst::MockQueue::sample_job();
        j["id"] = id;
        j["state"] = 8;
        j["spec"]["resources"][0]["count"] = 2;
        j["nnodes"] = 2;
        j["spec"]["attributes"]["system"]["burstable"] = options;
        return j;
    };
    c.set_queue(std::make_shared<fluxburst::MockQueue>(std::vector<json>{
        job(1, {{"plugin", "compute-engine"}, {"machine_type", "n2-highmem-4"}}),
        job(2, 1),  // the plugin's own machine type
        job(3, {{"plugin", "compute-engine"}, {"machine_type", "../../projects/other/x"}}),
        job(4, {{"plugin", "compute-engine"}, {"machine_type", "C2 Standard"}})}));
    fluxburst::BurstReport r = c.run_burst();
    REQUIRE(r.assignments.size() == 2);
    REQUIRE(r.plugins.size() == 2);  // one burst per machine type
    std::map<std::string, std::string> type_of_burst;
    for (const auto& o : r.plugins) {
        INFO(o.error);
        REQUIRE(o.ok);
        type_of_burst[o.details["burst"]] = o.details["machine_type"];
    }
    std::set<std::string> types;
    for (const auto& [key, vm] : cloud.compute.instances()) {
        std::string type = vm["machineType"];
        std::string burst = vm["labels"]["fluxburst-burst"];
        CHECK(type == "zones/us-central1-a/machineTypes/" + type_of_burst.at(burst));
        types.insert(type.substr(type.rfind('/') + 1));
    }
    CHECK(types == std::set<std::string>{"n2-highmem-4", "c2-standard-8"});
    CHECK(cloud.compute.instances().size() == 4);
    // The malformed ones: unmatched, with the reason; nothing of theirs reached the API.
    REQUIRE(r.unmatched.size() == 2);
    for (const auto& u : r.unmatched) {
        INFO(u.id);
        REQUIRE(u.reasons.size() == 1);
        CHECK_THAT(u.reasons[0], Contains("burst option machine_type") && Contains("DNS-1123"));
    }
    for (const auto& req : cloud.compute.requests())
        CHECK_THAT(req, !Contains("projects/other") && !Contains("C2"));
    CHECK(cloud.compute.errors().empty());  // every body valid against the Instance schema
    CHECK(cloud.state()["bursts"].size() == 2);
}

TEST_CASE("compute-engine plugin: a quota failure reports Google's message and leaks nothing",
          "[compute_engine_plugin]") {
    Cloud cloud;
    cloud.compute.set_quota(2);
    fluxburst::Client c = cloud.client();
    const auto r = c.request_burst("compute-engine", 3);
    const auto& o = outcome(r);
    CHECK_FALSE(o.ok);
    CHECK_THAT(o.error, Contains("created 2 of 3") && Contains("QUOTA_EXCEEDED") &&
                            Contains("Quota 'CPUS' exceeded") && Contains("unburst deletes it"));
    json st = cloud.state();
    REQUIRE(st["bursts"].size() == 1);
    CHECK(st["bursts"].begin().value()["status"] == "failed");
    CHECK(st["bursts"].begin().value()["created"].size() == 2);
    CHECK(cloud.compute.instances().size() == 2);
    CHECK(outcome(c.run_unburst()).ok);
    CHECK(cloud.compute.instances().empty());
    CHECK(cloud.state()["bursts"].empty());
}

TEST_CASE("compute-engine plugin: an API error on insert is reported with Google's words",
          "[compute_engine_plugin]") {
    Cloud cloud;
    cloud.compute.fail_next("POST", "/instances", 403,
                            "Required 'compute.instances.create' permission for 'projects/proj'");
    fluxburst::Client c = cloud.client();
    const auto r = c.request_burst("compute-engine", 2);
    CHECK_THAT(outcome(r).error,
               Contains("compute.instances.create") && Contains("created 1 of 2"));
    CHECK(cloud.compute.instances().size() == 1);
    CHECK(outcome(c.run_unburst()).ok);
    CHECK(cloud.compute.instances().empty());
}

TEST_CASE(
    "compute-engine plugin: operations that never finish time out, a restarted "
    "controller cleans up",
    "[compute_engine_plugin]") {
    Cloud cloud;
    cloud.compute.stall_operations(true);
    {
        fluxburst::Client c = cloud.client({{"operation_timeout", 0.3}});
        const auto r = c.request_burst("compute-engine", 2);
        CHECK_THAT(outcome(r).error, Contains("still being created after"));
        CHECK(cloud.state()["bursts"].begin().value()["status"] == "creating");
    }
    SECTION("deletion that never finishes is bounded too, and stays recorded") {
        fluxburst::Client c = cloud.client({{"operation_timeout", 0.3}});
        const auto un = c.run_unburst();
        CHECK_THAT(outcome(un).error, Contains("deletion still running"));
        CHECK(cloud.state()["bursts"].size() == 1);
    }
    cloud.compute.stall_operations(false);
    fluxburst::Client restarted = cloud.client();
    const auto un = restarted.run_unburst();
    INFO(outcome(un).error);
    CHECK(outcome(un).ok);
    CHECK(cloud.compute.instances().empty());
    CHECK(cloud.state()["bursts"].empty());
}

TEST_CASE("compute-engine plugin: unburst deletes only VMs labelled as its own",
          "[compute_engine_plugin]") {
    Cloud cloud;
    fluxburst::Client c = cloud.client();
    const auto r = c.request_burst("compute-engine", 2);
    REQUIRE(outcome(r).ok);
    std::string first = outcome(r).details["hosts"][0];
    // Someone replaces one VM by one of theirs with the same name.
    cloud.compute.add_instance("us-central1-a", first, {{"owner", "someone-else"}});
    fluxburst::Client restarted = cloud.client();
    const auto un = restarted.run_unburst();
    CHECK_FALSE(outcome(un).ok);
    CHECK_THAT(outcome(un).error, Contains(first) && Contains("not ours"));
    auto vms = cloud.compute.instances();
    REQUIRE(vms.size() == 1);
    CHECK(vms.begin()->second["labels"]["owner"] == "someone-else");
    // Not ours: forgotten, not retried forever.
    CHECK(cloud.state()["bursts"].empty());
}

TEST_CASE("compute-engine plugin: a VM left by a crashed run is adopted only if labelled ours",
          "[compute_engine_plugin]") {
    Cloud cloud;
    fluxburst::Client probe = cloud.client();
    const auto r = probe.request_burst("compute-engine", 1);
    std::string burst = outcome(r).details["burst"];
    std::string host = outcome(r).details["hosts"][0];
    REQUIRE(outcome(probe.run_unburst()).ok);
    SECTION("ours") {
        cloud.compute.add_instance("us-central1-a", host, {{"fluxburst-burst", burst}});
        const auto r2 = probe.request_burst("compute-engine", 1);
        INFO(outcome(r2).error);
        CHECK(outcome(r2).ok);
        CHECK(cloud.compute.instances().size() == 1);
    }
    SECTION("not ours") {
        cloud.compute.add_instance("us-central1-a", host, {{"fluxburst-burst", "other"}});
        const auto r2 = probe.request_burst("compute-engine", 1);
        CHECK_THAT(outcome(r2).error, Contains("already exists"));
    }
}

TEST_CASE(
    "compute-engine plugin: without the lead's certificate a burst is refused before any "
    "call, naming setup",
    "[compute_engine_plugin]") {
    Cloud cloud;
    fluxburst::Client c = cloud.client({{"curve_cert", cloud.dir.file("nope.cert")}});
    const auto r = c.request_burst("compute-engine", 1);
    CHECK_THAT(outcome(r).error,
               Contains("nope.cert") && Contains("flux-burst setup compute-engine"));
    CHECK(cloud.compute.requests().empty());
}

TEST_CASE("compute-engine plugin: bad parameters are refused at load, naming the fix",
          "[compute_engine_plugin]") {
    Cloud cloud;
    auto refused = [&](json extra) {
        try {
            cloud.client(extra);
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
        return std::string("loaded");
    };
    CHECK_THAT(refused({{"credentials_file", cloud.dir.file("missing.json")}}),
               Contains("missing.json"));
    CHECK_THAT(refused({{"instance_template", "flux"}}), Contains("exactly one of image_family"));
    CHECK_THAT(refused({{"image_family", ""}}), Contains("exactly one of image_family"));
    CHECK_THAT(refused({{"vm_config_dir", "etc/flux"}}), Contains("vm_config_dir"));
    CHECK_THAT(refused({{"vm_flux_user", "root;reboot"}}), Contains("vm_flux_user"));
    CHECK_THAT(refused({{"compute_endpoint", "http://127.0.0.1:1"}}), Contains("https://"));
    CHECK_THAT(refused({{"lead_hosts", "lead[0-"}}), Contains("lead"));
    CHECK_THAT(refused({{"burst_size", 0}}), Contains("burst_size"));
    CHECK_THAT(refused({{"poll_interval", 0}}), Contains("poll_interval"));
    CHECK_THAT(refused({{"gpu_count", 1}}), Contains("gpu_type"));
    CHECK_THAT(refused({{"labels", json::array({"novalue"})}}), Contains("key=value"));
    test::write_file_mode(cloud.dir.file("loose.cert"),
                          test::read_text(cloud.dir.file("curve.cert")), 0666);
    CHECK_THAT(refused({{"curve_cert", cloud.dir.file("loose.cert")}}), Contains("loose.cert"));
    CHECK_THAT(refused({{"curve_cert", ""}}), Contains("lead_config_dir"));
    CHECK(refused(json::object()) == "loaded");
}

TEST_CASE("compute-engine plugin: the default state file's directory is made, private",
          "[compute_engine_plugin]") {
    Cloud cloud;
    test::EnvVar home("HOME", cloud.dir.file("home").c_str());
    ::mkdir(cloud.dir.file("home").c_str(), 0700);
    fluxburst::Client c = cloud.client({{"state_file", ""}});
    struct stat st {};
    REQUIRE(::stat(cloud.dir.file("home/.local/state/flux-burst").c_str(), &st) == 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK((st.st_mode & 0777) == 0700);
    const auto r = c.request_burst("compute-engine", 1);
    CHECK(outcome(r).ok);
    CHECK(::stat(cloud.dir.file("home/.local/state/flux-burst/compute-engine.json").c_str(), &st) ==
          0);
    c.run_unburst();
}
