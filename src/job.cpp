#include <fluxburst/job.hpp>

#include <fluxburst/error.hpp>

#include <fmt/format.h>

namespace fluxburst {

namespace {

const char f58_alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

const nlohmann::json* member(const nlohmann::json& j, const char* key) {
    if (!j.is_object()) return nullptr;
    auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
}

const nlohmann::json* system_attrs(const nlohmann::json& job) {
    const auto* spec = member(job, "spec");
    const auto* attrs = spec ? member(*spec, "attributes") : nullptr;
    return attrs ? member(*attrs, "system") : nullptr;
}

// Walk a jobspec resource list, multiplying counts down to `type`.
std::int64_t count_type(const nlohmann::json& resources, const std::string& type,
                        std::int64_t mult) {
    if (!resources.is_array()) return 0;
    std::int64_t total = 0;
    for (const auto& r : resources) {
        if (!r.is_object()) continue;
        std::int64_t count = 1;
        if (auto c = r.find("count"); c != r.end()) {
            if (c->is_number_integer())
                count = c->get<std::int64_t>();
            else if (c->is_object() && c->contains("min") && (*c)["min"].is_number_integer())
                count = (*c)["min"].get<std::int64_t>();
        }
        auto t = r.find("type");
        if (t != r.end() && t->is_string() && t->get<std::string>() == type) {
            total += mult * count;
        } else if (auto w = r.find("with"); w != r.end()) {
            total += count_type(*w, type, mult * count);
        }
    }
    return total;
}

bool positive_int(const nlohmann::json* v) {
    return v && v->is_number_integer() && v->get<std::int64_t>() > 0;
}

}  // namespace

std::optional<std::string> check_job_shape(const nlohmann::json& job) {
    if (!job.is_object())
        return fmt::format("a job must be a JSON object, got {}", job.type_name());
    const auto* id = member(job, "id");
    if (!id) return std::string("job has no 'id'");
    if (!id->is_number_unsigned() && !(id->is_number_integer() && id->get<std::int64_t>() >= 0))
        return fmt::format("job 'id' must be a non-negative integer, got {}", id->dump());
    const auto* spec = member(job, "spec");
    if (!spec) return std::string("job has no 'spec' (jobspec)");
    if (!spec->is_object())
        return fmt::format("job 'spec' must be an object, got {}", spec->type_name());
    if (const auto* res = member(*spec, "resources"); res && !res->is_array())
        return std::string("job 'spec.resources' must be a list");
    if (const auto* attrs = member(*spec, "attributes")) {
        if (!attrs->is_object()) return std::string("job 'spec.attributes' must be an object");
        if (const auto* sys = member(*attrs, "system"); sys && !sys->is_object())
            return std::string("job 'spec.attributes.system' must be an object");
    }
    for (const char* key : {"nnodes", "ntasks", "state"}) {
        if (const auto* v = member(job, key); v && !v->is_number_integer())
            return fmt::format("job '{}' must be an integer, got {}", key, v->dump());
    }
    if (const auto* ann = member(job, "annotations"); ann && !ann->is_object())
        return std::string("job 'annotations' must be an object");
    return std::nullopt;
}

JobId job_id(const nlohmann::json& job) {
    const auto* id = member(job, "id");
    if (!id || !id->is_number_integer() ||
        (!id->is_number_unsigned() && id->get<std::int64_t>() < 0))
        throw Error("job has no valid integer 'id'");
    return id->get<JobId>();
}

std::int64_t job_nodes(const nlohmann::json& job) {
    if (const auto* n = member(job, "nnodes"); positive_int(n)) return n->get<std::int64_t>();
    if (const auto* spec = member(job, "spec")) {
        if (const auto* res = member(*spec, "resources")) {
            std::int64_t nodes = count_type(*res, "node", 1);
            if (nodes > 0) return nodes;
        }
    }
    return 1;
}

std::int64_t job_tasks(const nlohmann::json& job) {
    if (const auto* n = member(job, "ntasks"); positive_int(n)) return n->get<std::int64_t>();
    if (const auto* spec = member(job, "spec")) {
        if (const auto* tasks = member(*spec, "tasks"); tasks && tasks->is_array()) {
            std::int64_t total = 0;
            for (const auto& t : *tasks) {
                const auto* count = member(t, "count");
                if (!count) continue;
                if (const auto* total_n = member(*count, "total"); positive_int(total_n))
                    total += total_n->get<std::int64_t>();
                else if (member(*count, "per_slot")) {
                    const auto* res = member(*spec, "resources");
                    std::int64_t slots = res ? count_type(*res, "slot", 1) : 0;
                    const auto* per = member(*count, "per_slot");
                    total += std::max<std::int64_t>(slots, 1) *
                             (positive_int(per) ? per->get<std::int64_t>() : 1);
                }
            }
            if (total > 0) return total;
        }
    }
    return job_nodes(job);
}

bool job_is_burstable(const nlohmann::json& job) {
    const auto* sys = system_attrs(job);
    const auto* b = sys ? member(*sys, "burstable") : nullptr;
    if (!b || b->is_null()) return false;
    if (b->is_boolean()) return b->get<bool>();
    if (b->is_number()) return b->get<double>() != 0;
    if (b->is_string()) return !b->get<std::string>().empty();
    return true;
}

std::optional<std::string> job_burst_plugin(const nlohmann::json& job) {
    if (const auto* sys = system_attrs(job)) {
        if (const auto* p = member(*sys, "burst-scheduled"); p && p->is_string())
            return p->get<std::string>();
    }
    const auto* ann = member(job, "annotations");
    const auto* user = ann ? member(*ann, "user") : nullptr;
    const auto* fb = user ? member(*user, "fluxburst") : nullptr;
    if (fb) {
        if (const auto* p = member(*fb, "plugin"); p && p->is_string())
            return p->get<std::string>();
        return std::string("unknown");
    }
    return std::nullopt;
}

void mark_job_scheduled(nlohmann::json& job, const std::string& plugin) {
    auto& sys = job["spec"]["attributes"]["system"];
    sys["burst-scheduled"] = plugin;
    sys.erase("burstable");
}

std::string job_state_name(std::int64_t state) {
    switch (state) {
        case 1:
            return "NEW";
        case 2:
            return "DEPEND";
        case 4:
            return "PRIORITY";
        case 8:
            return "SCHED";
        case 16:
            return "RUN";
        case 32:
            return "CLEANUP";
        case 64:
            return "INACTIVE";
        default:
            return "UNKNOWN";
    }
}

std::string job_id_f58(JobId id) {
    char buf[16];
    int n = 0;
    do {
        buf[n++] = f58_alphabet[id % 58];
        id /= 58;
    } while (id > 0);
    std::string out = "\xc6\x92";  // U+0192 LATIN SMALL LETTER F WITH HOOK
    while (n > 0) out += buf[--n];
    return out;
}

std::optional<JobId> parse_job_id(const std::string& text) {
    if (text.empty()) return std::nullopt;
    std::string digits;
    if (text.rfind("\xc6\x92", 0) == 0)
        digits = text.substr(2);
    else if (text[0] == 'f')
        digits = text.substr(1);
    if (!digits.empty()) {
        unsigned __int128 v = 0;
        for (char c : digits) {
            const char* p = std::char_traits<char>::find(f58_alphabet, 58, c);
            if (!p) return std::nullopt;
            v = v * 58 + static_cast<unsigned>(p - f58_alphabet);
            if (v > UINT64_MAX) return std::nullopt;
        }
        return static_cast<JobId>(v);
    }
    JobId v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        if (v > (UINT64_MAX - static_cast<JobId>(c - '0')) / 10) return std::nullopt;
        v = v * 10 + static_cast<JobId>(c - '0');
    }
    return v;
}

}  // namespace fluxburst
