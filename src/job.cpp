#include <fluxburst/error.hpp>
#include <fluxburst/job.hpp>

#include <limits>
#include <vector>

#include <fmt/format.h>

#include "job_ref.hpp"
#include "job_fields.hpp"

namespace fluxburst {

struct Job::Extras {
    std::string preferred_plugin;
    std::string scheduled_plugin;
    nlohmann::json burst_options = nlohmann::json::object();
};

namespace {

const char f58_alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

const nlohmann::json* member(const nlohmann::json& j, const char* key) {
    if (!j.is_object()) return nullptr;
    auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
}

bool checked_mul(std::int64_t a, std::int64_t b, std::int64_t& out) {
    return !__builtin_mul_overflow(a, b, &out);
}

bool checked_add(std::int64_t a, std::int64_t b, std::int64_t& out) {
    return !__builtin_add_overflow(a, b, &out);
}

std::string too_large(const char* what) {
    return fmt::format("the {} overflows (counts multiply to more than {})", what,
                       std::numeric_limits<std::int64_t>::max());
}

// A count in a jobspec: an integer, or {"min": integer, ...}; anything else is 1,
// as before. Negative or too large integers are malformed.
std::optional<std::string> resource_count(const nlohmann::json& r, std::int64_t& count) {
    count = 1;
    const auto* c = member(r, "count");
    if (!c) return std::nullopt;
    const nlohmann::json* v = c->is_object() ? member(*c, "min") : c;
    if (!v || !v->is_number_integer()) return std::nullopt;
    return detail::read_count_value("spec.resources count", true, v->is_number_unsigned(),
                                    v->is_number_unsigned() ? v->get<std::uint64_t>() : 0,
                                    v->is_number_unsigned() ? 0 : v->get<std::int64_t>(), count);
}

// Walk a resource list once, counting nodes and slots: a resource of the type
// counted adds mult * count and ends that count's descent; others descend into
// their "with" with mult * count.
std::optional<std::string> walk_resources(const nlohmann::json& resources, std::int64_t mult,
                                          bool nodes_on, bool slots_on, detail::JobFields& f) {
    if (!resources.is_array()) return std::nullopt;
    for (const auto& r : resources) {
        if (!r.is_object()) continue;
        std::int64_t count = 1;
        if (auto bad = resource_count(r, count)) return bad;
        std::int64_t n = 0;
        if (!checked_mul(mult, count, n)) return too_large("resource count");
        const auto* t = member(r, "type");
        bool is_node = t && t->is_string() && t->get_ref<const std::string&>() == "node";
        bool is_slot = t && t->is_string() && t->get_ref<const std::string&>() == "slot";
        if (nodes_on && is_node && !checked_add(f.spec_nodes, n, f.spec_nodes))
            return too_large("node count");
        if (slots_on && is_slot && !checked_add(f.spec_slots, n, f.spec_slots))
            return too_large("slot count");
        bool nodes_below = nodes_on && !is_node;
        bool slots_below = slots_on && !is_slot;
        if (!nodes_below && !slots_below) continue;
        if (const auto* w = member(r, "with")) {
            if (auto bad = walk_resources(*w, n, nodes_below, slots_below, f)) return bad;
        }
    }
    return std::nullopt;
}

bool truthy(const nlohmann::json& b) {
    if (b.is_null()) return false;
    if (b.is_boolean()) return b.get<bool>();
    if (b.is_number()) return b.get<double>() != 0;
    if (b.is_string()) return !b.get_ref<const std::string&>().empty();
    return true;
}

}  // namespace

JobState job_state_from_flux(std::int64_t state) {
    switch (state) {
        case 1:
            return JobState::New;
        case 2:
            return JobState::Depend;
        case 4:
            return JobState::Priority;
        case 8:
            return JobState::Sched;
        case 16:
            return JobState::Run;
        case 32:
            return JobState::Cleanup;
        case 64:
            return JobState::Inactive;
        default:
            return JobState::Unknown;
    }
}

const char* job_state_name(JobState state) {
    switch (state) {
        case JobState::New:
            return "NEW";
        case JobState::Depend:
            return "DEPEND";
        case JobState::Priority:
            return "PRIORITY";
        case JobState::Sched:
            return "SCHED";
        case JobState::Run:
            return "RUN";
        case JobState::Cleanup:
            return "CLEANUP";
        case JobState::Inactive:
            return "INACTIVE";
        case JobState::Unknown:
            break;
    }
    return "UNKNOWN";
}

namespace detail {

std::optional<std::string> read_count_value(const char* key, bool is_integer, bool is_unsigned,
                                            std::uint64_t u, std::int64_t s, std::int64_t& out) {
    if (!is_integer) return fmt::format("'{}' must be an integer", key);
    if (is_unsigned) {
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return fmt::format("'{}' is out of range ({} is too large)", key, u);
        out = static_cast<std::int64_t>(u);
        return std::nullopt;
    }
    if (s < 0) return fmt::format("'{}' must not be negative, got {}", key, s);
    out = s;
    return std::nullopt;
}

std::optional<std::string> read_count_field(const char* key, const nlohmann::json& v,
                                            std::int64_t& out) {
    if (!v.is_number_integer())
        return fmt::format("job '{}' must be an integer, got {}", key, v.dump());
    return read_count_value(key, true, v.is_number_unsigned(),
                            v.is_number_unsigned() ? v.get<std::uint64_t>() : 0,
                            v.is_number_unsigned() ? 0 : v.get<std::int64_t>(), out);
}

std::optional<std::string> read_resources(const nlohmann::json& resources, JobFields& f) {
    if (!resources.is_array()) return std::string("job 'spec.resources' must be a list");
    return walk_resources(resources, 1, true, true, f);
}

std::optional<std::string> read_tasks(const nlohmann::json& tasks, JobFields& f) {
    if (!tasks.is_array()) return std::nullopt;  // not ours to judge
    for (const auto& t : tasks) {
        const auto* count = member(t, "count");
        if (!count) continue;
        const auto* total = member(*count, "total");
        if (total && total->is_number_integer()) {
            std::int64_t n = 0;
            if (auto bad = read_count_value(
                    "spec.tasks count.total", true, total->is_number_unsigned(),
                    total->is_number_unsigned() ? total->get<std::uint64_t>() : 0,
                    total->is_number_unsigned() ? 0 : total->get<std::int64_t>(), n))
                return bad;
            if (n > 0) {
                if (!checked_add(f.task_totals, n, f.task_totals)) return too_large("task count");
                continue;
            }
        }
        const auto* per = member(*count, "per_slot");
        if (!per) continue;
        std::int64_t factor = 1;
        if (per->is_number_integer()) {
            std::int64_t n = 0;
            if (auto bad =
                    read_count_value("spec.tasks count.per_slot", true, per->is_number_unsigned(),
                                     per->is_number_unsigned() ? per->get<std::uint64_t>() : 0,
                                     per->is_number_unsigned() ? 0 : per->get<std::int64_t>(), n))
                return bad;
            if (n > 0) factor = n;
        }
        f.has_per_slot = true;
        if (!checked_add(f.per_slot_sum, factor, f.per_slot_sum)) return too_large("task count");
    }
    return std::nullopt;
}

void read_burstable(const nlohmann::json& b, JobFields& f) {
    f.burstable = truthy(b);
    f.burst_options = b.is_object() ? b : nlohmann::json();
}

void read_annotations(const nlohmann::json& ann, JobFields& f) {
    const auto* user = member(ann, "user");
    if (const auto* fb = user ? member(*user, "fluxburst") : nullptr) {
        const auto* p = member(*fb, "plugin");
        f.memo_plugin = p && p->is_string() ? p->get<std::string>() : "unknown";
    }
}

std::optional<std::string> fields_from_json(const nlohmann::json& job, JobFields& f) {
    if (!job.is_object())
        return fmt::format("a job must be a JSON object, got {}", job.type_name());
    if (json_depth(job, max_job_depth) > max_job_depth)
        return fmt::format("the job is nested deeper than {} levels", max_job_depth);
    const auto* id = member(job, "id");
    if (!id) return std::string("job has no 'id'");
    if (!id->is_number_unsigned() && !(id->is_number_integer() && id->get<std::int64_t>() >= 0))
        return fmt::format("job 'id' must be a non-negative integer, got {}", id->dump());
    f.has_id = true;
    f.id = id->get<JobId>();
    if (const auto* v = member(job, "nnodes")) {
        if (auto bad = read_count_field("nnodes", *v, f.nnodes)) return bad;
    }
    if (const auto* v = member(job, "ntasks")) {
        if (auto bad = read_count_field("ntasks", *v, f.ntasks)) return bad;
    }
    if (const auto* v = member(job, "state")) {
        if (!v->is_number_integer())
            return fmt::format("job 'state' must be an integer, got {}", v->dump());
        f.state = v->is_number_unsigned() && v->get<std::uint64_t>() > 64
                      ? JobState::Unknown
                      : job_state_from_flux(v->get<std::int64_t>());
    }
    if (const auto* v = member(job, "name"); v && v->is_string()) f.name = v->get<std::string>();
    if (const auto* ann = member(job, "annotations")) {
        if (!ann->is_object()) return std::string("job 'annotations' must be an object");
        read_annotations(*ann, f);
    }
    const auto* spec = member(job, "spec");
    if (!spec) return std::string("job has no 'spec' (jobspec)");
    if (!spec->is_object())
        return fmt::format("job 'spec' must be an object, got {}", spec->type_name());
    f.has_spec = true;
    if (const auto* res = member(*spec, "resources")) {
        if (auto bad = read_resources(*res, f)) return bad;
    }
    if (const auto* tasks = member(*spec, "tasks")) {
        if (auto bad = read_tasks(*tasks, f)) return bad;
    }
    if (const auto* attrs = member(*spec, "attributes")) {
        if (!attrs->is_object()) return std::string("job 'spec.attributes' must be an object");
        if (const auto* sys = member(*attrs, "system")) {
            if (!sys->is_object())
                return std::string("job 'spec.attributes.system' must be an object");
            if (const auto* b = member(*sys, "burstable")) read_burstable(*b, f);
            if (const auto* p = member(*sys, "burst-scheduled"); p && p->is_string())
                f.burst_scheduled = p->get<std::string>();
        }
    }
    return std::nullopt;
}

int json_depth(const nlohmann::json& value, int limit) {
    // Depth-first with an explicit stack of (container, depth).
    int deepest = 0;
    std::vector<std::pair<const nlohmann::json*, int>> stack{{&value, 1}};
    while (!stack.empty()) {
        auto [v, depth] = stack.back();
        stack.pop_back();
        if (!v->is_structured()) continue;
        if (depth > deepest) deepest = depth;
        if (deepest > limit) return deepest;
        for (const auto& child : *v)
            if (child.is_structured()) stack.emplace_back(&child, depth + 1);
    }
    return deepest;
}

int text_depth(std::string_view text, int limit) {
    int depth = 0, deepest = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
            continue;
        }
        switch (c) {
            case '"':
                in_string = true;
                break;
            case '[':
            case '{':
                if (++depth > deepest) {
                    deepest = depth;
                    if (deepest > limit) return deepest;
                }
                break;
            case ']':
            case '}':
                --depth;
                break;
            default:
                break;
        }
    }
    return deepest;
}

