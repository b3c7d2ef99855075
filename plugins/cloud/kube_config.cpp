#include "kube_config.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include <fluxburst/error.hpp>
#include <fluxburst/trusted_file.hpp>

#include "base64.hpp"
#include "command.hpp"
#include "local_file.hpp"
#include "rfc3339.hpp"

namespace fluxburst::cloud {
namespace {

constexpr std::size_t kMaxKubeconfig = 4u << 20;
constexpr std::size_t kMaxCredentialFile = 1u << 20;

bool file_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

std::string directory_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

/// A path from the kubeconfig: relative paths are relative to the file's directory.
std::string resolve(const std::string& path, const std::string& dir) {
    if (path.empty() || path[0] == '/') return path;
    if (path.rfind("~/", 0) == 0) {
        const char* home = std::getenv("HOME");
        return std::string(home ? home : "") + path.substr(1);
    }
    return dir + "/" + path;
}

/// One kubeconfig entry (cluster, user or context) with the file it came from.
struct Entry {
    YAML::Node node;
    std::string file;
};

struct Merged {
    std::map<std::string, Entry> clusters, users, contexts;
    std::string current_context;
    std::vector<std::string> files;
};

std::string scalar(const YAML::Node& node, const char* key, const std::string& where) {
    const YAML::Node v = node[key];
    if (!v || v.IsNull()) return "";
    if (!v.IsScalar()) throw Error(where + ": '" + key + "' must be a string");
    return v.as<std::string>();
}

bool boolean(const YAML::Node& node, const char* key, const std::string& where) {
    const YAML::Node v = node[key];
    if (!v || v.IsNull()) return false;
    try {
        return v.as<bool>();
    } catch (const YAML::Exception&) {
        throw Error(where + ": '" + key + "' must be true or false");
    }
}

void merge_file(Merged& merged, const std::string& file, bool check_owner) {
    std::string text;
    if (check_owner) {
        // It names commands we run (exec plugins): trusted like a config file.
        auto trusted =
            read_trusted_file(file, "kubeconfig", TrustedOwner::UserOrRoot, kMaxKubeconfig);
        if (!trusted) throw Error("cannot read the kubeconfig '" + file + "': it does not exist");
        text = std::move(*trusted);
    } else {
        text = read_local_file(file, kMaxKubeconfig, "kubeconfig");
    }
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw Error("kubeconfig '" + file + "' is not valid YAML: " + e.what());
    }
    if (!root || root.IsNull()) return;  // an empty file, as kubectl accepts
    if (!root.IsMap()) throw Error("kubeconfig '" + file + "' is not a YAML mapping");
    merged.files.push_back(file);
    if (merged.current_context.empty())
        merged.current_context = scalar(root, "current-context", "kubeconfig '" + file + "'");
    struct Section {
        const char* list;
        const char* item;
        std::map<std::string, Entry>* into;
    };
    for (const Section& s :
         {Section{"clusters", "cluster", &merged.clusters}, Section{"users", "user", &merged.users},
          Section{"contexts", "context", &merged.contexts}}) {
        const YAML::Node list = root[s.list];
        if (!list || list.IsNull()) continue;
        const std::string where = "kubeconfig '" + file + "' " + s.list;
        if (!list.IsSequence()) throw Error(where + " must be a list");
        for (const YAML::Node& item : list) {
            if (!item.IsMap()) throw Error(where + ": every entry must be a mapping");
            const std::string name = scalar(item, "name", where);
            if (name.empty()) throw Error(where + ": an entry has no name");
            YAML::Node body = item[s.item];
            if (body && !body.IsNull() && !body.IsMap())
                throw Error(where + " '" + name + "': '" + s.item + "' must be a mapping");
            // The first file to define a name wins, as in kubectl.
            s.into->emplace(name, Entry{body ? body : YAML::Node(YAML::NodeType::Map), file});
        }
    }
}

/// PEM from "<key>-data" (base64) or "<key>" (a file); "" when neither is given.
std::string pem_from(const YAML::Node& node, const std::string& key, const std::string& dir,
                     const std::string& where) {
    const std::string data = scalar(node, (key + "-data").c_str(), where);
    if (!data.empty()) {
        auto decoded = base64_decode(data);
        if (!decoded) throw Error(where + ": '" + key + "-data' is not valid base64");
        return *decoded;
    }
    const std::string file = scalar(node, key.c_str(), where);
    if (file.empty()) return "";
    return read_local_file(resolve(file, dir), kMaxCredentialFile, key + " of " + where);
}

std::string trim_token(std::string token) {
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ' ||
                              token.back() == '\t'))
        token.pop_back();
    return token;
}

