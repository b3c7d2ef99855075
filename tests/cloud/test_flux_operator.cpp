// Kubernetes manifests (multi-document YAML) and the Flux Operator installed from
// one when a cluster lacks it, against the fake API server.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "../test_support.hpp"
#include "fake_kube.hpp"
#include "flux_operator.hpp"
#include "kube_burst.hpp"
#include "kube_manifest.hpp"

using namespace fluxburst::cloud;
using Catch::Matchers::Contains;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// An operator manifest shaped as the Flux Operator's release YAML: its namespace,
/// the real MiniCluster CRD, RBAC, and the controller's Deployment.
std::string operator_manifest() {
    return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: operator-system\n---\n" +
           read(TEST_CRD_DIR "/flux-framework.org_miniclusters.yaml") +
           "\n---\n"
           "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: operator-controller-manager\n"
           "  namespace: operator-system\n"
           "---\n"
           "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n"
           "  name: operator-manager-role\nrules:\n- apiGroups: [flux-framework.org]\n"
           "  resources: [miniclusters]\n  verbs: ['*']\n"
           "---\n"
           "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n"
           "  name: operator-manager-rolebinding\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n"
           "  kind: ClusterRole\n  name: operator-manager-role\nsubjects:\n- kind: ServiceAccount\n"
           "  name: operator-controller-manager\n  namespace: operator-system\n"
           "---\n"
           "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
           "  name: operator-controller-manager\n  namespace: operator-system\n"
           "spec:\n  replicas: 1\n  selector:\n    matchLabels: {control-plane: "
           "controller-manager}\n"
           "  template:\n    metadata:\n      labels: {control-plane: controller-manager}\n"
           "    spec:\n      containers:\n      - name: manager\n"
           "        image: ghcr.io/flux-framework/flux-operator:latest\n"
           "        args: [--leader-elect]\n";
}

struct Env {
    test::FakeKube kube{test::FakeKube::flux_operator_crds(TEST_CRD_DIR)};
    Env() {
        kube.add_token("t", "admin");
        kube.remove_operator();
        kube.start();
    }
    KubeClient client() {
        return KubeClient(KubeConnection::with_token(
            kube.url(), kube.ca().cert_pem, [] { return std::string("t"); }, "test cluster"));
    }
    FluxOperatorInstall install() {
        FluxOperatorInstall i;
        i.manifest = parse_manifest(operator_manifest(), "flux-operator.yaml");
        i.origin = "flux-operator.yaml";
        i.timeout = milliseconds(500);
        i.poll = milliseconds(10);
        return i;
    }
};

