#include "fake_kube.hpp"

#include <regex>

namespace test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

json status(int code, const std::string& reason, const std::string& message,
            const json& details = json()) {
    json s = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
              {"status", "Failure"}, {"message", message}, {"reason", reason},
              {"code", code}};
    if (!details.is_null()) s["details"] = details;
    return s;
}

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> parts;
    std::size_t start = 1;
    while (start <= path.size()) {
        const auto slash = path.find('/', start);
        const std::string part =
            path.substr(start, slash == std::string::npos ? slash : slash - start);
        if (!part.empty()) parts.push_back(part);
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return parts;
}

bool valid_label(const std::string& s) {
    static const std::regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    return s.size() <= 63 && std::regex_match(s, re);
}

bool valid_subdomain(const std::string& s) {
    static const std::regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    return s.size() <= 253 && std::regex_match(s, re);
}

bool valid_base64(const std::string& s) {
    static const std::regex re("([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?");
    return std::regex_match(s, re);
}

/// "a=b,c=d" against labels.
bool selected(const std::string& selector, const json& labels) {
    if (selector.empty()) return true;
    std::size_t start = 0;
    while (start <= selector.size()) {
        const auto comma = selector.find(',', start);
        const std::string term =
            selector.substr(start, comma == std::string::npos ? comma : comma - start);
        const auto eq = term.find('=');
        if (eq == std::string::npos) return false;
        const std::string k = term.substr(0, eq), v = term.substr(eq + 1);
        if (!labels.is_object() || labels.value(k, std::string("\x01")) != v) return false;
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return true;
}

std::string param(const std::multimap<std::string, std::string>& params, const std::string& key) {
    auto it = params.find(key);
    return it == params.end() ? "" : it->second;
}

}  // namespace

FakeKube::FakeKube(const std::vector<std::string>& crd_files)
    : ca_(make_test_ca("fake kube CA")), server_cert_(make_server_cert(ca_)) {
    for (const auto& f : crd_files) {
        CrdSchema s = CrdSchema::load(f);
        for (const auto& v : s.versions()) versions_.emplace(v, s);
    }
    namespaces_ = {"default", "kube-system"};
    preexisting_ = namespaces_;
}

FakeKube::~FakeKube() {
    stop();
}

std::vector<std::string> FakeKube::flux_operator_crds(const std::string& dir) {
    return {dir + "/flux-framework.org_miniclusters.yaml",
            dir + "/flux-framework.org_miniclusters.v1alpha1.yaml"};
}

void FakeKube::start() {
    server_ = std::make_unique<HttpsServer>(server_cert_, ca_.cert_pem);
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
        handle(req, res);
    };
    server_->http().Get(".*", handler);
    server_->http().Post(".*", handler);
    server_->http().Delete(".*", handler);
    server_->http().Put(".*", handler);
    server_->http().Patch(".*", handler);
    server_->start(port_);
    port_ = server_->port();
}

void FakeKube::stop() {
    if (server_) server_->stop();
    server_.reset();
}

std::string FakeKube::url() const {
    return "https://127.0.0.1:" + std::to_string(port_);
}

void FakeKube::set_token_check(std::function<std::string(const std::string&)> check) {
    std::lock_guard<std::mutex> lock(mutex_);
    token_check_ = std::move(check);
}

void FakeKube::add_token(const std::string& token, const std::string& user) {
    std::lock_guard<std::mutex> lock(mutex_);
    tokens_[token] = user;
}

void FakeKube::remove_token(const std::string& token) {
    std::lock_guard<std::mutex> lock(mutex_);
    tokens_.erase(token);
}

void FakeKube::forbid(const std::string& verb, const std::string& resource) {
    std::lock_guard<std::mutex> lock(mutex_);
    forbidden_.insert(verb + " " + resource);
}

void FakeKube::set_start_delay(std::chrono::milliseconds d) {
    std::lock_guard<std::mutex> lock(mutex_);
    start_delay_ = d;
}