std::string last_line(const std::string& text) {
    std::string t = trim_token(text);
    const auto nl = t.rfind('\n');
    if (nl != std::string::npos) t = t.substr(nl + 1);
    if (t.size() > 300) t = t.substr(0, 300) + "...";
    return t;
}

/// An exec credential plugin, run as kubectl runs it, its answer cached until it
/// expires.
class ExecProvider {
public:
    ExecProvider(const YAML::Node& exec, const std::string& dir, const std::string& where,
                 std::string server, std::string ca_pem, std::chrono::milliseconds timeout)
        : where_(where), server_(std::move(server)), ca_pem_(std::move(ca_pem)), timeout_(timeout) {
        api_version_ = scalar(exec, "apiVersion", where);
        if (api_version_ != "client.authentication.k8s.io/v1" &&
            api_version_ != "client.authentication.k8s.io/v1beta1")
            throw Error(where + ": exec apiVersion '" + api_version_ +
                        "' is not supported (client.authentication.k8s.io/v1 or v1beta1)");
        std::string command = scalar(exec, "command", where);
        if (command.empty()) throw Error(where + ": exec has no command");
        // A relative command with a directory part is relative to the kubeconfig.
        if (command.find('/') != std::string::npos) command = resolve(command, dir);
        argv_.push_back(command);
        if (const YAML::Node args = exec["args"]; args && !args.IsNull()) {
            if (!args.IsSequence()) throw Error(where + ": exec args must be a list");
            for (const auto& a : args) {
                if (!a.IsScalar()) throw Error(where + ": exec args must be strings");
                argv_.push_back(a.as<std::string>());
            }
        }
        if (const YAML::Node env = exec["env"]; env && !env.IsNull()) {
            if (!env.IsSequence())
                throw Error(where + ": exec env must be a list of {name, value}");
            for (const auto& e : env) {
                if (!e.IsMap()) throw Error(where + ": exec env must be a list of {name, value}");
                env_.emplace_back(scalar(e, "name", where), scalar(e, "value", where));
            }
        }
        install_hint_ = scalar(exec, "installHint", where);
        provide_cluster_info_ = boolean(exec, "provideClusterInfo", where);
        const std::string mode = scalar(exec, "interactiveMode", where);
        if (mode == "Always")
            throw Error(where +
                        ": exec interactiveMode is Always, but flux-burst runs without a "
                        "terminal; use a plugin that needs no interaction");
    }

    /// The next get() runs the plugin again.
    void forget() {
        std::lock_guard<std::mutex> lock(mutex_);
        cached_.reset();
    }

    KubeCredentials get() {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto now = std::chrono::system_clock::now();
        if (cached_ && (!expiry_ || now + std::chrono::seconds(10) < *expiry_)) return *cached_;
        fetch();
        return *cached_;
    }

private:
    void fetch() {
        nlohmann::json info = {{"apiVersion", api_version_},
                               {"kind", "ExecCredential"},
                               {"spec", {{"interactive", false}}}};
        if (provide_cluster_info_) {
            info["spec"]["cluster"] = {{"server", server_}};
            if (!ca_pem_.empty())
                info["spec"]["cluster"]["certificate-authority-data"] = base64_encode(ca_pem_);
        }
        auto env = env_;
        env.emplace_back("KUBERNETES_EXEC_INFO", info.dump());
        const std::string what = where_ + ": exec credential plugin '" + argv_[0] + "'";
        CommandResult r;
        try {
            r = run_command(argv_, env, timeout_);
        } catch (const Error& e) {
            throw Error(what + ": " + e.what() +
                        (install_hint_.empty() ? "" : " (" + trim_token(install_hint_) + ")"));
        }
        if (r.exit_status != 0)
            throw Error(what + " exited with status " + std::to_string(r.exit_status) +
                        (r.err.empty() ? "" : ": " + last_line(r.err)));
        nlohmann::json out;
        try {
            out = nlohmann::json::parse(r.out);
        } catch (const nlohmann::json::exception&) {
            throw Error(what + " did not print an ExecCredential JSON object");
        }
        if (!out.is_object() || out.value("kind", "") != "ExecCredential")
            throw Error(what + " did not print an ExecCredential (kind ExecCredential)");
        if (out.value("apiVersion", "") != api_version_)
            throw Error(what + " answered with apiVersion '" + out.value("apiVersion", "") +
                        "', not the '" + api_version_ + "' asked for");
        const nlohmann::json status = out.value("status", nlohmann::json::object());
        if (!status.is_object()) throw Error(what + ": its status is not an object");
        KubeCredentials c;
        auto text = [&](const char* key) {
            auto it = status.find(key);
            if (it == status.end() || it->is_null()) return std::string();
            if (!it->is_string()) throw Error(what + ": status." + key + " is not a string");
            return it->get<std::string>();
        };
        c.token = text("token");
        c.client_cert_pem = text("clientCertificateData");
        c.client_key_pem = text("clientKeyData");
        if (c.client_cert_pem.empty() != c.client_key_pem.empty())
            throw Error(what + " gave clientCertificateData without clientKeyData or the reverse");
        if (c.token.empty() && c.client_cert_pem.empty())
            throw Error(what + " gave neither status.token nor a client certificate");
        expiry_.reset();
        if (const std::string exp = text("expirationTimestamp"); !exp.empty()) {
            expiry_ = parse_rfc3339(exp);
            if (!expiry_)
                throw Error(what + ": status.expirationTimestamp '" + exp +
                            "' is not an RFC 3339 time");
        }
        cached_ = std::move(c);
    }

