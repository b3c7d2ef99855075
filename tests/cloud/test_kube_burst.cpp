// KubeBurst against the fake API server and its simulated Flux Operator: every
// MiniCluster it sends is validated against the CRD schema; no test leaves an
// object behind.
#include <catch2/catch.hpp>

#include <thread>

#include "base64.hpp"
#include "fake_kube.hpp"
#include "http.hpp"
#include "kube_burst.hpp"

using namespace fluxburst::cloud;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

const std::string kCert =
    "#   ZeroMQ CURVE **Secret** Certificate\nmetadata\ncurve\n"
    "    public-key = \"test\"\n    secret-key = \"test\"\n";

/// The state file, in memory.
struct MemoryState {
    json state = json::object();
    BurstState store() {
        return {[this](const std::function<void(json&)>& change) {
                    json copy = state;
                    change(copy);
                    state = copy;
                    return state;
                },
                [this] { return state; }};
    }
};

struct Env {
    test::FakeKube kube{test::FakeKube::flux_operator_crds(TEST_CRD_DIR)};
    MemoryState memory;
    KubeBurstOptions options;
    std::string token = "t";

    explicit Env(const std::string& api_version = "v1alpha2") {
        kube.add_token("t", "alice");
        kube.set_start_delay(milliseconds(60));
        kube.set_delete_delay(milliseconds(30));
        kube.start();
        options.minicluster.api_version = api_version;
        options.minicluster.image = "ghcr.io/flux-framework/flux-restful-api:latest";
        options.topology.lead_hosts = {"lead-0", "lead-1"};
        options.topology.lead_address = "203.0.113.5";
        options.topology.port = 30093;
        options.topology.bursts = fluxburst::topology::declare_bursts(
            "burst", fluxburst::topology::instance_tag("203.0.113.5:30093"), 2, 4);
        options.curve_cert = kCert;
        options.start_timeout = milliseconds(3000);
        options.delete_timeout = milliseconds(3000);
        options.poll_interval = milliseconds(20);
    }

    KubeBurst burst() {
        const std::string t = token;
        return KubeBurst(KubeConnection::with_token(
                             kube.url(), kube.ca().cert_pem, [t] { return t; }, "test"),
                         options, memory.store());
    }
    json recorded() {
        return memory.state.value("kubernetes", json::object()).value("bursts", json::object());
    }
    std::string slot(int i) { return options.topology.bursts.at(i).name; }
};

template <class E = fluxburst::Error>
std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("KubeBurst: a burst runs and is unbursted, leaving nothing", "[kube][burst]") {
    const std::string version = GENERATE(as<std::string>{}, "v1alpha2", "v1alpha1");
    CAPTURE(version);
    Env env(version);
    env.options.munge_key = std::string("\x00\xffmunge\n\x01", 9);
    auto b = env.burst();
    CHECK(b.free_slots() == 2);
    auto started = b.run(3, 12);
    CHECK(started.name == env.slot(0));
    CHECK(started.ns == "flux-operator");
    CHECK(started.hosts ==
          std::vector<std::string>{started.name + "-0", started.name + "-1", started.name + "-2"});
    CHECK(started.details["first_rank"] == 2);
    CHECK(b.free_slots() == 1);
    CHECK(env.recorded()[started.name]["phase"] == "running");

    CHECK(env.kube.schema_problems().empty());
    auto mcs = env.kube.miniclusters_received();
    REQUIRE(mcs.size() == 1);
    const json spec = mcs[0]["spec"];
    CHECK(mcs[0]["apiVersion"] == "flux-framework.org/" + version);
    CHECK(spec["size"] == 3);
    CHECK(spec["tasks"] == 12);
    const json flux = spec["flux"];
    CHECK(flux["bursting"]["leadBroker"] ==
          json({{"address", "203.0.113.5"}, {"port", 30093}, {"name", "lead"}, {"size", 2}}));
    CHECK(flux["bursting"]["clusters"] == json::array({{{"name", started.name}, {"size", 4}}}));
    const std::string config = flux["brokerConfig"];
    CHECK_THAT(config, Catch::Contains("connect = \"tcp://203.0.113.5:%p\""));
    CHECK_THAT(config, Catch::Contains("default_port = 30093"));
    CHECK_THAT(config, Catch::Contains(started.name));
    CHECK(flux["mungeSecret"] == started.name + "-flux");
    if (version == "v1alpha2") {
        CHECK(flux["curveCert"] == kCert);
        CHECK_THAT(config, Catch::Contains("/mnt/flux/view/curve/curve.cert"));
    } else {
        CHECK(flux["curveCertSecret"] == started.name + "-flux");
        CHECK_THAT(config, Catch::Contains("/mnt/curve/curve.cert"));
    }
    CHECK(spec["containers"][0]["image"] == "ghcr.io/flux-framework/flux-restful-api:latest");
    CHECK(spec["pod"]["labels"]["flux-burst/burst"] == started.name);

    auto secrets = env.kube.secrets_received();
    REQUIRE(secrets.size() == 1);
    CHECK(base64_decode(secrets[0]["data"]["curve.cert"].get<std::string>()) == kCert);
    CHECK(base64_decode(secrets[0]["data"]["munge.key"].get<std::string>()) ==
          env.options.munge_key);

    CHECK(b.unburst() == std::vector<std::string>{started.name});
    CHECK(env.recorded().empty());
    CHECK(env.kube.leftovers().empty());
}