void FakeKube::set_delete_delay(std::chrono::milliseconds d) {
    std::lock_guard<std::mutex> lock(mutex_);
    delete_delay_ = d;
}

void FakeKube::fail_pods(const std::string& reason, const std::string& message) {
    std::lock_guard<std::mutex> lock(mutex_);
    fail_reason_ = reason;
    fail_message_ = message;
}

void FakeKube::refuse_pods(const std::string& message) {
    std::lock_guard<std::mutex> lock(mutex_);
    refuse_message_ = message;
}

void FakeKube::remove_operator() {
    std::lock_guard<std::mutex> lock(mutex_);
    operator_installed_ = false;
}

void FakeKube::hold_deployments(bool hold) {
    std::lock_guard<std::mutex> lock(mutex_);
    hold_deployments_ = hold;
}

std::vector<std::string> FakeKube::applied() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [key, o] : generic_) out.push_back(key);
    return out;
}

bool FakeKube::operator_served() const {
    return operator_installed_ ||
           generic_.count("customresourcedefinitions//miniclusters.flux-framework.org");
}

// API discovery, and the kinds an operator manifest holds, stored as given.
std::optional<FakeKube::Response> FakeKube::generic(const std::string& method,
                                                    const std::vector<std::string>& parts,
                                                    const std::string& text) {
    struct Kind {
        const char* group_version;
        const char* plural;
        const char* kind;
        bool namespaced;
    };
    static const Kind kinds[] = {
        {"v1", "namespaces", "Namespace", false},
        {"v1", "secrets", "Secret", true},
        {"v1", "pods", "Pod", true},
        {"v1", "events", "Event", true},
        {"v1", "serviceaccounts", "ServiceAccount", true},
        {"v1", "services", "Service", true},
        {"v1", "configmaps", "ConfigMap", true},
        {"apps/v1", "deployments", "Deployment", true},
        {"rbac.authorization.k8s.io/v1", "roles", "Role", true},
        {"rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding", true},
        {"rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", false},
        {"rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", false},
        {"apiextensions.k8s.io/v1", "customresourcedefinitions", "CustomResourceDefinition", false},
    };
    std::string gv;
    std::size_t at = 0;
    if (parts.size() >= 2 && parts[0] == "api" && parts[1] == "v1") {
        gv = "v1";
        at = 2;
    } else if (parts.size() >= 3 && parts[0] == "apis") {
        gv = parts[1] + "/" + parts[2];
        at = 3;
    } else {
        return std::nullopt;
    }
    // Discovery: GET /api/v1, GET /apis/<group>/<version>.
    if (parts.size() == at) {
        if (method != "GET") return std::nullopt;
        json resources = json::array();
        if (parts[1] == "flux-framework.org") {
            if (!operator_served() || !versions_.count(parts[2])) return std::nullopt;
            resources.push_back(
                {{"name", "miniclusters"}, {"kind", "MiniCluster"}, {"namespaced", true}});
        }
        for (const auto& k : kinds)
            if (gv == k.group_version)
                resources.push_back(
                    {{"name", k.plural}, {"kind", k.kind}, {"namespaced", k.namespaced}});
        if (resources.empty()) return std::nullopt;
        return Response{
            200, {{"kind", "APIResourceList"}, {"groupVersion", gv}, {"resources", resources}}};
    }
    if (parts[1] == "flux-framework.org" && !operator_served())
        return Response{
            404, status(404, "NotFound", "the server could not find the requested resource")};
    // The kinds the other routes do not serve.
    std::string ns, plural, name;
    const Kind* kind = nullptr;
    std::vector<std::string> rest(parts.begin() + static_cast<long>(at), parts.end());
    if (rest.size() >= 3 && rest[0] == "namespaces") {
        ns = rest[1];
        rest.erase(rest.begin(), rest.begin() + 2);
    }
    if (rest.empty() || rest.size() > 2) return std::nullopt;
    plural = rest[0];
    if (rest.size() == 2) name = rest[1];
    for (const auto& k : kinds)
        if (gv == k.group_version && plural == k.plural && k.namespaced == !ns.empty()) kind = &k;
    if (!kind || plural == "namespaces" || plural == "secrets" || plural == "pods" ||
        plural == "events")
        return std::nullopt;
    if (!ns.empty() && !namespaces_.count(ns) && method == "POST")
        return Response{404, status(404, "NotFound", "namespaces \"" + ns + "\" not found")};
    if (method == "POST" && name.empty()) {
        json body = json::parse(text, nullptr, false);
        if (!body.is_object() || body.value("kind", "") != kind->kind ||
            body.value("apiVersion", "") != gv)
            return Response{400, status(400, "BadRequest",
                                        std::string("expected apiVersion ") + kind->group_version +
                                            ", kind " + kind->kind)};
        const std::string n = body.value("metadata", json::object()).value("name", "");
        if (!valid_subdomain(n) && !(plural.find("role") != std::string::npos && !n.empty()))
            return Response{422, status(422, "Invalid", plural + " \"" + n + "\" is invalid")};
        const std::string key = plural + "/" + ns + "/" + n;
        if (generic_.count(key))
            return Response{409,
                            status(409, "AlreadyExists", plural + " \"" + n + "\" already exists")};
        generic_[key] = body;
        return Response{201, body};
    }
    const std::string key = plural + "/" + ns + "/" + name;
    auto it = generic_.find(key);
    if (method == "GET" && !name.empty()) {
        if (it == generic_.end())
            return Response{404, status(404, "NotFound", plural + " \"" + name + "\" not found")};
        json o = it->second;
        if (plural == "deployments" && !hold_deployments_) {
            const std::int64_t replicas = o.value("spec", json::object()).value("replicas", 1);
            o["status"] = {{"replicas", replicas}, {"availableReplicas", replicas}};
        }
        return Response{200, o};
    }
    if (method == "DELETE" && !name.empty()) {
        if (it == generic_.end())
            return Response{404, status(404, "NotFound", plural + " \"" + name + "\" not found")};
        generic_.erase(it);
        return Response{200, {{"kind", "Status"}, {"status", "Success"}}};
    }
    return std::nullopt;
}