    std::string where_, server_, ca_pem_;
    std::chrono::milliseconds timeout_;
    std::string api_version_, install_hint_;
    bool provide_cluster_info_ = false;
    std::vector<std::string> argv_;
    std::vector<std::pair<std::string, std::string>> env_;
    std::mutex mutex_;
    std::optional<KubeCredentials> cached_;
    std::optional<std::chrono::system_clock::time_point> expiry_;
};

std::string checked_server(const std::string& server, const std::string& where) {
    std::string s = server;
    while (!s.empty() && s.back() == '/') s.pop_back();
    if (s.rfind("https://", 0) == 0) return s;
    if (s.rfind("http://127.0.0.1", 0) == 0 || s.rfind("http://localhost", 0) == 0 ||
        s.rfind("http://[::1]", 0) == 0)
        return s;  // kubectl proxy on this machine
    if (s.empty()) throw Error(where + " has no server");
    throw Error(where + ": server '" + server +
                "' is not an https:// URL (plain http is accepted only on loopback)");
}

}  // namespace

Kubeconfig load_kubeconfig(const KubeconfigOptions& options) {
    std::vector<std::string> files;
    if (!options.path.empty()) {
        files.push_back(options.path);
    } else if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
        std::string list = env;
        std::size_t start = 0;
        while (start <= list.size()) {
            const auto colon = list.find(':', start);
            std::string f =
                list.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
            if (!f.empty() && file_exists(f)) files.push_back(f);
            if (colon == std::string::npos) break;
            start = colon + 1;
        }
        if (files.empty())
            throw Error("none of the files in KUBECONFIG ('" + list +
                        "') exists; set the kubeconfig parameter or KUBECONFIG to your "
                        "cluster's kubeconfig");
    } else {
        const char* home = std::getenv("HOME");
        if (!home || !*home)
            throw Error(
                "no kubeconfig: KUBECONFIG and HOME are unset; set the kubeconfig "
                "parameter");
        files.push_back(std::string(home) + "/.kube/config");
    }
    Merged merged;
    for (const auto& f : files) merge_file(merged, f, options.check_owner);
    const std::string source =
        files.size() == 1 ? "kubeconfig '" + files[0] + "'" : "kubeconfig (KUBECONFIG)";

    const std::string context_name =
        options.context.empty() ? merged.current_context : options.context;
    if (context_name.empty())
        throw Error(source + " has no current-context; choose one with the context parameter");
    auto ctx_it = merged.contexts.find(context_name);
    if (ctx_it == merged.contexts.end()) {
        std::string known;
        for (const auto& [n, e] : merged.contexts) known += (known.empty() ? "" : ", ") + n;
        throw Error(source + " has no context '" + context_name + "'" +
                    (known.empty() ? "" : " (it has: " + known + ")"));
    }
    const std::string ctx_where = source + " context '" + context_name + "'";
    const YAML::Node ctx = ctx_it->second.node;
    const std::string cluster_name = scalar(ctx, "cluster", ctx_where);
    const std::string user_name = scalar(ctx, "user", ctx_where);
    auto cl_it = merged.clusters.find(cluster_name);
    if (cluster_name.empty() || cl_it == merged.clusters.end())
        throw Error(ctx_where + " names cluster '" + cluster_name + "', which it does not define");

    Kubeconfig out;
    out.context_name = context_name;
    out.context_namespace = scalar(ctx, "namespace", ctx_where);
    out.file = ctx_it->second.file;

    const std::string cl_where = source + " cluster '" + cluster_name + "'";
    const YAML::Node cluster = cl_it->second.node;
    const std::string cl_dir = directory_of(cl_it->second.file);
    if (boolean(cluster, "insecure-skip-tls-verify", cl_where))
        throw Error(cl_where +
                    " sets insecure-skip-tls-verify; flux-burst always verifies the API server: "
                    "give certificate-authority-data instead");
    KubeConnection& conn = out.connection;
    conn.server = checked_server(scalar(cluster, "server", cl_where), cl_where);
    conn.ca_pem = pem_from(cluster, "certificate-authority", cl_dir, cl_where);
    conn.origin = ctx_where;

    if (user_name.empty()) return out;  // anonymous
    auto us_it = merged.users.find(user_name);
    if (us_it == merged.users.end())
        throw Error(ctx_where + " names user '" + user_name + "', which it does not define");
    const std::string us_where = source + " user '" + user_name + "'";
    const YAML::Node user = us_it->second.node;
    const std::string us_dir = directory_of(us_it->second.file);
    if (user["auth-provider"] && !user["auth-provider"].IsNull())
        throw Error(us_where +
                    " uses an auth-provider, which kubectl itself no longer supports; use an exec "
                    "credential plugin (for GKE: gke-gcloud-auth-plugin)");
    if (!scalar(user, "username", us_where).empty() || !scalar(user, "password", us_where).empty())
        throw Error(us_where +
                    " uses a username and password, which Kubernetes no longer "
                    "accepts; use a token, a client certificate or an exec plugin");

    KubeCredentials fixed;
    fixed.client_cert_pem = pem_from(user, "client-certificate", us_dir, us_where);
    fixed.client_key_pem = pem_from(user, "client-key", us_dir, us_where);
    if (fixed.client_cert_pem.empty() != fixed.client_key_pem.empty())
        throw Error(us_where +
                    " has a client certificate without its key, or a key without "
                    "its certificate");
    fixed.token = trim_token(scalar(user, "token", us_where));
    std::string token_file = scalar(user, "tokenFile", us_where);
    if (!token_file.empty()) token_file = resolve(token_file, us_dir);

    std::shared_ptr<ExecProvider> exec;
    if (const YAML::Node e = user["exec"]; e && !e.IsNull()) {
        if (!e.IsMap()) throw Error(us_where + ": exec must be a mapping");
        exec = std::make_shared<ExecProvider>(e, us_dir, us_where, conn.server, conn.ca_pem,
                                              options.exec_timeout);
    }
    if (fixed.token.empty() && token_file.empty() && !exec && fixed.client_cert_pem.empty())
        throw Error(us_where +
                    " has no credentials (token, tokenFile, client-certificate or "
                    "exec)");
    // Fail now, not at the first request, when the token file is unreadable.
    if (fixed.token.empty() && !token_file.empty())
        (void)read_local_file(token_file, kMaxCredentialFile, "tokenFile of " + us_where);

    if (exec && fixed.token.empty() && token_file.empty())
        conn.forget_credentials = [exec] { exec->forget(); };
    conn.credentials = [fixed, token_file, exec, us_where]() {
        KubeCredentials c = fixed;
        if (c.token.empty() && !token_file.empty())
            c.token = trim_token(
                read_local_file(token_file, kMaxCredentialFile, "tokenFile of " + us_where));
        if (exec && c.token.empty()) {
            KubeCredentials e = exec->get();
            c.token = e.token;
            if (!e.client_cert_pem.empty()) {
                c.client_cert_pem = e.client_cert_pem;
                c.client_key_pem = e.client_key_pem;
            }
        }
        return c;
    };
    return out;
}