TEST_CASE("KubeBurst: a second burst while the first lives", "[kube][burst]") {
    Env env;
    auto b = env.burst();
    auto first = b.run(2);
    auto second = b.run(4);
    CHECK(first.name == env.slot(0));
    CHECK(second.name == env.slot(1));
    CHECK(second.details["first_rank"] == 2 + 4);
    CHECK(b.free_slots() == 0);
    CHECK_THAT(error_of<KubeBurstError>([&] { b.run(1); }),
               Catch::Contains("all 2 declared bursts are in use"));
    CHECK_THAT(error_of<KubeBurstError>([&] { b.run(5); }), Catch::Contains("outside 1..4"));

    // The first goes; the namespace it created stays for the second, then goes too.
    CHECK(b.unburst(first.name) == std::vector<std::string>{first.name});
    auto left = env.kube.leftovers();
    CHECK(std::count(left.begin(), left.end(), "namespaces/flux-operator") == 1);
    CHECK(b.run(1).name == first.name);  // the freed slot is used again
    b.unburst();
    CHECK(env.kube.leftovers().empty());
}

TEST_CASE("KubeBurst: 409s are handled deliberately", "[kube][burst]") {
    Env env;
    SECTION("an existing namespace is used, never deleted") {
        env.kube.add_namespace("flux-operator");
        auto b = env.burst();
        b.run(1);
        b.unburst();
        CHECK(env.kube.leftovers().empty());
        const auto requests = env.kube.requests();
        CHECK(std::count(requests.begin(), requests.end(),
                         "DELETE /api/v1/namespaces/flux-operator") == 0);
    }
    SECTION("a MiniCluster someone else made: its slot is skipped") {
        env.kube.add_namespace("flux-operator");
        env.kube.add_object("miniclusters", "flux-operator",
                            {{"metadata", {{"name", env.slot(0)}}}});
        auto b = env.burst();
        CHECK(b.run(1).name == env.slot(1));
        CHECK_THAT(error_of<KubeBurstError>([&] { b.run(1); }),
                   Catch::Contains("not recorded by this controller"));
        b.unburst();
        CHECK(env.kube.leftovers().empty());  // theirs is still there, ours gone
    }
    SECTION("a Secret someone else made: the burst fails, theirs is left alone") {
        env.kube.add_object("secrets", "flux-operator",
                            {{"metadata", {{"name", env.slot(0) + "-flux"}}}});
        auto b = env.burst();
        const std::string e = error_of<KubeBurstError>([&] { b.run(1); });
        CHECK_THAT(e, Catch::Contains("already exists in namespace flux-operator"));
        CHECK_THAT(e, Catch::Contains("left alone"));
        CHECK_THAT(e, Catch::Contains("what it created was deleted"));
        CHECK(env.recorded().empty());
    }
    CHECK(env.kube.leftovers().empty());
}

TEST_CASE("KubeBurst: 401 and 403 are readable, nothing is left", "[kube][burst]") {
    Env env;
    SECTION("401") {
        env.token = "expired";
        auto b = env.burst();
        const std::string e = error_of<KubeApiError>([&] { b.run(1); });
        CHECK_THAT(e, Catch::Contains("HTTP 401 Unauthorized"));
        CHECK_THAT(e, Catch::Contains("token may have expired"));
    }
    SECTION("403") {
        env.kube.forbid("create", "miniclusters");
        auto b = env.burst();
        const std::string e = error_of<KubeBurstError>([&] { b.run(1); });
        CHECK_THAT(e, Catch::Contains("User \"alice\" cannot create resource \"miniclusters\" in "
                                      "API group \"flux-framework.org\""));
        CHECK_THAT(e, Catch::Contains("HTTP 403 Forbidden"));
        CHECK_THAT(e, Catch::Contains("what it created was deleted"));
    }
    CHECK(env.recorded().empty());
    CHECK(env.kube.leftovers().empty());
}

