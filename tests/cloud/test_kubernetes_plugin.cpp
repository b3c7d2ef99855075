// The kubernetes plugin, loaded by a Client as flux-burst loads it, against the fake
// API server: setup, a burst cycle, unburst from a restarted controller.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fluxburst/fluxburst.hpp>

#include "base64.hpp"
#include "fake_kube.hpp"
#include "sample_job.hpp"
#include "test_support.hpp"

using fluxburst::Client;
using nlohmann::json;

namespace {

struct Env {
    test::FakeKube kube{test::FakeKube::flux_operator_crds(TEST_CRD_DIR)};
    test::TempDir dir;
    std::string kubeconfig = dir.file("kubeconfig");

    Env() {
        kube.add_token("t", "alice");
        kube.set_start_delay(std::chrono::milliseconds(50));
        kube.set_delete_delay(std::chrono::milliseconds(20));
        kube.start();
        test::write_text(kubeconfig,
                         "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k, user: "
                         "u}\nclusters:\n- name: k\n  cluster:\n    server: " +
                             kube.url() + "\n    certificate-authority-data: " +
                             fluxburst::cloud::base64_encode(kube.ca().cert_pem) +
                             "\nusers:\n- name: u\n  user:\n    token: t\n");
        ::chmod(kubeconfig.c_str(), 0600);
    }

    json params() const {
        return {{"kubeconfig", kubeconfig},
                {"lead_address", "203.0.113.5"},
                {"port", 30093},
                {"lead_hosts", "lead-[0-1]"},
                {"config_dir", dir.file("lead")},
                {"max_nodes", 4},
                {"bursts", 2},
                {"start_timeout", 3},
                {"delete_timeout", 3},
                {"poll_interval", 0.02}};
    }