void FakeKube::add_namespace(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    namespaces_.insert(name);
    preexisting_.insert(name);
}

void FakeKube::add_object(const std::string& kind, const std::string& ns, const json& object) {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string name = object.at("metadata").at("name").get<std::string>();
    objects_[kind][ns + "/" + name] = object;
    preexisting_.insert(kind + "/" + ns + "/" + name);
}

std::vector<std::string> FakeKube::leftovers() {
    std::lock_guard<std::mutex> lock(mutex_);
    expire();
    std::vector<std::string> out;
    for (const auto& ns : namespaces_)
        if (!preexisting_.count(ns)) out.push_back("namespaces/" + ns);
    for (const auto& [kind, objects] : objects_)
        for (const auto& [key, o] : objects)
            if (!preexisting_.count(kind + "/" + key)) out.push_back(kind + "/" + key);
    for (const auto& p : pods_) out.push_back("pods/" + p.ns + "/" + p.name);
    return out;
}

std::vector<json> FakeKube::miniclusters_received() {
    std::lock_guard<std::mutex> lock(mutex_);
    return minicluster_log_;
}

std::vector<json> FakeKube::secrets_received() {
    std::lock_guard<std::mutex> lock(mutex_);
    return secret_log_;
}

std::vector<std::string> FakeKube::schema_problems() {
    std::lock_guard<std::mutex> lock(mutex_);
    return problems_;
}

std::vector<std::string> FakeKube::requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
}

void FakeKube::expire() {
    const auto now = Clock::now();
    std::vector<Pod> kept;
    for (auto& p : pods_)
        if (!p.deleted || now < *p.deleted + delete_delay_) kept.push_back(std::move(p));
    pods_ = std::move(kept);
}