std::shared_ptr<Job> JobAccess::make(JobFields&& f, std::string* why) {
    auto fail = [&](std::string reason) -> std::shared_ptr<Job> {
        if (why) *why = std::move(reason);
        return nullptr;
    };
    if (!f.has_id) return fail("job has no 'id'");
    if (!f.has_spec) return fail("job has no 'spec' (jobspec)");
    std::int64_t nodes = f.nnodes > 0 ? f.nnodes : (f.spec_nodes > 0 ? f.spec_nodes : 1);
    std::int64_t tasks = f.ntasks;
    if (tasks <= 0) {
        std::int64_t per_slot = 0, total = f.task_totals;
        if (f.has_per_slot) {
            if (!checked_mul(std::max<std::int64_t>(f.spec_slots, 1), f.per_slot_sum, per_slot) ||
                !checked_add(total, per_slot, total))
                return fail(too_large("task count"));
        }
        tasks = total > 0 ? total : nodes;
    }
    std::string preferred;
    if (f.burst_options.is_object()) {
        if (auto it = f.burst_options.find("plugin"); it != f.burst_options.end()) {
            if (!it->is_string())
                return fail(fmt::format(
                    "burst option 'plugin' (spec.attributes.system.burstable.plugin) must be a "
                    "plugin name, got {}",
                    it->dump()));
            preferred = it->get<std::string>();
        }
    }
    // One allocation for the job and its shared count.
    struct Made : Job {};
    std::shared_ptr<Job> job = std::make_shared<Made>();
    job->id_ = f.id;
    job->nodes_ = nodes;
    job->tasks_ = tasks;
    job->state_ = f.state;
    job->name_ = std::move(f.name);
    job->burstable_ = f.burstable;
    std::optional<std::string>& scheduled = f.burst_scheduled ? f.burst_scheduled : f.memo_plugin;
    job->burst_scheduled_ = scheduled.has_value();
    bool options = f.burst_options.is_object();
    if (!preferred.empty() || options || (scheduled && !scheduled->empty())) {
        auto extras = std::make_unique<Job::Extras>();
        extras->preferred_plugin = std::move(preferred);
        if (options) extras->burst_options = std::move(f.burst_options);
        if (scheduled) extras->scheduled_plugin = std::move(*scheduled);
        job->extras_ = std::move(extras);
    }
    return job;
}