TEST_CASE("KubeBurst: a MiniCluster the schema refuses fails the burst", "[kube][burst]") {
    Env env;
    env.options.minicluster.cpu = "lots";
    auto b = env.burst();
    const std::string e = error_of<KubeBurstError>([&] { b.run(1); });
    CHECK_THAT(e, Catch::Contains("spec.containers[0].resources.limits.cpu"));
    CHECK_THAT(e, Catch::Contains("HTTP 422"));
    CHECK(env.kube.schema_problems().size() >= 1);
    CHECK(env.recorded().empty());
    CHECK(env.kube.leftovers().empty());
}

TEST_CASE("KubeBurst: pods that never start fail the burst with the API's reason",
          "[kube][burst]") {
    Env env;
    env.options.start_timeout = milliseconds(300);
    std::string expect;
    SECTION("image pull") {
        env.kube.fail_pods("ErrImagePull", "pull access denied for nosuch/image");
        expect = "ErrImagePull: pull access denied for nosuch/image";
    }
    SECTION("unschedulable") {
        env.kube.fail_pods("Unschedulable", "0/3 nodes are available: 3 Insufficient cpu");
        expect = "Unschedulable: 0/3 nodes are available: 3 Insufficient cpu";
    }
    SECTION("quota: no pod at all") {
        env.kube.refuse_pods("pods \"x\" is forbidden: exceeded quota: compute");
        expect = "only 0 pods exist; last warning: pods \"x\" is forbidden: exceeded quota";
    }
    auto b = env.burst();
    const auto start = std::chrono::steady_clock::now();
    const std::string e = error_of<KubeBurstError>([&] { b.run(2); });
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
    CHECK_THAT(e, Catch::Contains("did not start within 0.3 s"));
    CHECK_THAT(e, Catch::Contains(expect));
    CHECK_THAT(e, Catch::Contains("what it created was deleted"));
    CHECK(env.recorded().empty());
    CHECK(env.kube.leftovers().empty());
}

TEST_CASE("KubeBurst: the API server going away mid-burst, unburst later", "[kube][burst]") {
    Env env;
    env.kube.set_start_delay(milliseconds(60000));
    auto b = env.burst();
    std::thread gone([&] {
        std::this_thread::sleep_for(milliseconds(300));
        env.kube.stop();
    });
    const std::string e = error_of<KubeBurstError>([&] { b.run(2); });
    gone.join();
    CHECK_THAT(e, Catch::Contains("Kubernetes API server from test"));
    CHECK_THAT(e, Catch::Contains("what remains is recorded: run unburst"));
    const json recorded = env.recorded();
    REQUIRE(recorded.contains(env.slot(0)));
    CHECK(recorded[env.slot(0)]["phase"] == "failed");

    // Still away: unburst fails and keeps the record.
    CHECK_THAT(error_of<KubeBurstError>([&] { b.unburst(); }), Catch::Contains("kept recorded"));
    CHECK(env.recorded().contains(env.slot(0)));

    env.kube.start();
    CHECK(b.unburst() == std::vector<std::string>{env.slot(0)});
    CHECK(env.kube.leftovers().empty());
}

TEST_CASE("KubeBurst: unburst from a restarted controller, and its bound", "[kube][burst]") {
    Env env;
    std::string name;
    {
        auto b = env.burst();
        name = b.run(2).name;
    }
    env.kube.set_delete_delay(milliseconds(60000));
    env.options.delete_timeout = milliseconds(200);
    {
        auto restarted = env.burst();  // a new controller, the same state
        CHECK(restarted.recorded().contains(name));
        const std::string e = error_of<KubeBurstError>([&] { restarted.unburst(); });
        CHECK_THAT(e, Catch::Contains("pods are still there after 0.2 s"));
        CHECK(env.recorded()[name]["phase"] == "deleting");
    }
    env.kube.set_delete_delay(milliseconds(10));
    auto again = env.burst();
    CHECK(again.unburst() == std::vector<std::string>{name});
    CHECK(env.kube.leftovers().empty());
}