json FakeKube::pod_json(const Pod& p) const {
    json meta = {{"name", p.name}, {"namespace", p.ns}, {"labels", p.labels}};
    if (p.deleted) meta["deletionTimestamp"] = "2026-01-01T00:00:00Z";
    json st;
    const bool failing = p.labels.contains("fake/fail-reason");
    if (failing) {
        const std::string reason = p.labels["fake/fail-reason"];
        const std::string message = p.labels.value("fake/fail-message", "");
        st = {{"phase", "Pending"}};
        if (reason == "Unschedulable")
            st["conditions"] = json::array({{{"type", "PodScheduled"},
                                             {"status", "False"},
                                             {"reason", reason},
                                             {"message", message}}});
        else
            st["containerStatuses"] = json::array(
                {{{"name", "flux"},
                  {"ready", false},
                  {"state", {{"waiting", {{"reason", reason}, {"message", message}}}}}}});
    } else if (Clock::now() >= p.created + start_delay_) {
        st = {{"phase", "Running"}};
    } else {
        st = {{"phase", "Pending"},
              {"containerStatuses",
               json::array({{{"name", "flux"},
                             {"ready", false},
                             {"state", {{"waiting", {{"reason", "ContainerCreating"}}}}}}})}};
    }
    json labels = p.labels;
    labels.erase("fake/fail-reason");
    labels.erase("fake/fail-message");
    meta["labels"] = labels;
    return {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", meta}, {"status", st}};
}

void FakeKube::handle(const httplib::Request& req, httplib::Response& res) {
    std::string user;
    const std::string auth = req.get_header_value("Authorization");
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (auth.rfind("Bearer ", 0) == 0) {
            auto it = tokens_.find(auth.substr(7));
            if (it != tokens_.end())
                user = it->second;
            else if (token_check_)
                user = token_check_(auth.substr(7));
        }
    }
    if (user.empty() && auth.empty()) user = HttpsServer::peer_common_name(req);
    Response r;
    if (user.empty()) {
        r = {401, status(401, "Unauthorized", "Unauthorized")};
    } else {
        std::multimap<std::string, std::string> params(req.params.begin(), req.params.end());
        r = route(req.method, req.path, params, req.body, user);
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back(req.method + " " + req.path);
    }
    res.status = r.status;
    res.set_content(r.body.dump(), "application/json");
}

