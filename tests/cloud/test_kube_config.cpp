// Kubeconfig and in-cluster credentials, each kind used against the fake API server.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

#include "base64.hpp"
#include "fake_kube.hpp"
#include "kube_client.hpp"
#include "kube_config.hpp"
#include "test_support.hpp"

using namespace fluxburst::cloud;

namespace {

struct Env {
    test::FakeKube kube{test::FakeKube::flux_operator_crds(TEST_CRD_DIR)};
    test::TempDir dir;
    Env() {
        kube.add_token("good-token", "alice");
        kube.start();
    }

    /// A kubeconfig with one cluster (the fake) and the given user block.
    std::string write(const std::string& user_yaml, const std::string& extra_cluster = "",
                      const std::string& name = "config") {
        const std::string path = dir.file(name);
        test::write_text(path,
                         "apiVersion: v1\nkind: Config\ncurrent-context: ctx\n"
                         "clusters:\n- name: fake\n  cluster:\n    server: " +
                             kube.url() + "\n    certificate-authority-data: " +
                             base64_encode(kube.ca().cert_pem) + "\n" + extra_cluster +
                             "contexts:\n- name: ctx\n  context:\n    cluster: fake\n"
                             "    user: u\n    namespace: work\n"
                             "users:\n- name: u\n  user:\n" +
                             user_yaml);
        ::chmod(path.c_str(), 0600);
        return path;
    }

    /// Lists namespaces through the connection: proves it authenticates.
    std::size_t use(const Kubeconfig& config) {
        KubeClient client(config.connection);
        return client.list(KubeResource::namespaces(), "").size();
    }