template <class F>
std::string error_of(F f) {
    try {
        f();
    } catch (const fluxburst::Error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("manifests: documents, YAML types, Lists", "[kube][manifest]") {
    auto objects = parse_manifest(
        "---\n# a comment only\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\n"
        "data:\n  quoted: \"1\"\n  single: 'true'\n  text: hello\n"
        "spec: {count: 3, ratio: 0.5, on: true, off: False, none: ~, hex: 0x1f, big: "
        "123456789012345678901234567890}\n"
        "...\n"
        "---\n"
        "apiVersion: v1\nkind: List\nitems:\n"
        "- {apiVersion: v1, kind: ServiceAccount, metadata: {name: a}}\n"
        "- {apiVersion: v1, kind: ServiceAccount, metadata: {name: b}}\n",
        "m.yaml");
    REQUIRE(objects.size() == 3);
    const json& c = objects[0];
    CHECK(c["data"]["quoted"] == "1");
    CHECK(c["data"]["single"] == "true");
    CHECK(c["data"]["text"] == "hello");
    CHECK(c["spec"]["count"] == 3);
    CHECK(c["spec"]["ratio"] == 0.5);
    CHECK(c["spec"]["on"] == true);
    CHECK(c["spec"]["off"] == false);
    CHECK(c["spec"]["none"].is_null());
    CHECK(c["spec"]["hex"] == 31);
    CHECK(c["spec"]["big"] == "123456789012345678901234567890");
    CHECK(objects[2]["metadata"]["name"] == "b");
    // The real CRD parses to the object the API server takes.
    auto crd = parse_manifest(read(TEST_CRD_DIR "/flux-framework.org_miniclusters.yaml"), "crd");
    REQUIRE(crd.size() == 1);
    CHECK(crd[0]["kind"] == "CustomResourceDefinition");
    CHECK(crd[0]["spec"]["versions"].is_array());
}

TEST_CASE("manifests: bad input is an error naming the file and document", "[kube][manifest]") {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"a: [b\n", "not YAML"},
        {"kind: ConfigMap\nmetadata: {name: x}\n", "document 1: no apiVersion"},
        {"---\napiVersion: v1\nkind: X\nmetadata: {name: x}\n---\napiVersion: v1\nmetadata: "
         "{name: y}\n",
         "document 2: no kind"},
        {"apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "no metadata.name"},
        {"- just\n- a list\n", "not a Kubernetes object"},
        {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: " + std::string(100, '[') +
             std::string(100, ']') + "\n",
         "nested deeper"},
    };
    for (const auto& [text, expected] : bad) {
        INFO(text);
        const std::string& manifest = text;  // a lambda cannot capture a binding in C++17
        CHECK_THAT(error_of([&] { parse_manifest(manifest, "bad.yaml"); }),
                   Contains("bad.yaml") && Contains(expected));
    }
    test::TempDir dir;
    CHECK_THAT(error_of([&] { read_manifest(dir.file("none.yaml"), "operator_manifest"); }),
               Contains("operator_manifest") && Contains("does not exist"));
}

TEST_CASE("Flux Operator: installed from its manifest when absent, once", "[kube][operator]") {
    Env env;
    auto client = env.client();
    CHECK_FALSE(flux_operator_served(client, "v1alpha2"));
    const std::string done = ensure_flux_operator(client, env.install());
    CHECK_THAT(done,
               Contains("installed from flux-operator.yaml") && Contains("6 objects created"));
    CHECK(flux_operator_served(client, "v1alpha2"));
    const auto applied = env.kube.applied();
    CHECK(std::count_if(applied.begin(), applied.end(), [](const std::string& a) {
              return a == "deployments/operator-system/operator-controller-manager";
          }) == 1);
    // Present now: nothing applied again.
    CHECK(ensure_flux_operator(client, env.install()).empty());
    CHECK(env.kube.applied().size() == applied.size());
}

TEST_CASE("Flux Operator: absent without a manifest, or never ready, is a clear error",
          "[kube][operator]") {
    Env env;
    auto client = env.client();
    FluxOperatorInstall none;
    CHECK_THAT(error_of([&] { ensure_flux_operator(client, none); }),
               Contains("not installed") && Contains("operator_manifest"));
    CHECK(env.kube.applied().empty());
    // A manifest with a kind the server does not serve names it.
    FluxOperatorInstall odd = env.install();
    odd.manifest = parse_manifest("apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: x}\n",
                                  "odd.yaml");
    CHECK_THAT(error_of([&] { ensure_flux_operator(client, odd); }),
               Contains("serves no Thing in example.com/v1"));
    env.kube.hold_deployments(true);
    CHECK_THAT(
        error_of([&] { ensure_flux_operator(client, env.install()); }),
        Contains("not ready after") && Contains("operator-system/operator-controller-manager"));
}

TEST_CASE("Flux Operator: a burst onto a cluster without it installs it first",
          "[kube][operator][burst]") {
    Env env;
    json state = json::object();
    BurstState store{[&](const std::function<void(json&)>& change) {
                         json copy = state;
                         change(copy);
                         state = copy;
                         return state;
                     },
                     [&] { return state; }};
    KubeBurstOptions options;
    options.minicluster.image = "ghcr.io/flux-framework/flux-restful-api:latest";
    options.topology.lead_hosts = {"lead-0"};
    options.topology.lead_address = "203.0.113.5";
    options.topology.port = 30093;
    options.topology.bursts = fluxburst::topology::declare_bursts(
        "burst", fluxburst::topology::instance_tag("203.0.113.5:30093"), 1, 2);
    options.curve_cert = "#   ZeroMQ CURVE **Secret** Certificate\n";
    options.poll_interval = milliseconds(20);
    options.start_timeout = milliseconds(3000);
    options.delete_timeout = milliseconds(3000);
    env.kube.set_start_delay(milliseconds(20));
    env.kube.set_delete_delay(milliseconds(10));
    {
        KubeBurst burst(env.client().connection(), options, store);
        CHECK_THAT(error_of([&] { burst.run(2); }), Contains("operator_manifest"));
        CHECK(env.kube.leftovers().empty());
    }
    options.flux_operator = env.install();
    KubeBurst burst(env.client().connection(), options, store);
    auto started = burst.run(2);
    CHECK_THAT(started.details.value("flux_operator", ""), Contains("installed"));
    CHECK(env.kube.schema_problems().empty());
    burst.unburst();
    // The operator stays installed (its namespace with it); the burst left nothing.
    CHECK(env.kube.leftovers() == std::vector<std::string>{"namespaces/operator-system"});
}