// Both are called on a job just made, not yet shared: plain stores (a
// std::call_once per job costs more than reading its fields). raw() and json()
// keep what was stored.
void JobAccess::set_raw(Job& job, std::string raw) {
    job.raw_ = std::move(raw);
}

void JobAccess::set_json(Job& job, nlohmann::json json) {
    job.json_ = std::make_unique<nlohmann::json>(std::move(json));
}

JobPtr make_job(JobFields&& f, std::string raw, std::optional<nlohmann::json> json) {
    std::string why;
    JobId id = f.id;
    bool has_id = f.has_id;
    std::shared_ptr<Job> job = JobAccess::make(std::move(f), &why);
    if (!job) {
        throw JobError(has_id ? job_label(id) + ": " + why : why);
    }
    if (json) JobAccess::set_json(*job, std::move(*json));
    if (!raw.empty()) JobAccess::set_raw(*job, std::move(raw));
    return job;
}

void mark_job_scheduled(nlohmann::json& job, const std::string& plugin) {
    auto& sys = job["spec"]["attributes"]["system"];
    sys["burst-scheduled"] = plugin;
    sys.erase("burstable");
}

}  // namespace detail

namespace {
const std::string no_name;
const nlohmann::json no_options = nlohmann::json::object();
}  // namespace

