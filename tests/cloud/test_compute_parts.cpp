// The compute-engine plugin's parts: the instance body (checked against the
// Compute API's schema), the zone calls against the fake API, the boot script.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fluxburst/error.hpp>
#include <nlohmann/json.hpp>

#include "../../plugins/compute-engine/compute_zone.hpp"
#include "../../plugins/compute-engine/startup_script.hpp"
#include "../test_support.hpp"
#include "discovery_schema.hpp"
#include "fake_compute.hpp"
#include "fake_google_oauth.hpp"
#include "google_credentials.hpp"
#include "test_rsa_key.hpp"
#include "test_tls.hpp"

using Catch::Matchers::Contains;
using nlohmann::json;
namespace ce = fluxburst::compute_engine;
namespace cloud = fluxburst::cloud;

namespace {

ce::InstanceSpec full_spec() {
    ce::InstanceSpec s;
    s.project = "proj";
    s.zone = "us-central1-a";
    s.machine_type = "c2-standard-8";
    s.source_image = "projects/proj/global/images/family/flux";
    s.disk_size_gb = 50;
    s.network = "default";
    s.subnetwork = "burst-subnet";
    s.tags = {"flux-burst"};
    s.labels = {{"fluxburst-burst", "burst-0a1b2c3d-0"}, {"team", "hpc"}};
    s.placement_policy = "projects/proj/regions/us-central1/resourcePolicies/compact";
    s.gpu_type = "nvidia-tesla-t4";
    s.gpu_count = 2;
    return s;
}

std::string sh_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Source the script without running its main part, then run `commands`; its
// output is shown when the test fails.
int run_bash(const std::string& script_path, const std::string& commands) {
    std::string log = script_path + ".log";
    std::string cmd =
        "bash -c " +
        sh_quote("set -e; FLUXBURST_SOURCE_ONLY=1; . " + sh_quote(script_path) + "; " + commands) +
        " >" + sh_quote(log) + " 2>&1";
    int rc = std::system(cmd.c_str());
    UNSCOPED_INFO("bash output: " << test::read_text(log));
    return rc;
}

mode_t mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("compute-engine: instance bodies match the Compute API's Instance schema",
          "[compute_engine]") {
    test::DiscoverySchema schema(TEST_DATA_DIR "/google/compute-v1-instance.json");
    ce::InstanceSpec s = full_spec();
    SECTION("every option") {
        json body = ce::instance_body(s, "burst-0a1b2c3d-0-0", "#!/bin/bash\n");
        CHECK(schema.check(body, "Instance").empty());
        CHECK(body["machineType"] == "zones/us-central1-a/machineTypes/c2-standard-8");
        CHECK(body["disks"][0]["initializeParams"]["diskSizeGb"] == "50");
        CHECK(body["networkInterfaces"][0]["subnetwork"] ==
              "regions/us-central1/subnetworks/burst-subnet");
        CHECK(body["guestAccelerators"][0]["acceleratorCount"] == 2);
        CHECK(body["scheduling"]["onHostMaintenance"] == "TERMINATE");
        CHECK(body["metadata"]["items"][0]["key"] == "startup-script");
        CHECK(body["labels"]["team"] == "hpc");
    }
    SECTION("the fewest options") {
        s.subnetwork.clear();
        s.tags.clear();
        s.placement_policy.clear();
        s.gpu_type.clear();
        s.gpu_count = 0;
        s.disk_size_gb = 0;
        s.external_ip = false;
        json body = ce::instance_body(s, "a", "");
        CHECK(schema.check(body, "Instance").empty());
        CHECK_FALSE(body["networkInterfaces"][0].contains("accessConfigs"));
        CHECK_FALSE(body.contains("guestAccelerators"));
    }
    SECTION("from an instance template") {
        s.source_image.clear();
        s.machine_type.clear();
        s.network.clear();
        s.subnetwork.clear();
        s.instance_template = "projects/proj/global/instanceTemplates/flux";
        json body = ce::instance_body(s, "a", "");
        CHECK(schema.check(body, "Instance", false).empty());
        CHECK_FALSE(body.contains("machineType"));
        CHECK_FALSE(body.contains("disks"));
    }
    SECTION("the checker itself refuses what Google would prune or refuse") {
        json body = ce::instance_body(s, "a", "");
        body["disks"][0]["initializeParams"]["sizeGb"] = "50";  // a Disk field, not here
        body["tags"]["items"] = "flux-burst";
        body["name"] = "Not_A_Name";
        auto problems = schema.check(body, "Instance");
        REQUIRE(problems.size() == 3);
        CHECK_THAT(problems[0] + problems[1] + problems[2],
                   Contains("sizeGb: unknown property") && Contains("tags.items: not an array") &&
                       Contains("does not match"));
    }
}

TEST_CASE("compute-engine: operation errors carry Google's codes and messages",
          "[compute_engine]") {
    CHECK(ce::operation_error(json{{"status", "DONE"}}).empty());
    json op = {
        {"status", "DONE"},
        {"error",
         {{"errors",
           json::array({{{"code", "QUOTA_EXCEEDED"}, {"message", "Quota 'CPUS'"}},
                        {{"code", "ZONE_RESOURCE_POOL_EXHAUSTED"}, {"message", "no c2 left"}}})}}}};
    CHECK(ce::operation_error(op) ==
          "QUOTA_EXCEEDED: Quota 'CPUS'; ZONE_RESOURCE_POOL_EXHAUSTED: no c2 left");
    CHECK(ce::operation_error(json{{"error", {{"errors", "x"}}},
                                   {"httpErrorMessage", "FORBIDDEN"}}) == "FORBIDDEN");
}

TEST_CASE("compute-engine: zone calls against the fake Compute API", "[compute_engine]") {
    test::TempDir dir;
    test::TlsIdentity ca = test::make_test_ca();
    test::TlsIdentity server = test::make_server_cert(ca);
    test::TestRsaKey key = test::shared_rsa_key();
    test::FakeGoogleOAuth oauth(server, test::FakeGoogleOAuth::service_account(key.public_pem));
    test::FakeCompute compute(server);
    cloud::GoogleAuthOptions o;
    o.credentials_file =
        test::write_service_account(dir.path(), key.private_pem, oauth.token_uri());
    o.ca_pem = ca.cert_pem;
    cloud::GoogleAuth auth(o);
    cloud::GoogleApiClient api(auth, compute.endpoint(), ca.cert_pem);
    ce::ComputeZone zone(api, "proj", "us-central1-a");

    json op = zone.insert(ce::instance_body(full_spec(), "vm-0", "echo"), "");
    CHECK(op["status"] == "PENDING");
    CHECK(zone.operation(op["name"])["status"] == "RUNNING");
    CHECK(zone.operation(op["name"])["status"] == "DONE");
    CHECK(zone.get_instance("vm-0")["status"] == "RUNNING");
    CHECK(compute.errors().empty());

    SECTION("409 with Google's message") {
        try {
            zone.insert(ce::instance_body(full_spec(), "vm-0", "echo"), "");
            FAIL("no error");
        } catch (const cloud::GoogleApiError& e) {
            CHECK(e.http_status() == 409);
            CHECK(e.status() == "alreadyExists");
            CHECK_THAT(e.what(), Contains("already exists") && Contains("HTTP 409"));
        }
    }
    SECTION("404") {
        CHECK_THROWS_MATCHES(zone.get_instance("nope"), cloud::GoogleApiError,
                             Catch::Predicate<cloud::GoogleApiError>(
                                 [](const auto& e) { return e.http_status() == 404; }));
    }
    SECTION("quota: the operation fails with Google's text") {
        compute.set_quota(1);
        json op2 = zone.insert(ce::instance_body(full_spec(), "vm-1", "echo"), "");
        zone.operation(op2["name"]);
        json done = zone.operation(op2["name"]);
        CHECK_THAT(ce::operation_error(done), Contains("QUOTA_EXCEEDED: Quota 'CPUS' exceeded"));
        CHECK(compute.instances().size() == 1);
    }
    SECTION("delete, through its operation") {
        json del = zone.remove("vm-0");
        zone.operation(del["name"]);
        zone.operation(del["name"]);
        CHECK(compute.instances().empty());
    }
    SECTION("a template is passed as sourceInstanceTemplate") {
        ce::InstanceSpec s = full_spec();
        s.instance_template = "projects/proj/global/instanceTemplates/flux";
        zone.insert(ce::instance_body(s, "vm-2", ""), s.instance_template);
        CHECK_THAT(compute.requests().back(),
                   Contains("sourceInstanceTemplate=projects/proj/global/instanceTemplates/flux"));
    }
    SECTION("a token the API refuses is renewed once") {
        compute.fail_next("GET", "/instances/vm-0", 401,
                          "Request had invalid authentication credentials.");
        CHECK(zone.get_instance("vm-0")["name"] == "vm-0");
        CHECK(oauth.tokens_issued() == 2);
    }
}

TEST_CASE("compute-engine: the boot script is valid bash and writes private files",
          "[compute_engine]") {
    test::TempDir dir;
    ce::StartupScript s;
    s.burst = "burst-0a1b2c3d-0";
    s.config_dir = dir.path() + "/etc";
    s.flux_root = "/usr";
    s.flux_user = ::getpwuid(::geteuid())->pw_name;  // exists here (as root it is chowned to)
    // Text that a shell would expand, were it not quoted.
    s.broker_config =
        "[bootstrap]\ncurve_cert = \"$HOME/`id`/x\"\nhosts = [ { host = \"lead\" } ]\n";
    s.resource_config = "[resource]\npath = \"/etc/R\"\n";
    s.R = "{\"version\": 1}";
    s.curve_cert = "#   ZeroMQ CURVE **Secret** Certificate\n    secret-key = \"a$b`c'd\\\\e\"\n";
    std::string script = ce::render_startup_script(s);
    std::string path = dir.file("boot.sh");
    test::write_text(path, script);
    CHECK(std::system(("bash -n " + sh_quote(path)).c_str()) == 0);

    REQUIRE(run_bash(path, "fluxburst_write_files") == 0);
    CHECK(test::read_text(s.config_dir + "/conf.d/bootstrap.toml") == s.broker_config);
    CHECK(test::read_text(s.config_dir + "/curve.cert") == s.curve_cert);
    CHECK(test::read_text(s.config_dir + "/R") == s.R + "\n");
    CHECK(mode_of(s.config_dir + "/curve.cert") == 0400);
    CHECK(mode_of(s.config_dir + "/conf.d/bootstrap.toml") == 0644);
    CHECK(mode_of(s.config_dir + "/start-broker") == 0755);
    std::string start = test::read_text(s.config_dir + "/start-broker");
    CHECK_THAT(start,
               Contains("exec /usr/bin/flux broker --config-path=" + s.config_dir + "/conf.d"));
    CHECK(std::system(("bash -n " + sh_quote(s.config_dir + "/start-broker")).c_str()) == 0);
    CHECK_THAT(script, Contains("systemctl enable --now flux-burst-broker.service"));
    CHECK_THAT(script, Contains("User=" + s.flux_user + "\n"));

    SECTION("writing again replaces the files (a reboot runs the script again)") {
        REQUIRE(run_bash(path, "fluxburst_write_files") == 0);
        CHECK(mode_of(s.config_dir + "/curve.cert") == 0400);
    }
}

TEST_CASE("compute-engine: unsafe values are refused before they reach the boot script",
          "[compute_engine]") {
    ce::StartupScript s;
    s.burst = "b";
    s.config_dir = "/etc/flux-burst";
    s.flux_root = "/usr";
    s.flux_user = "flux";
    auto render = [&] { return ce::render_startup_script(s); };
    CHECK_NOTHROW(render());
    for (const char* bad : {"relative/dir", "/etc/flux burst", "/etc/$(reboot)", "/etc/../x", "",
                            "/etc/a'b", "/etc/a\nb"}) {
        s.config_dir = bad;
        CHECK_THROWS_WITH(render(), Contains("vm_config_dir"));
    }
    s.config_dir = "/etc/flux-burst";
    for (const char* bad : {"-flux", "a b", "root;id", "x/y", ""}) {
        s.flux_user = bad;
        CHECK_THROWS_WITH(render(), Contains("vm_flux_user"));
    }
    s.flux_user = "flux";
    s.curve_cert = "x\nFLUXBURST_END_OF_FILE\nrm -rf /\n";
    CHECK_THROWS_WITH(render(), Contains("FLUXBURST_END_OF_FILE"));
}
