// The Kubernetes REST client against the fake API server: objects, Status errors,
// 409s, names.
#include <catch2/catch.hpp>

#include "fake_kube.hpp"
#include "http.hpp"
#include "kube_client.hpp"
#include "kube_minicluster.hpp"

using namespace fluxburst::cloud;
using nlohmann::json;

namespace {

struct Env {
    test::FakeKube kube{test::FakeKube::flux_operator_crds(TEST_CRD_DIR)};
    Env() {
        kube.add_token("t", "alice");
        kube.start();
    }
    KubeClient client(const std::string& token = "t") {
        return KubeClient(KubeConnection::with_token(
            kube.url(), kube.ca().cert_pem, [token] { return token; }, "the test"));
    }
};

json secret(const std::string& name) {
    return burst_secret_manifest(name, "ns", "cert", "", {{"a", "b"}});
}

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

TEST_CASE("kube client: create, get, list, delete", "[kube][client]") {
    Env env;
    auto c = env.client();
    CHECK(c.create(KubeResource::namespaces(), "", namespace_manifest("ns", {})) ==
          KubeClient::Created::Yes);
    json created;
    CHECK(c.create(KubeResource::secrets(), "ns", secret("s1"), &created) ==
          KubeClient::Created::Yes);
    CHECK(created["metadata"]["name"] == "s1");
    auto got = c.get(KubeResource::secrets(), "ns", "s1");
    REQUIRE(got);
    CHECK((*got)["data"]["curve.cert"] == "Y2VydA==");
    CHECK_FALSE(c.get(KubeResource::secrets(), "ns", "s2"));
    CHECK(c.list(KubeResource::secrets(), "ns").size() == 1);
    CHECK(c.remove(KubeResource::secrets(), "ns", "s1"));
    CHECK_FALSE(c.remove(KubeResource::secrets(), "ns", "s1"));
    CHECK(c.remove(KubeResource::namespaces(), "", "ns"));
    CHECK(env.kube.leftovers().empty());
}

TEST_CASE("kube client: 409 AlreadyExists is reported as such, not ignored", "[kube][client]") {
    Env env;
    auto c = env.client();
    c.create(KubeResource::namespaces(), "", namespace_manifest("ns", {}));
    CHECK(c.create(KubeResource::namespaces(), "", namespace_manifest("ns", {})) ==
          KubeClient::Created::AlreadyExisted);
    c.create(KubeResource::secrets(), "ns", secret("s1"));
    CHECK(c.create(KubeResource::secrets(), "ns", secret("s1")) ==
          KubeClient::Created::AlreadyExisted);
    c.remove(KubeResource::secrets(), "ns", "s1");
    c.remove(KubeResource::namespaces(), "", "ns");
}

TEST_CASE("kube client: Status errors become readable messages", "[kube][client]") {
    Env env;
    auto c = env.client();
    SECTION("401") {
        auto bad = env.client("wrong");
        std::string e;
        long code = 0;
        try {
            bad.list(KubeResource::namespaces(), "");
        } catch (const KubeApiError& x) {
            e = x.what();
            code = x.status();
            CHECK(x.reason() == "Unauthorized");
        }
        CHECK(code == 401);
        CHECK_THAT(e, Catch::Contains("HTTP 401 Unauthorized"));
        CHECK_THAT(e, Catch::Contains("credentials from the test were not accepted"));
    }
    SECTION("403 carries the API's own explanation") {
        env.kube.forbid("create", "secrets");
        c.create(KubeResource::namespaces(), "", namespace_manifest("ns", {}));
        const std::string e =
            error_of<KubeApiError>([&] { c.create(KubeResource::secrets(), "ns", secret("s1")); });
        CHECK_THAT(e, Catch::Contains("POST " + env.kube.url() + "/api/v1/namespaces/ns/secrets"));
        CHECK_THAT(e, Catch::Contains("User \"alice\" cannot create resource \"secrets\""));
        CHECK_THAT(e, Catch::Contains("HTTP 403 Forbidden"));
        CHECK_THAT(e, Catch::Contains("RBAC"));
        c.remove(KubeResource::namespaces(), "", "ns");
    }
    SECTION("404 of a missing namespace on create") {
        const std::string e = error_of<KubeApiError>(
            [&] { c.create(KubeResource::secrets(), "nope", secret("s1")); });
        CHECK_THAT(e, Catch::Contains("namespaces \"nope\" not found"));
    }
    SECTION("422 Invalid lists each cause") {
        c.create(KubeResource::namespaces(), "", namespace_manifest("ns", {}));
        json mc = {{"apiVersion", "flux-framework.org/v1alpha2"},
                   {"kind", "MiniCluster"},
                   {"metadata", {{"name", "m"}, {"namespace", "ns"}}},
                   {"spec", {{"size", "four"}, {"containers", json::array()}, {"sise", 4}}}};
        const std::string e = error_of<KubeApiError>(
            [&] { c.create(KubeResource::miniclusters("v1alpha2"), "ns", mc); });
        CHECK_THAT(e, Catch::Contains("spec.size: expected integer, got string"));
        CHECK_THAT(e, Catch::Contains("spec.sise: unknown field"));
        CHECK_THAT(e, Catch::Contains("HTTP 422"));
        c.remove(KubeResource::namespaces(), "", "ns");
    }
    SECTION("an unknown API version is a 404") {
        const std::string e =
            error_of<KubeApiError>([&] { c.list(KubeResource::miniclusters("v9"), "ns"); });
        CHECK_THAT(e, Catch::Contains("could not find the requested resource"));
    }
    SECTION("the API server gone") {
        env.kube.stop();
        const std::string e = error_of<HttpError>([&] { c.list(KubeResource::namespaces(), ""); });
        CHECK_THAT(e, Catch::Contains("GET " + env.kube.url() + "/api/v1/namespaces"));
        CHECK_THAT(e, Catch::Contains("Kubernetes API server from the test"));
    }
    CHECK(env.kube.leftovers().empty());
}

TEST_CASE("kube client: names are checked before any request", "[kube][client]") {
    Env env;
    auto c = env.client();
    for (const std::string& bad : std::vector<std::string>{
             "", "UPPER", "a/b", "../x", "a b", "-a", "a-", "a_b", "a?x=1", std::string(64, 'a')}) {
        CAPTURE(bad);
        CHECK_THAT(error_of([&] { c.get(KubeResource::secrets(), bad, "x"); }),
                   Catch::Contains("not a valid Kubernetes name"));
    }
    for (const std::string& bad :
         std::vector<std::string>{"", "a/b", "..", "a..b", "A", "x%2f", std::string(254, 'a')}) {
        CAPTURE(bad);
        CHECK_THAT(error_of([&] { c.get(KubeResource::secrets(), "ns", bad); }),
                   Catch::Contains("not a valid Kubernetes object name"));
    }
    CHECK(env.kube.requests().empty());
    CHECK_NOTHROW(check_object_name("a.b-c.d", "x"));
    CHECK_NOTHROW(check_label_name(std::string(63, 'a'), "x"));
}