Job::Job() = default;

Job::~Job() = default;

const std::string& Job::preferred_plugin() const {
    return extras_ ? extras_->preferred_plugin : no_name;
}

const nlohmann::json& Job::burst_options() const {
    return extras_ ? extras_->burst_options : no_options;
}

const std::string& Job::scheduled_plugin() const {
    return extras_ ? extras_->scheduled_plugin : no_name;
}

JobPtr Job::from_json(nlohmann::json job) {
    detail::JobFields f;
    if (auto bad = detail::fields_from_json(job, f)) {
        throw JobError(f.has_id ? job_label(f.id) + ": " + *bad
                                : *bad);
    }
    return detail::make_job(std::move(f), std::string(), std::move(job));
}

JobPtr Job::parse(std::string_view text) {
    if (detail::text_depth(text, max_job_depth) > max_job_depth)
        throw JobError(fmt::format("the job is nested deeper than {} levels", max_job_depth));
    nlohmann::json job;
    try {
        job = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw JobError(std::string("the job is not valid JSON: ") + e.what());
    }
    detail::JobFields f;
    if (auto bad = detail::fields_from_json(job, f)) {
        throw JobError(f.has_id ? job_label(f.id) + ": " + *bad
                                : *bad);
    }
    return detail::make_job(std::move(f), std::string(text), std::move(job));
}

std::string_view Job::raw() const {
    std::call_once(raw_once_, [&] {
        if (raw_.empty() && json_)
            raw_ = json_->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    });
    return raw_;
}

const nlohmann::json& Job::json() const {
    std::call_once(json_once_, [&] {
        // raw_ was checked when the job was made (valid JSON, bounded depth).
        if (!json_) json_ = std::make_unique<nlohmann::json>(nlohmann::json::parse(raw()));
    });
    return *json_;
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
