#include "kube_burst.hpp"

#include <algorithm>
#include <cctype>

#include <fluxburst/flux.hpp>

#include "http.hpp"
#include "rfc3339.hpp"

namespace fluxburst::cloud {

using nlohmann::json;

namespace {

constexpr const char* kManagedBy = "app.kubernetes.io/managed-by";
constexpr const char* kInstanceLabel = "flux-burst/instance";
constexpr const char* kBurstLabel = "flux-burst/burst";

std::string secret_name_of(const std::string& burst) {
    return burst + "-flux";
}

std::string seconds_text(std::chrono::milliseconds ms) {
    const auto s = ms.count() / 1000.0;
    std::string t = std::to_string(s);
    t.erase(t.find_last_not_of('0') + 1);
    if (!t.empty() && t.back() == '.') t.pop_back();
    return t + " s";
}

/// "flux-sample" for "flux-sample-0"; the host itself when it has no index.
std::string host_prefix(const std::string& host) {
    std::size_t end = host.size();
    while (end > 0 && std::isdigit(static_cast<unsigned char>(host[end - 1]))) --end;
    if (end == host.size() || end == 0) return host;
    if (host[end - 1] == '-') --end;
    return end == 0 ? host : host.substr(0, end);
}

std::string pod_problem(const json& pod) {
    const json status = pod.value("status", json::object());
    std::string phase = status.value("phase", "Unknown");
    std::string why;
    auto add = [&](const std::string& reason, const std::string& message) {
        if (reason.empty() && message.empty()) return;
        if (!why.empty()) why += "; ";
        why += reason;
        if (!message.empty()) why += (reason.empty() ? "" : ": ") + message;
    };
    if (status.contains("containerStatuses") && status["containerStatuses"].is_array()) {
        for (const auto& cs : status["containerStatuses"]) {
            const json state = cs.value("state", json::object());
            for (const char* k : {"waiting", "terminated"}) {
                if (state.contains(k) && state[k].is_object())
                    add(state[k].value("reason", ""), state[k].value("message", ""));
            }
        }
    }
    if (status.contains("conditions") && status["conditions"].is_array()) {
        for (const auto& c : status["conditions"]) {
            if (c.value("status", "") == "False" && c.value("type", "") == "PodScheduled")
                add(c.value("reason", ""), c.value("message", ""));
        }
    }
    add(status.value("reason", ""), status.value("message", ""));
    const std::string name = pod.value("metadata", json::object()).value("name", "?");
    return name + " " + phase + (why.empty() ? "" : " (" + why + ")");
}

}  // namespace

KubeBurst::KubeBurst(KubeConnection connection, KubeBurstOptions options, BurstState state)
    : client_(std::move(connection)), options_(std::move(options)), state_(std::move(state)) {
    if (!state_.update || !state_.read) throw Error(options_.label + ": no burst state store");
    check_label_name(options_.ns, options_.label + " namespace");
    if (options_.topology.bursts.empty())
        throw Error(options_.label + ": the topology declares no burst");
    options_.topology.check();
    if (options_.curve_cert.empty())
        throw Error(options_.label + ": no CURVE certificate (the lead's curve.cert)");
    for (const auto& slot : options_.topology.bursts) check_label_name(slot.name, "burst name");
    broker_config_ = topology::remote_config(
        options_.topology, minicluster_curve_cert_path(options_.minicluster.api_version));
    instance_ = topology::instance_tag(options_.topology.lead_address + ":" +
                                       std::to_string(options_.topology.port));
}

std::map<std::string, std::string> KubeBurst::labels_for(const std::string& burst) const {
    return {{kManagedBy, "flux-burst"}, {kInstanceLabel, instance_}, {kBurstLabel, burst}};
}

bool KubeBurst::owned(const json& object, const std::string& burst) const {
    const json labels = object.value("metadata", json::object()).value("labels", json::object());
    return labels.is_object() && labels.value(kInstanceLabel, "") == instance_ &&
           labels.value(kBurstLabel, "") == burst;
}

json KubeBurst::update(const std::function<void(json& bursts)>& change) {
    const std::string key = options_.state_key;
    json state = state_.update([&](json& s) {
        if (!s.is_object()) s = json::object();
        json& mine = s[key];
        if (!mine.is_object()) mine = json::object();
        json& bursts = mine["bursts"];
        if (!bursts.is_object()) bursts = json::object();
        change(bursts);
    });
    return state.value(key, json::object()).value("bursts", json::object());
}

json KubeBurst::recorded() const {
    json s = state_.read();
    if (!s.is_object()) return json::object();
    json b = s.value(options_.state_key, json::object());
    if (!b.is_object()) return json::object();
    b = b.value("bursts", json::object());
    return b.is_object() ? b : json::object();
}

std::int64_t KubeBurst::free_slots() const {
    const json bursts = recorded();
    std::int64_t n = 0;
    for (const auto& slot : options_.topology.bursts)
        if (!bursts.contains(slot.name)) ++n;
    return n;
}

std::int64_t KubeBurst::slot_size() const {
    std::int64_t n = 0;
    for (const auto& slot : options_.topology.bursts) n = std::max(n, slot.size);
    return n;
}

std::int64_t KubeBurst::running_pods(const std::string& name, const std::string& ns) {
    const json pods = client_.list(KubeResource::pods(), ns, std::string(kBurstLabel) + "=" + name);
    std::int64_t running = 0;
    for (const auto& pod : pods) {
        const json meta = pod.value("metadata", json::object());
        if (meta.contains("deletionTimestamp") && !meta["deletionTimestamp"].is_null()) continue;
        if (pod.value("status", json::object()).value("phase", "") == "Running") ++running;
    }
    return running;
}

std::string KubeBurst::pods_report(const std::string& name, const std::string& ns,
                                   std::int64_t nodes) {
    std::string out;
    try {
        const json pods =
            client_.list(KubeResource::pods(), ns, std::string(kBurstLabel) + "=" + name);
        std::vector<std::string> problems;
        std::int64_t running = 0;
        for (const auto& pod : pods) {
            if (pod.value("status", json::object()).value("phase", "") == "Running")
                ++running;
            else
                problems.push_back(pod_problem(pod));
        }
        out = std::to_string(running) + " of " + std::to_string(nodes) + " pods running";
        const std::size_t shown = std::min<std::size_t>(problems.size(), 4);
        for (std::size_t i = 0; i < shown; ++i) out += (i == 0 ? ": " : "; ") + problems[i];
        if (problems.size() > shown)
            out += "; and " + std::to_string(problems.size() - shown) + " more";
        if (static_cast<std::int64_t>(pods.size()) < nodes) {
            out += "; only " + std::to_string(pods.size()) + " pods exist";
            // Pods that were never created (quota, admission): the Job's events say why.
            const json events =
                client_.list(KubeResource::events(), ns, "", "involvedObject.name=" + name);
            std::string last;
            for (const auto& e : events)
                if (e.value("type", "") == "Warning") last = e.value("message", "");
            if (!last.empty()) out += "; last warning: " + last;
        }
    } catch (const Error& e) {
        out = "the pods could not be listed: " + std::string(e.what());
    }
    return out;
}

KubeBurst::Started KubeBurst::run(std::int64_t nodes, std::int64_t tasks) {
    const std::int64_t max = slot_size();
    if (nodes < 1 || nodes > max)
        throw KubeBurstError(options_.label + ": a burst of " + std::to_string(nodes) +
                             " nodes is outside 1.." + std::to_string(max) +
                             " (the size of each declared burst)");
    const std::string& ns = options_.ns;
    const std::string version = options_.minicluster.api_version;
    const KubeResource mc_kind = KubeResource::miniclusters(version);
    FluxOperatorInstall install = options_.flux_operator;
    install.api_version = version;
    const std::string operator_installed = ensure_flux_operator(client_, install);

    // A free slot: not recorded here, and no MiniCluster of that name on the server
    // (one there was not made by a burst we know of: never touch it).
    std::string name;
    std::size_t slot_index = 0;
    std::int64_t slot_size = 0;
    std::vector<std::string> taken;
    {
        const json bursts = recorded();
        for (std::size_t i = 0; i < options_.topology.bursts.size(); ++i) {
            const auto& slot = options_.topology.bursts[i];
            if (bursts.contains(slot.name) || slot.size < nodes) continue;
            if (client_.get(mc_kind, ns, slot.name)) {
                taken.push_back(slot.name);
                continue;
            }
            name = slot.name;
            slot_index = i;
            slot_size = slot.size;
            break;
        }
    }
    if (name.empty()) {
        std::string why = options_.label + ": no free burst: all " +
                          std::to_string(options_.topology.bursts.size()) +
                          " declared bursts are in use";
        if (!taken.empty())
            why += " (MiniClusters not recorded by this controller exist in namespace " + ns +
                   ": " + fluxburst::flux_protocol::compress_hostlist(taken) +
                   "; delete them if they are left over)";
        throw KubeBurstError(why +
                             "; unburst first, or declare more bursts (the bursts "
                             "parameter, and the lead's setup)");
    }

    const auto labels = labels_for(name);
    const std::vector<std::string> hosts = topology::burst_hosts(name, nodes);
    json record = {{"name", name},
                   {"namespace", ns},
                   {"api_version", version},
                   {"nodes", nodes},
                   {"slot", slot_index},
                   {"hosts", fluxburst::flux_protocol::compress_hostlist(hosts)},
                   {"namespace_created", false},
                   {"objects", json::array()},
                   {"phase", "creating"},
                   {"created_at", format_rfc3339(std::chrono::system_clock::now())}};
    update([&](json& bursts) { bursts[name] = record; });

    auto set = [&](const std::function<void(json & r)>& change) {
        update([&](json& bursts) {
            if (bursts.contains(name)) change(bursts[name]);
        });
    };
    auto add_object = [&](const std::string& kind) {
        set([&](json& r) { r["objects"].push_back(kind); });
    };
    auto drop_object = [&](const std::string& kind) {
        set([&](json& r) {
            json kept = json::array();
            for (const auto& o : r["objects"])
                if (o != kind) kept.push_back(o);
            r["objects"] = kept;
        });
    };

    try {
        if (!client_.get(KubeResource::namespaces(), "", ns)) {
            if (!options_.create_namespace)
                throw KubeBurstError(options_.label + ": namespace " + ns +
                                     " does not exist (and creating it is turned off)");
            // Recorded first: if we crash after creating it, unburst still knows.
            set([&](json& r) { r["namespace_created"] = true; });
            if (client_.create(KubeResource::namespaces(), "",
                               namespace_manifest(ns, {{kManagedBy, "flux-burst"}})) ==
                KubeClient::Created::AlreadyExisted)
                set([&](json& r) { r["namespace_created"] = false; });  // someone else's
        }

        const std::string secret = secret_name_of(name);
        add_object("secret");
        if (client_.create(KubeResource::secrets(), ns,
                           burst_secret_manifest(secret, ns, options_.curve_cert,
                                                 options_.munge_key, labels)) ==
            KubeClient::Created::AlreadyExisted) {
            drop_object("secret");
            throw KubeBurstError(options_.label + ": a Secret named " + secret +
                                 " already exists in namespace " + ns +
                                 " and was not created by this burst; it is left alone (delete it "
                                 "if it is left over from an earlier burst)");
        }

        MiniClusterSpec spec = options_.minicluster;
        spec.name = name;
        spec.ns = ns;
        spec.size = nodes;
        spec.slots = slot_size;
        spec.tasks = tasks > 0 ? tasks : 0;
        spec.lead_address = options_.topology.lead_address;
        spec.lead_port = options_.topology.port;
        spec.lead_name = host_prefix(options_.topology.lead_hosts.front());
        spec.lead_size = static_cast<std::int64_t>(options_.topology.lead_hosts.size());
        spec.broker_config = broker_config_;
        spec.curve_cert = options_.curve_cert;
        spec.secret_name = secret;
        spec.munge = !options_.munge_key.empty();
        spec.labels = labels;
        add_object("minicluster");
        if (client_.create(mc_kind, ns, minicluster_manifest(spec)) ==
            KubeClient::Created::AlreadyExisted) {
            drop_object("minicluster");
            throw KubeBurstError(options_.label + ": a MiniCluster named " + name +
                                 " already exists in namespace " + ns +
                                 " and was not created by this burst; it is left alone");
        }

        const bool up = KubeClient::wait_for([&] { return running_pods(name, ns) >= nodes; },
                                             options_.start_timeout, options_.poll_interval);
        if (!up)
            throw KubeBurstError(options_.label + ": burst " + name + " did not start within " +
                                 seconds_text(options_.start_timeout) + ": " +
                                 pods_report(name, ns, nodes));
    } catch (const Error& e) {
        rollback(name, e.what());  // throws
    }

    set([&](json& r) { r["phase"] = "running"; });
    Started started;
    started.name = name;
    started.ns = ns;
    started.nodes = nodes;
    started.hosts = hosts;
    started.details = {
        {"minicluster", name},           {"namespace", ns},
        {"api_version", version},        {"nodes", nodes},
        {"hosts", record["hosts"]},      {"first_rank", options_.topology.first_rank(slot_index)},
        {"secret", secret_name_of(name)}};
    if (!operator_installed.empty()) started.details["flux_operator"] = operator_installed;
    return started;
}

void KubeBurst::rollback(const std::string& name, const std::string& why) {
    json record = recorded().value(name, json());
    std::string outcome;
    if (record.is_null()) {
        outcome = "nothing was created";
    } else {
        try {
            delete_burst(name, record);
            outcome = "what it created was deleted";
        } catch (const Error& e) {
            update([&](json& bursts) {
                if (bursts.contains(name)) bursts[name]["phase"] = "failed";
            });
            outcome = "cleaning up failed too (" + std::string(e.what()) +
                      "); what remains is recorded: run unburst to delete it";
        }
    }
    throw KubeBurstError(why + " [" + outcome + "]");
}

void KubeBurst::delete_burst(const std::string& name, const json& record) {
    const std::string ns = record.value("namespace", options_.ns);
    const KubeResource mc_kind =
        KubeResource::miniclusters(record.value("api_version", options_.minicluster.api_version));
    update([&](json& bursts) {
        if (bursts.contains(name)) bursts[name]["phase"] = "deleting";
    });
    const json objects = record.value("objects", json::array());
    auto has = [&](const char* kind) {
        return std::find(objects.begin(), objects.end(), kind) != objects.end();
    };
    std::vector<std::string> notes;
    auto delete_owned = [&](const KubeResource& kind, const std::string& object_name,
                            const char* key) {
        if (!has(key)) return;
        auto found = client_.get(kind, ns, object_name);
        if (found && !owned(*found, name)) {
            notes.push_back(std::string(key) + " " + object_name +
                            " is not labelled as this burst's: left alone");
        } else if (found) {
            client_.remove(kind, ns, object_name);
        }
    };
    delete_owned(mc_kind, name, "minicluster");
    delete_owned(KubeResource::secrets(), secret_name_of(name), "secret");

    // Gone means: no pod of the burst left, and the MiniCluster itself gone.
    const bool gone = KubeClient::wait_for(
        [&] {
            const json pods =
                client_.list(KubeResource::pods(), ns, std::string(kBurstLabel) + "=" + name);
            if (!pods.empty()) return false;
            return !has("minicluster") || !client_.get(mc_kind, ns, name).has_value();
        },
        options_.delete_timeout, options_.poll_interval);
    if (!gone)
        throw KubeBurstError(options_.label + ": burst " + name + " was deleted but its pods " +
                             "are still there after " + seconds_text(options_.delete_timeout) +
                             "; it stays recorded: run unburst again");

    bool drop_namespace = record.value("namespace_created", false);
    update([&](json& bursts) {
        bursts.erase(name);
        for (auto& [other, r] : bursts.items()) {
            if (r.value("namespace", "") != ns || !drop_namespace) continue;
            // Another burst lives in the namespace this one created: it inherits the
            // duty to delete it.
            r["namespace_created"] = true;
            drop_namespace = false;
        }
    });
    if (drop_namespace) {
        // Created by this burst: deleted unless it now holds something else.
        const json others = client_.list(mc_kind, ns);
        if (others.empty()) client_.remove(KubeResource::namespaces(), "", ns);
    }
}

std::vector<std::string> KubeBurst::unburst(const std::string& only) {
    const json bursts = recorded();
    std::vector<std::string> removed, failures;
    for (const auto& [name, record] : bursts.items()) {
        if (!only.empty() && name != only) continue;
        try {
            // The record as it is now: deleting an earlier burst may have handed this
            // one the duty to delete the namespace.
            const json current = recorded().value(name, record);
            delete_burst(name, current);
            removed.push_back(name);
        } catch (const Error& e) {
            failures.push_back(name + ": " + e.what());
        }
    }
    if (!only.empty() && !bursts.contains(only))
        failures.push_back(only + ": no such burst is recorded");
    if (!failures.empty()) {
        std::string text = options_.label + ": unburst failed for " +
                           std::to_string(failures.size()) +
                           " burst(s) (kept recorded: run "
                           "unburst again)";
        for (const auto& f : failures) text += "\n  " + f;
        if (!removed.empty()) {
            text += "\n  removed: ";
            for (std::size_t i = 0; i < removed.size(); ++i) text += (i ? ", " : "") + removed[i];
        }
        throw KubeBurstError(text);
    }
    return removed;
}

}  // namespace fluxburst::cloud