    Client client(std::vector<json> jobs = {}) const {
        Client c(std::make_shared<fluxburst::MockQueue>(std::move(jobs)));
        c.set_search_installed_dir(false);
        c.add_plugin_dir(TEST_BUILD_PLUGIN_DIR);
        return c;
    }
};

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("kubernetes plugin: setup, burst, unburst after a restart", "[kube][plugin]") {
    Env env;
    {
        Client c = env.client();
        c.load("kubernetes", env.params());
        auto setup = c.plugin("kubernetes")->setup({});
        CHECK(setup.details["listen"] == json({{"address", "203.0.113.5"}, {"port", 30093}}));
        CHECK_THAT(setup.summary, Catch::Contains("open TCP port 30093 of 203.0.113.5"));
        const std::string bootstrap = test::read_text(env.dir.file("lead/conf.d/bootstrap.toml"));
        CHECK_THAT(bootstrap, Catch::Contains("lead-0"));
        CHECK_THAT(bootstrap, Catch::Contains("burst-"));
        struct stat st {};
        REQUIRE(::stat(env.dir.file("lead/curve.cert").c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        CHECK_THAT(error_of([&] { c.plugin("kubernetes")->setup({}); }),
                   Catch::Contains("overwrite"));

        CHECK(c.plugin("kubernetes")->free_nodes() == 8);
        auto r = c.request_burst("kubernetes", 3);
        REQUIRE(r.plugins.size() == 1);
        CHECK(r.plugins[0].ok);
        CHECK_THAT(r.plugins[0].summary, Catch::Contains("3 broker(s)"));
        CHECK(c.plugin("kubernetes")->free_nodes() == 4);
        CHECK(env.kube.schema_problems().empty());
        // The certificate the bursts get is the one setup wrote.
        auto mcs = env.kube.miniclusters_received();
        REQUIRE(mcs.size() == 1);
        CHECK(mcs[0]["spec"]["flux"]["curveCert"] ==
              test::read_text(env.dir.file("lead/curve.cert")));
    }
    // A new controller: the state file says what to delete.
    {
        Client c = env.client();
        c.load("kubernetes", env.params());
        CHECK(c.plugin("kubernetes")->free_nodes() == 4);
        auto r = c.run_unburst("kubernetes");
        REQUIRE(r.plugins.size() == 1);
        CHECK(r.plugins[0].ok);
        CHECK_THAT(r.plugins[0].summary, Catch::Contains("deleted burst(s)"));
        CHECK(c.plugin("kubernetes")->free_nodes() == 8);
    }
    CHECK(env.kube.leftovers().empty());
}

TEST_CASE("kubernetes plugin: schedule within max_nodes, one MiniCluster per burst",
          "[kube][plugin]") {
    Env env;
    Client c = env.client(
        {test::sample_job_of(1, 2), test::sample_job_of(2, 4), test::sample_job_of(3, 5)});
    json params = env.params();
    c.load("kubernetes", params);
    c.plugin("kubernetes")->setup({});
    auto r = c.run_burst();
    CHECK(r.assignments.size() == 2);  // the 5-node job is too large
    REQUIRE(r.unmatched.size() == 1);
    CHECK(r.unmatched[0].nodes == 5);
    REQUIRE(r.plugins.size() == 1);
    CHECK(r.plugins[0].ok);
    CHECK(env.kube.miniclusters_received().size() == 1);  // one burst for both jobs
    CHECK(env.kube.miniclusters_received()[0]["spec"]["size"] == 4);
    c.run_unburst();
    CHECK(env.kube.leftovers().empty());
}

TEST_CASE("kubernetes plugin: capacity bounds the jobs it takes", "[kube][plugin]") {
    Env env;
    for (const auto& [capacity, taken] : {std::pair{0, true}, {3, true}, {2, true}, {1, false}}) {
        Client c = env.client({test::sample_job_of(1, 2)});
        json params = env.params();
        params["capacity"] = capacity;
        c.load("kubernetes", params);
        auto plan = c.plan_burst();
        INFO("capacity=" << capacity);
        CHECK(plan.assignments.size() == (taken ? 1u : 0u));
        CHECK(plan.unmatched.size() == (taken ? 0u : 1u));
    }
    CHECK(env.kube.miniclusters_received().empty());  // planning asks nothing of the cluster
}

TEST_CASE("kubernetes plugin: failures are reported, parameters checked", "[kube][plugin]") {
    Env env;
    SECTION("no certificate: setup was not run") {
        Client c = env.client();
        c.load("kubernetes", env.params());
        auto r = c.request_burst("kubernetes", 1);
        REQUIRE(r.plugins.size() == 1);
        CHECK_FALSE(r.plugins[0].ok);
        CHECK_THAT(r.plugins[0].error, Catch::Contains("flux-burst setup kubernetes"));
    }
    SECTION("pods that never start") {
        env.kube.fail_pods("ImagePullBackOff", "Back-off pulling image \"nosuch\"");
        json params = env.params();
        params["start_timeout"] = 0.3;
        Client c = env.client();
        c.load("kubernetes", params);
        c.plugin("kubernetes")->setup({});
        auto r = c.request_burst("kubernetes", 2);
        REQUIRE(r.plugins.size() == 1);
        CHECK_FALSE(r.plugins[0].ok);
        CHECK_THAT(r.plugins[0].error, Catch::Contains("ImagePullBackOff: Back-off pulling"));
        CHECK(env.kube.leftovers().empty());
    }
    SECTION("bad parameters are refused at load, naming the parameter") {
        const std::vector<std::pair<json, std::string>> bad = {
            {{{"api_version", "v2"}}, "api_version must be v1alpha2 or v1alpha1"},
            {{{"namespace", "Bad_NS"}}, "parameter namespace 'Bad_NS'"},
            {{{"cpu", "lots"}}, "cpu 'lots' is not a Kubernetes quantity"},
            {{{"node_selector", "a=b,=c"}}, "node_selector"},
            {{{"burst_prefix", "Burst"}}, "burst_prefix"},
            {{{"lead_address", "a b"}}, "lead_address"},
            {{{"lead_hosts", "lead[0-"}}, "lead_hosts"},
            {{{"flux_user", "flux"}}, "flux_user is a v1alpha1 field"},
            {{{"logging", json::array({"loud"})}}, "'loud' is not one of"},
            {{{"start_timeout", 0}}, "start_timeout"},
            {{{"port", 70000}}, "port must be in 1..65535"},
            {{{"image", "a b"}}, "parameter image"},
        };
        for (const auto& [change, expect] : bad) {
            CAPTURE(change.dump());
            json params = env.params();
            params.update(change);
            Client c = env.client();
            CHECK_THAT(error_of([&] { c.load("kubernetes", params); }), Catch::Contains(expect));
        }
    }
    CHECK(env.kube.leftovers().empty());
}