    std::string script(const std::string& name, const std::string& body) {
        const std::string path = dir.file(name);
        test::write_text(path, "#!/bin/sh\n" + body);
        ::chmod(path.c_str(), 0700);
        return path;
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

KubeconfigOptions opts(const std::string& path, const std::string& context = "") {
    KubeconfigOptions o;
    o.path = path;
    o.context = context;
    return o;
}

int count_lines(const std::string& path) {
    std::ifstream in(path);
    int n = 0;
    std::string line;
    while (std::getline(in, line)) ++n;
    return n;
}

}  // namespace

TEST_CASE("kubeconfig: a bearer token", "[kube][config]") {
    Env env;
    auto config = load_kubeconfig(opts(env.write("    token: good-token\n")));
    CHECK(config.context_name == "ctx");
    CHECK(config.context_namespace == "work");
    CHECK(config.connection.server == env.kube.url());
    CHECK(env.use(config) >= 2);
}

TEST_CASE("kubeconfig: a wrong token gives a readable 401", "[kube][config]") {
    Env env;
    auto config = load_kubeconfig(opts(env.write("    token: stale-token\n")));
    const std::string e = error_of([&] { env.use(config); });
    CHECK_THAT(e, Catch::Contains("GET " + env.kube.url() + "/api/v1/namespaces"));
    CHECK_THAT(e, Catch::Contains("HTTP 401 Unauthorized"));
    CHECK_THAT(e, Catch::Contains("may have expired"));
    CHECK_THAT(e, Catch::Contains("context 'ctx'"));
    CHECK(e.find("stale-token") == std::string::npos);
}

TEST_CASE("kubeconfig: a token file, relative to the kubeconfig, read at each request",
          "[kube][config]") {
    Env env;
    test::write_text(env.dir.file("token"), "good-token\n");
    auto config = load_kubeconfig(opts(env.write("    tokenFile: token\n")));
    CHECK(env.use(config) >= 2);
    test::write_text(env.dir.file("token"), "rotated\n");
    CHECK_THAT(error_of([&] { env.use(config); }), Catch::Contains("401"));
    env.kube.add_token("rotated", "alice");
    CHECK(env.use(config) >= 2);
}

TEST_CASE("kubeconfig: client certificates, inline and as files", "[kube][config]") {
    Env env;
    auto cert = test::make_client_cert(env.kube.ca(), "bob", "system:masters");
    SECTION("data") {
        auto config = load_kubeconfig(
            opts(env.write("    client-certificate-data: " + base64_encode(cert.cert_pem) +
                           "\n    client-key-data: " + base64_encode(cert.key_pem) + "\n")));
        CHECK(env.use(config) >= 2);
    }
    SECTION("files") {
        test::write_text(env.dir.file("bob.crt"), cert.cert_pem);
        test::write_text(env.dir.file("bob.key"), cert.key_pem);
        auto config = load_kubeconfig(opts(env.write(
            "    client-certificate: bob.crt\n    client-key: " + env.dir.file("bob.key") + "\n")));
        CHECK(env.use(config) >= 2);
    }
    SECTION("a certificate without its key") {
        const std::string e = error_of([&] {
            load_kubeconfig(opts(
                env.write("    client-certificate-data: " + base64_encode(cert.cert_pem) + "\n")));
        });
        CHECK_THAT(e, Catch::Contains("user 'u'"));
        CHECK_THAT(e, Catch::Contains("without its key"));
    }
}

TEST_CASE("kubeconfig: exec credential plugins", "[kube][config]") {
    Env env;
    const std::string calls = env.dir.file("calls");
    // Checks its arguments, its env and KUBERNETES_EXEC_INFO, counts its runs.
    const std::string plugin = env.script(
        "cred-plugin",
        "echo run >> " + calls +
            "\n"
            "[ \"$1\" = get-token ] && [ \"$2\" = 'a b' ] || { echo bad args >&2; exit 3; }\n"
            "[ \"$CLUSTER_NAME\" = fake ] || { echo no env >&2; exit 4; }\n"
            "case \"$KUBERNETES_EXEC_INFO\" in *'\"interactive\":false'*) ;; *) echo no info >&2; "
            "exit 5;; esac\n"
            "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":"
            "\"ExecCredential\",\"status\":{\"token\":\"good-token\",\"expirationTimestamp\":\"'"
            "\"$EXPIRY\"'\"}}'\n");
    const std::string exec_block =
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: " + plugin +
        "\n      args: [get-token, 'a b']\n      env:\n      - name: CLUSTER_NAME\n        value: "
        "fake\n      interactiveMode: Never\n";

    SECTION("cached until it expires") {
        test::EnvVar expiry("EXPIRY", "2999-01-01T00:00:00Z");
        auto config = load_kubeconfig(opts(env.write(exec_block)));
        CHECK(env.use(config) >= 2);
        CHECK(env.use(config) >= 2);
        CHECK(count_lines(calls) == 1);
    }
    SECTION("run again once expired") {
        test::EnvVar expiry("EXPIRY", "2000-01-01T00:00:00Z");
        auto config = load_kubeconfig(opts(env.write(exec_block)));
        CHECK(env.use(config) >= 2);
        CHECK(env.use(config) >= 2);
        CHECK(count_lines(calls) == 2);
    }
    SECTION("a token refused with 401 is fetched again once") {
        const std::string token_file = env.dir.file("issued");
        test::write_text(token_file, "good-token");
        const std::string issuer = env.script(
            "issuer", "echo run >> " + calls +
                          "\nprintf '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
                          "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s\"}}' "
                          "\"$(cat " +
                          token_file + ")\"\n");
        auto config = load_kubeconfig(
            opts(env.write("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                           "      command: " +
                           issuer + "\n")));
        CHECK(env.use(config) >= 2);
        // The cached token is revoked; the plugin now issues another.
        env.kube.remove_token("good-token");
        env.kube.add_token("new-token", "alice");
        test::write_text(token_file, "new-token");
        CHECK(env.use(config) >= 2);
        CHECK(count_lines(calls) == 2);
        // A plugin whose token is refused again: the 401 is final, no loop.
        env.kube.remove_token("new-token");
        CHECK_THAT(error_of([&] { env.use(config); }), Catch::Contains("HTTP 401"));
        CHECK(count_lines(calls) == 3);
    }
    SECTION("a relative command with a directory is relative to the kubeconfig") {
        test::EnvVar expiry("EXPIRY", "2999-01-01T00:00:00Z");
        std::string block = exec_block;
        block.replace(block.find(plugin), plugin.size(), "./cred-plugin");
        auto config = load_kubeconfig(opts(env.write(block)));
        CHECK(env.use(config) >= 2);
    }
    SECTION("failures are readable and bounded") {
        const std::string failing =
            env.script("failing", "echo 'token expired, run login' >&2\nexit 2\n");
        auto config = load_kubeconfig(
            opts(env.write("    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
                           "      command: " +
                           failing + "\n")));
        std::string e = error_of([&] { env.use(config); });
        CHECK_THAT(e, Catch::Contains("exited with status 2: token expired, run login"));

        const std::string slow = env.script("slow", "sleep 5\n");
        KubeconfigOptions o{
            env.write("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                      "      command: " +
                      slow + "\n"),
            "", std::chrono::milliseconds(300), true};
        config = load_kubeconfig(o);
        const auto start = std::chrono::steady_clock::now();
        e = error_of([&] { env.use(config); });
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
        CHECK_THAT(e, Catch::Contains("did not finish within 300 ms"));

        const std::string garbage = env.script("garbage", "echo not json\n");
        config = load_kubeconfig(
            opts(env.write("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                           "      command: " +
                           garbage + "\n")));
        CHECK_THAT(error_of([&] { env.use(config); }), Catch::Contains("ExecCredential"));

        config = load_kubeconfig(
            opts(env.write("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                           "      command: no-such-credential-plugin-xyz\n      installHint: "
                           "install it with apt\n")));
        e = error_of([&] { env.use(config); });
        CHECK_THAT(e, Catch::Contains("no-such-credential-plugin-xyz"));
        CHECK_THAT(e, Catch::Contains("install it with apt"));
    }
    SECTION("values are never given to a shell") {
        test::EnvVar expiry("EXPIRY", "2999-01-01T00:00:00Z");
        const std::string marker = env.dir.file("pwned");
        std::string block = exec_block;
        block.replace(block.find("'a b'"), 5, "'a b; touch " + marker + "'");
        auto config = load_kubeconfig(opts(env.write(block)));
        CHECK_THAT(error_of([&] { env.use(config); }), Catch::Contains("bad args"));
        struct stat st {};
        CHECK(::stat(marker.c_str(), &st) != 0);
    }
}

TEST_CASE("kubeconfig: contexts, merging and refusals", "[kube][config]") {
    Env env;
    SECTION("a named context; an unknown one lists the known") {
        const std::string path = env.write("    token: good-token\n");
        CHECK(load_kubeconfig(opts(path, "ctx")).context_name == "ctx");
        const std::string e = error_of([&] { load_kubeconfig(opts(path, "prod")); });
        CHECK_THAT(e, Catch::Contains("no context 'prod'"));
        CHECK_THAT(e, Catch::Contains("it has: ctx"));
    }
    SECTION("KUBECONFIG lists files: the first to define a name wins") {
        const std::string a = env.write("    token: good-token\n", "", "a");
        test::write_text(env.dir.file("b"),
                         "apiVersion: v1\nkind: Config\ncurrent-context: other\nusers:\n- name: u\n"
                         "  user:\n    token: shadowed\n");
        ::chmod(env.dir.file("b").c_str(), 0600);
        test::EnvVar kc("KUBECONFIG",
                        (a + ":" + env.dir.file("missing") + ":" + env.dir.file("b")).c_str());
        auto config = load_kubeconfig({});
        CHECK(config.context_name == "ctx");
        CHECK(env.use(config) >= 2);
    }
    SECTION("~/.kube/config by default") {
        test::EnvVar kc("KUBECONFIG", nullptr);
        test::EnvVar home("HOME", env.dir.path().c_str());
        ::mkdir(env.dir.file(".kube").c_str(), 0700);
        const std::string path = env.write("    token: good-token\n", "", ".kube/config");
        CHECK(load_kubeconfig({}).file == path);
    }
    SECTION("insecure-skip-tls-verify is refused") {
        const std::string e = error_of([&] {
            load_kubeconfig(
                opts(env.write("    token: good-token\n", "    insecure-skip-tls-verify: true\n")));
        });
        CHECK_THAT(e, Catch::Contains("insecure-skip-tls-verify"));
    }
    SECTION("a group-writable kubeconfig is refused: it names commands to run") {
        const std::string path = env.write("    token: good-token\n");
        ::chmod(path.c_str(), 0620);
        CHECK_THAT(error_of([&] { load_kubeconfig(opts(path)); }),
                   Catch::Contains("refusing to trust it"));
    }
    SECTION("malformed files name the problem") {
        const std::string path = env.dir.file("bad");
        test::write_text(path, "clusters: [unclosed\n");
        ::chmod(path.c_str(), 0600);
        CHECK_THAT(error_of([&] { load_kubeconfig(opts(path)); }),
                   Catch::Contains("not valid YAML"));
        test::write_text(path, "clusters: 3\n");
        CHECK_THAT(error_of([&] { load_kubeconfig(opts(path, "x")); }),
                   Catch::Contains("clusters must be a list"));
        CHECK_THAT(error_of([&] { load_kubeconfig(opts(env.dir.file("none"))); }),
                   Catch::Contains("cannot read the kubeconfig"));
        CHECK_THAT(error_of([&] {
                       load_kubeconfig(opts(env.write("    auth-provider:\n      name: gcp\n")));
                   }),
                   Catch::Contains("exec credential plugin"));
        CHECK_THAT(error_of([&] { load_kubeconfig(opts(env.write("    {}\n"))); }),
                   Catch::Contains("has no credentials"));
        test::write_text(path,
                         "current-context: c\ncontexts:\n- name: c\n  context:\n    cluster: x\n"
                         "clusters:\n- name: x\n  cluster:\n    server: http://10.0.0.1\n");
        CHECK_THAT(error_of([&] { load_kubeconfig(opts(path)); }),
                   Catch::Contains("not an https:// URL"));
    }
}

TEST_CASE("in-cluster service account credentials", "[kube][config]") {
    Env env;
    const std::string account = env.dir.file("sa");
    ::mkdir(account.c_str(), 0700);
    test::write_text(account + "/token", "good-token\n");
    test::write_text(account + "/ca.crt", env.kube.ca().cert_pem);
    test::write_text(account + "/namespace", "flux\n");
    const std::string port = env.kube.url().substr(env.kube.url().rfind(':') + 1);
    SECTION("available and used") {
        test::EnvVar host("KUBERNETES_SERVICE_HOST", "127.0.0.1");
        test::EnvVar p("KUBERNETES_SERVICE_PORT", port.c_str());
        CHECK(in_cluster_available(account));
        auto config = in_cluster_config(account);
        CHECK(config.context_namespace == "flux");
        CHECK(env.use(config) >= 2);
    }
    SECTION("outside a pod") {
        test::EnvVar host("KUBERNETES_SERVICE_HOST", nullptr);
        CHECK_FALSE(in_cluster_available(account));
        CHECK_THAT(error_of([&] { in_cluster_config(account); }),
                   Catch::Contains("not running in a Kubernetes pod"));
    }
}