bool in_cluster_available(const std::string& account_dir) {
    const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
    return host && *host && file_exists(account_dir + "/token");
}

Kubeconfig in_cluster_config(const std::string& account_dir) {
    const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
    const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
    if (!host || !*host)
        throw Error(
            "not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST is unset); give a "
            "kubeconfig instead");
    std::string h = host;
    if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6
    Kubeconfig out;
    out.file = account_dir;
    out.context_name = "in-cluster";
    KubeConnection& conn = out.connection;
    conn.server = "https://" + h + ":" + std::string(port && *port ? port : "443");
    conn.ca_pem =
        read_local_file(account_dir + "/ca.crt", kMaxCredentialFile, "service account CA");
    conn.origin = "the pod's service account (" + account_dir + ")";
    const std::string ns_file = account_dir + "/namespace";
    if (file_exists(ns_file))
        out.context_namespace =
            trim_token(read_local_file(ns_file, 4096, "service account namespace"));
    const std::string token_file = account_dir + "/token";
    (void)read_local_file(token_file, kMaxCredentialFile, "service account token");
    // Projected tokens are rotated on disk: read at every request.
    conn.credentials = [token_file] {
        return KubeCredentials{
            trim_token(read_local_file(token_file, kMaxCredentialFile, "service account token")),
            {},
            {}};
    };
    return out;
}

}  // namespace fluxburst::cloud