FakeKube::Response FakeKube::route(const std::string& method, const std::string& path,
                                   const std::multimap<std::string, std::string>& params,
                                   const std::string& text, const std::string& user) {
    std::lock_guard<std::mutex> lock(mutex_);
    expire();
    const auto parts = split_path(path);
    if (auto r = generic(method, parts, text)) return *r;
    const auto not_found =
        Response{404, status(404, "NotFound", "the server could not find the requested resource")};

    // Which resource: core (api/v1) or MiniCluster (apis/flux-framework.org/<v>).
    std::string resource, ns, name, version;
    std::size_t at = 0;
    if (parts.size() >= 2 && parts[0] == "api" && parts[1] == "v1") {
        at = 2;
    } else if (parts.size() >= 3 && parts[0] == "apis" && parts[1] == "flux-framework.org") {
        version = parts[2];
        if (!versions_.count(version)) return not_found;
        at = 3;
    } else {
        return not_found;
    }
    std::vector<std::string> rest(parts.begin() + static_cast<long>(at), parts.end());
    if (rest.size() >= 1 && rest[0] == "namespaces" && version.empty() && rest.size() <= 2) {
        resource = "namespaces";
        if (rest.size() == 2) name = rest[1];
    } else if (rest.size() >= 3 && rest[0] == "namespaces") {
        ns = rest[1];
        resource = rest[2];
        if (rest.size() == 4) name = rest[3];
        if (rest.size() > 4) return not_found;
    } else {
        return not_found;
    }
    const bool core = version.empty();
    if (core && resource != "namespaces" && resource != "secrets" && resource != "pods" &&
        resource != "events")
        return not_found;
    if (!core && resource != "miniclusters") return not_found;

    std::string verb;
    if (method == "POST" && name.empty())
        verb = "create";
    else if (method == "GET")
        verb = name.empty() ? "list" : "get";
    else if (method == "DELETE" && !name.empty())
        verb = "delete";
    else
        return {405, status(405, "MethodNotAllowed",
                            "the server does not allow this method on the requested resource")};

    if (forbidden_.count(verb + " " + resource)) {
        const std::string group = core ? "" : "flux-framework.org";
        return {403, status(403, "Forbidden",
                            resource + (name.empty() ? "" : " \"" + name + "\"") +
                                " is forbidden: User \"" + user + "\" cannot " + verb +
                                " resource \"" + resource + "\" in API group \"" + group + "\"" +
                                (ns.empty() ? " at the cluster scope"
                                            : " in the namespace \"" + ns + "\""),
                            {{"kind", resource}})};
    }

    // ---- namespaces ----
    if (resource == "namespaces") {
        if (verb == "list") {
            json items = json::array();
            for (const auto& n : namespaces_) items.push_back({{"metadata", {{"name", n}}}});
            return {200, {{"kind", "NamespaceList"}, {"items", items}}};
        }
        if (verb == "get") {
            if (!namespaces_.count(name))
                return {404, status(404, "NotFound", "namespaces \"" + name + "\" not found",
                                    {{"name", name}, {"kind", "namespaces"}})};
            return {200, {{"kind", "Namespace"}, {"metadata", {{"name", name}}}}};
        }
        if (verb == "delete") {
            if (!namespaces_.count(name))
                return {404, status(404, "NotFound", "namespaces \"" + name + "\" not found")};
            namespaces_.erase(name);
            for (auto& [kind, objects] : objects_)
                for (auto it = objects.begin(); it != objects.end();)
                    it = it->first.rfind(name + "/", 0) == 0 ? objects.erase(it) : std::next(it);
            std::vector<Pod> kept;
            for (auto& p : pods_)
                if (p.ns != name) kept.push_back(std::move(p));
            pods_ = std::move(kept);
            return {200, {{"kind", "Namespace"}, {"metadata", {{"name", name}}}}};
        }
        const json body = json::parse(text, nullptr, false);
        const std::string n =
            body.is_object() ? body.value("metadata", json::object()).value("name", "") : "";
        if (!valid_label(n))
            return {422,
                    status(422, "Invalid",
                           "Namespace \"" + n + "\" is invalid: metadata.name: Invalid value")};
        if (namespaces_.count(n))
            return {409, status(409, "AlreadyExists", "namespaces \"" + n + "\" already exists",
                                {{"name", n}, {"kind", "namespaces"}})};
        namespaces_.insert(n);
        return {201, body};
    }

    if (!namespaces_.count(ns) && verb == "create")
        return {404, status(404, "NotFound", "namespaces \"" + ns + "\" not found",
                            {{"name", ns}, {"kind", "namespaces"}})};

    // ---- pods and events (read-only) ----
    if (resource == "pods") {
        if (verb != "list") return not_found;
        const std::string selector = param(params, "labelSelector");
        json items = json::array();
        for (const auto& p : pods_)
            if (p.ns == ns && selected(selector, p.labels)) items.push_back(pod_json(p));
        return {200, {{"kind", "PodList"}, {"items", items}}};
    }
    if (resource == "events") {
        if (verb != "list") return not_found;
        const std::string field = param(params, "fieldSelector");
        const std::string prefix = "involvedObject.name=";
        json items = json::array();
        for (const auto& e : events_) {
            if (e.value("metadata", json::object()).value("namespace", "") != ns) continue;
            if (field.rfind(prefix, 0) == 0 &&
                e["involvedObject"]["name"] != field.substr(prefix.size()))
                continue;
            items.push_back(e);
        }
        return {200, {{"kind", "EventList"}, {"items", items}}};
    }

    // ---- secrets and miniclusters ----
    auto& store = objects_[resource];
    const std::string what = resource == "secrets" ? "secrets" : "miniclusters.flux-framework.org";
    if (verb == "list") {
        json items = json::array();
        for (const auto& [key, o] : store)
            if (key.rfind(ns + "/", 0) == 0) items.push_back(o);
        return {200, {{"kind", "List"}, {"items", items}}};
    }
    if (verb == "get" || verb == "delete") {
        auto it = store.find(ns + "/" + name);
        if (it == store.end())
            return {404, status(404, "NotFound", what + " \"" + name + "\" not found",
                                {{"name", name}, {"kind", resource}})};
        json object = it->second;
        if (verb == "delete") {
            store.erase(it);
            for (auto& p : pods_)
                if (p.ns == ns && p.owner == name && resource == "miniclusters" && !p.deleted)
                    p.deleted = Clock::now();
            return {200, {{"kind", "Status"}, {"status", "Success"}}};
        }
        return {200, object};
    }

    // create
    json body = json::parse(text, nullptr, false);
    if (!body.is_object())
        return {400, status(400, "BadRequest", "the body of the request is not a JSON object")};
    const json meta = body.value("metadata", json::object());
    const std::string n = meta.value("name", "");
    if (meta.contains("namespace") && meta["namespace"] != ns)
        return {400, status(400, "BadRequest",
                            "the namespace of the provided object does not match the namespace "
                            "sent on the request")};
    if (!valid_subdomain(n) || (resource == "miniclusters" && !valid_label(n)))
        return {422, status(422, "Invalid",
                            what + " \"" + n + "\" is invalid: metadata.name: Invalid value: \"" +
                                n + "\"")};
    if (resource == "secrets") {
        if (body.value("apiVersion", "") != "v1" || body.value("kind", "") != "Secret")
            return {400, status(400, "BadRequest", "expected apiVersion v1, kind Secret")};
        const json data = body.value("data", json::object());
        for (const auto& [k, v] : data.items())
            if (!v.is_string() || !valid_base64(v.get<std::string>()))
                return {400, status(400, "BadRequest",
                                    "Secret in version \"v1\" cannot be handled as a Secret: "
                                    "illegal base64 data in data." +
                                        k)};
    } else {
        const auto problems = versions_.at(version).validate(version, body);
        if (!problems.empty()) {
            json causes = json::array();
            std::string list;
            for (const auto& p : problems) {
                problems_.push_back(p);
                causes.push_back({{"reason", "FieldValueInvalid"}, {"message", p}});
                list += (list.empty() ? "" : ", ") + p;
            }
            return {422, status(422, "Invalid",
                                "MiniCluster.flux-framework.org \"" + n + "\" is invalid: [" +
                                    list + "]",
                                {{"name", n}, {"kind", "MiniCluster"}, {"causes", causes}})};
        }
    }
    if (store.count(ns + "/" + n))
        return {409, status(409, "AlreadyExists", what + " \"" + n + "\" already exists",
                            {{"name", n}, {"kind", resource}})};
    store[ns + "/" + n] = body;
    if (resource == "secrets") {
        secret_log_.push_back(body);
        return {201, body};
    }
    minicluster_log_.push_back(body);
    // The simulated operator: an Indexed Job of spec.size pods.
    const json spec = body["spec"];
    const std::int64_t size = spec.value("size", 1);
    if (!refuse_message_.empty()) {
        events_.push_back({{"metadata", {{"namespace", ns}, {"name", n + ".1"}}},
                           {"involvedObject", {{"kind", "Job"}, {"name", n}}},
                           {"type", "Warning"},
                           {"reason", "FailedCreate"},
                           {"message", refuse_message_}});
        return {201, body};
    }
    json labels = spec.value("pod", json::object()).value("labels", json::object());
    labels["job-name"] = n;
    if (!fail_reason_.empty()) {
        labels["fake/fail-reason"] = fail_reason_;
        labels["fake/fail-message"] = fail_message_;
    }
    for (std::int64_t i = 0; i < size; ++i)
        pods_.push_back(Pod{ns, n + "-" + std::to_string(i) + "-x" + std::to_string(++pod_serial_),
                            n, labels, Clock::now(), std::nullopt});
    return {201, body};
}

}  // namespace test
