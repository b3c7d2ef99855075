// Flux's wire formats, parsed without libflux (see fluxburst/flux.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fluxburst/config.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/flux.hpp>

#include "flux_protocol.hpp"
#include <fluxburst/job.hpp>
#include <set>

#if FLUXBURST_HAVE_FLUX
#include <fluxburst/flux_queue.hpp>
#endif

#include "text.hpp"

namespace fluxburst {

std::shared_ptr<JobQueue> open_flux_queue(const std::string& uri) {
#if FLUXBURST_HAVE_FLUX
    return std::make_shared<FluxQueue>(uri);
#else
    (void)uri;
    throw QueueError(
        "this copy of libfluxburst was built without Flux support (FLUXBURST_HAVE_FLUX is 0): "
        "rebuild it with flux-core installed (-DFLUXBURST_WITH_FLUX=ON, PKG_CONFIG_PATH set to "
        "flux-core's lib/pkgconfig)");
#endif
}

std::string ResourceStatus::host(std::int64_t rank) const {
    if (rank >= 0 && static_cast<std::size_t>(rank) < hosts.size() && !hosts[rank].empty())
        return hosts[rank];
    return "rank " + std::to_string(rank);
}

std::vector<std::string> ResourceStatus::host_names(const std::vector<std::int64_t>& ranks) const {
    std::vector<std::string> out;
    out.reserve(ranks.size());
    for (auto r : ranks) out.push_back(host(r));
    return out;
}

nlohmann::json ResourceStatus::to_json() const {
    using flux_protocol::compress_hostlist;
    using flux_protocol::format_idset;
    nlohmann::json j = {
        {"total", total_nodes()},
        {"free", free_nodes()},
        {"allocated", allocated_nodes()},
        {"down", down_nodes()},
        {"free_ranks", format_idset(free)},
        {"allocated_ranks", format_idset(allocated)},
        {"down_ranks", format_idset(down)},
        {"free_hosts", compress_hostlist(host_names(free))},
        {"down_hosts", compress_hostlist(host_names(down))},
    };
    if (have_offline) {
        j["offline_ranks"] = format_idset(offline);
        j["drained_ranks"] = format_idset(drained);
    }
    return j;
}

namespace flux_protocol {

namespace {

nlohmann::json parse_payload(const std::string& payload, const char* what) {
    try {
        return nlohmann::json::parse(payload);
    } catch (const nlohmann::json::exception& e) {
        throw QueueError(fmt::format("{} response is not JSON ({}): {}", what, e.what(),
                                     text::shorten(payload, 120)));
    }
}

std::vector<std::int64_t> minus(const std::vector<std::int64_t>& a,
                                const std::vector<std::int64_t>& b) {
    std::vector<std::int64_t> out;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

std::vector<std::int64_t> unite(const std::vector<std::int64_t>& a,
                                const std::vector<std::int64_t>& b) {
    std::vector<std::int64_t> out;
    std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

bool all_digits(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::int64_t to_int(const std::string& s, const std::string& context) {
    if (!all_digits(s) || s.size() > 18)
        throw QueueError(fmt::format("'{}' is not a valid {}", s, context));
    return std::stoll(s);
}

}  // namespace

nlohmann::json list_request(int states, const std::vector<std::string>& attrs,
                            const nlohmann::json& extra) {
    nlohmann::json constraint = {{"states", {states}}};
    if (extra.is_object() && !extra.empty()) constraint = {{"and", {constraint, extra}}};
    return {{"max_entries", 0}, {"attrs", attrs}, {"constraint", constraint}};
}

JobListPage parse_list_response(const std::string& payload) {
    nlohmann::json j = parse_payload(payload, "job-list.list");
    if (!j.is_object() || !j.contains("jobs") || !j["jobs"].is_array())
        throw QueueError("job-list.list response has no 'jobs' array: " +
                         text::shorten(payload, 120));
    JobListPage page;
    if (auto v = j.find("version"); v != j.end()) {
        if (!v->is_number_integer())
            throw QueueError("job-list.list response has a non-integer 'version': " + v->dump());
        page.version = v->get<int>();
    }
    page.jobs = std::move(j["jobs"].get_ref<nlohmann::json::array_t&>());
    return page;
}

std::vector<nlohmann::json> JobListReader::on_response(const std::string& payload) {
    if (done_) throw QueueError("job-list.list sent a response after the end of its answer");
    JobListPage page = parse_list_response(payload);
    if (version_ < 0) {
        version_ = page.version;
        if (version_ == 0)
            done_ = true;  // one response holding every job
        else if (version_ != 1)
            throw QueueError(
                fmt::format("job-list.list answered with protocol version {}, which "
                            "this flux-burst does not know (it knows 0 and 1)",
                            version_));
    } else if (page.version != 0 && page.version != version_) {
        throw QueueError("job-list.list changed protocol version in the middle of a stream");
    }
    count_ += page.jobs.size();
    return std::move(page.jobs);
}

void JobListReader::on_error(int errnum, const std::string& text) {
    if (done_) throw QueueError("job-list.list sent an error after the end of its answer");
    if (errnum == ENODATA && version_ == 1) {
        done_ = true;
        return;
    }
    if (errnum == ENODATA && version_ < 0) {  // a stream with no jobs at all
        version_ = 1;
        done_ = true;
        return;
    }
    done_ = true;
    throw QueueError(fmt::format("job-list.list failed: {}",
                                 text.empty() ? std::string(std::strerror(errnum)) : text));
}

nlohmann::json jobspec_lookup_request(std::uint64_t id) {
    return {{"id", id}, {"keys", {"jobspec"}}, {"flags", 0}};
}

nlohmann::json parse_jobspec_response(const std::string& payload) {
    nlohmann::json j = parse_payload(payload, "job-info.lookup");
    if (!j.is_object() || !j.contains("jobspec"))
        throw QueueError("job-info.lookup response has no 'jobspec': " +
                         text::shorten(payload, 120));
    nlohmann::json& spec = j["jobspec"];
    if (spec.is_string()) {
        try {
            return nlohmann::json::parse(spec.get_ref<const std::string&>());
        } catch (const nlohmann::json::exception& e) {
            throw QueueError(std::string("job-info.lookup: the jobspec is not JSON: ") + e.what());
        }
    }
    if (!spec.is_object())
        throw QueueError(std::string("job-info.lookup: the jobspec is a ") + spec.type_name() +
                         ", not an object");
    return std::move(spec);
}

nlohmann::json list_id_request(std::uint64_t id, const std::vector<std::string>& attrs,
                               int wait_state) {
    nlohmann::json req = {{"id", id}, {"attrs", attrs}};
    if (wait_state) req["state"] = wait_state;
    return req;
}

nlohmann::json parse_list_id_response(const std::string& payload) {
    nlohmann::json j = parse_payload(payload, "job-list.list-id");
    if (!j.is_object() || !j.contains("job") || !j["job"].is_object())
        throw QueueError("job-list.list-id response has no 'job' object: " +
                         text::shorten(payload, 120));
    return std::move(j["job"]);
}

nlohmann::json memo_request(std::uint64_t id, const std::string& plugin, double time,
                            const std::string& controller) {
    nlohmann::json value = nullptr;  // null removes the key (RFC 21 memo semantics)
    if (!plugin.empty()) value = {{"plugin", plugin}, {"time", time}};
    if (!plugin.empty() && !controller.empty()) value["controller"] = controller;
    return {{"id", id}, {"volatile", false}, {"memo", {{"fluxburst", value}}}};
}

std::vector<std::int64_t> ranks_of_R(const nlohmann::json& R) {
    std::vector<std::int64_t> out;
    if (R.is_null() || (R.is_object() && R.empty())) return out;
    if (!R.is_object()) throw QueueError("an R object must be a JSON object, got " + R.dump());
    auto ex = R.find("execution");
    if (ex == R.end() || !ex->is_object()) throw QueueError("R object has no 'execution'");
    auto lite = ex->find("R_lite");
    if (lite == ex->end()) return out;
    if (!lite->is_array()) throw QueueError("R object's R_lite is not a list");
    for (const auto& entry : *lite) {
        if (!entry.is_object() || !entry.contains("rank") || !entry["rank"].is_string())
            throw QueueError("R_lite entry without a 'rank' idset: " + entry.dump());
        out = unite(out, parse_idset(entry["rank"].get<std::string>()));
    }
    return out;
}

namespace {

// Hostnames of an R object, indexed by rank: nodelist names the ranks in order.
std::vector<std::string> hosts_of_R(const nlohmann::json& R,
                                    const std::vector<std::int64_t>& ranks) {
    std::vector<std::string> out;
    if (!R.is_object()) return out;
    auto ex = R.find("execution");
    if (ex == R.end() || !ex->is_object()) return out;
    auto nl = ex->find("nodelist");
    if (nl == ex->end()) return out;
    std::vector<std::string> names;
    if (nl->is_array()) {
        for (const auto& part : *nl) {
            if (!part.is_string()) throw QueueError("R nodelist entries must be strings");
            auto more = expand_hostlist(part.get<std::string>());
            names.insert(names.end(), more.begin(), more.end());
        }
    } else if (nl->is_string()) {
        names = expand_hostlist(nl->get<std::string>());
    }
    if (names.size() != ranks.size()) return out;  // cannot pair them: leave unnamed
    std::int64_t top = ranks.empty() ? -1 : ranks.back();
    out.resize(static_cast<std::size_t>(top + 1));
    for (std::size_t i = 0; i < ranks.size(); ++i) out[ranks[i]] = names[i];
    return out;
}

const nlohmann::json& member_or_null(const nlohmann::json& j, const char* key) {
    static const nlohmann::json null_json;
    auto it = j.find(key);
    return it == j.end() ? null_json : *it;
}

}  // namespace

ResourceStatus parse_sched_resource_status(const nlohmann::json& response) {
    if (!response.is_object() || !response.contains("all"))
        throw QueueError("sched.resource-status response has no 'all': " +
                         text::shorten(response.dump(), 120));
    ResourceStatus s;
    const auto& all = response["all"];
    s.all = ranks_of_R(all);
    s.allocated = ranks_of_R(member_or_null(response, "allocated"));
    s.down = ranks_of_R(member_or_null(response, "down"));
    s.free = minus(minus(s.all, s.allocated), s.down);
    s.hosts = hosts_of_R(all, s.all);
    return s;
}

void add_resource_module_status(ResourceStatus& s, const nlohmann::json& response) {
    if (!response.is_object())
        throw QueueError("resource.status response is not an object: " +
                         text::shorten(response.dump(), 120));
    auto idset_member = [&](const char* key) {
        const auto& v = member_or_null(response, key);
        if (v.is_null()) return std::vector<std::int64_t>{};
        if (!v.is_string())
            throw QueueError(std::string("resource.status '") + key + "' is not an idset string");
        return parse_idset(v.get<std::string>());
    };
    s.offline = idset_member("offline");
    std::vector<std::int64_t> drained;
    const auto& drain = member_or_null(response, "drain");
    if (drain.is_object()) {
        for (const auto& item : drain.items()) drained = unite(drained, parse_idset(item.key()));
    }
    s.drained = drained;
    s.have_offline = true;
    const auto& R = member_or_null(response, "R");
    if (s.all.empty() && R.is_object()) {
        s.all = ranks_of_R(R);
        s.hosts = hosts_of_R(R, s.all);
        std::vector<std::int64_t> excluded = idset_member("exclude");
        s.down = unite(unite(s.offline, s.drained), excluded);
        s.free = minus(minus(s.all, s.allocated), s.down);
    } else if (s.hosts.empty() && R.is_object()) {
        s.hosts = hosts_of_R(R, ranks_of_R(R));
    }
}

std::vector<std::int64_t> parse_idset(const std::string& input) {
    std::string t = text::trim(input);
    if (!t.empty() && t.front() == '[') {
        if (t.back() != ']') throw QueueError("idset '" + input + "' has an unclosed '['");
        t = t.substr(1, t.size() - 2);
    }
    std::vector<std::int64_t> out;
    if (t.empty()) return out;
    for (const std::string& part : text::split(t, ',')) {
        std::string p = text::trim(part);
        auto dash = p.find('-');
        std::string what = "idset entry in '" + input + "'";
        if (dash == std::string::npos) {
            out.push_back(to_int(p, what));
        } else {
            std::int64_t lo = to_int(p.substr(0, dash), what);
            std::int64_t hi = to_int(p.substr(dash + 1), what);
            if (hi < lo) throw QueueError("idset '" + input + "' has a descending range " + p);
            if (hi - lo > 10000000) throw QueueError("idset '" + input + "' is too large");
            for (std::int64_t i = lo; i <= hi; ++i) out.push_back(i);
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::string format_idset(std::vector<std::int64_t> ids) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::string out;
    for (std::size_t i = 0; i < ids.size();) {
        std::size_t j = i;
        while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += std::to_string(ids[i]);
        if (j > i) out += "-" + std::to_string(ids[j]);
        i = j + 1;
    }
    return out;
}

std::vector<std::string> expand_hostlist(const std::string& input) {
    std::vector<std::string> out;
    std::string t = text::trim(input);
    // Split on commas outside brackets.
    std::vector<std::string> parts;
    std::string cur;
    int depth = 0;
    for (char c : t) {
        if (c == '[') ++depth;
        if (c == ']') --depth;
        if (depth < 0 || depth > 1)
            throw QueueError("hostlist '" + input + "' has unbalanced brackets");
        if (c == ',' && depth == 0) {
            parts.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (depth != 0) throw QueueError("hostlist '" + input + "' has an unclosed '['");
    if (!cur.empty() || !parts.empty()) parts.push_back(cur);
    for (const std::string& raw : parts) {
        std::string part = text::trim(raw);
        if (part.empty()) throw QueueError("hostlist '" + input + "' has an empty entry");
        auto open = part.find('[');
        if (open == std::string::npos) {
            out.push_back(part);
            continue;
        }
        auto close = part.find(']', open);
        std::string prefix = part.substr(0, open);
        std::string suffix = part.substr(close + 1);
        if (suffix.find('[') != std::string::npos)
            throw QueueError("hostlist entry '" + part + "' has more than one bracketed range");
        for (const std::string& range : text::split(part.substr(open + 1, close - open - 1), ',')) {
            std::string r = text::trim(range);
            auto dash = r.find('-');
            std::string lo_s = dash == std::string::npos ? r : r.substr(0, dash);
            std::string hi_s = dash == std::string::npos ? r : r.substr(dash + 1);
            std::string what = "range in hostlist '" + input + "'";
            std::int64_t lo = to_int(lo_s, what), hi = to_int(hi_s, what);
            if (hi < lo) throw QueueError("hostlist '" + input + "' has a descending range " + r);
            if (hi - lo > 1000000) throw QueueError("hostlist '" + input + "' is too large");
            std::size_t width = lo_s.size() > 1 && lo_s[0] == '0' ? lo_s.size() : 0;
            for (std::int64_t i = lo; i <= hi; ++i) {
                std::string n = std::to_string(i);
                if (n.size() < width) n.insert(0, width - n.size(), '0');
                out.push_back(prefix + n + suffix);
            }
        }
    }
    return out;
}

std::string compress_hostlist(const std::vector<std::string>& hosts) {
    struct Group {
        std::string prefix;
        std::size_t width = 0;  // digits, when zero-padded; 0 otherwise
        std::vector<std::pair<std::int64_t, std::string>> numbers;
    };
    std::vector<Group> groups;
    for (const std::string& h : hosts) {
        std::size_t end = h.size();
        std::size_t start = end;
        while (start > 0 && h[start - 1] >= '0' && h[start - 1] <= '9') --start;
        std::string digits = h.substr(start);
        if (digits.empty() || digits.size() > 18) {
            groups.push_back(Group{h, 0, {}});
            continue;
        }
        std::string prefix = h.substr(0, start);
        std::size_t width = digits.size() > 1 && digits[0] == '0' ? digits.size() : 0;
        std::int64_t n = std::stoll(digits);
        if (!groups.empty() && !groups.back().numbers.empty() && groups.back().prefix == prefix) {
            Group& g = groups.back();
            const std::string& last = g.numbers.back().second;
            bool same_form = width ? (g.width == width || (g.width == 0 && last.size() == width))
                                   : (g.width == 0 || digits.size() == g.width);
            if (same_form) {
                if (width) g.width = width;
                g.numbers.emplace_back(n, digits);
                continue;
            }
        }
        groups.push_back(Group{prefix, width, {{n, digits}}});
    }
    std::string out;
    for (const Group& g : groups) {
        if (!out.empty()) out += ',';
        if (g.numbers.empty()) {
            out += g.prefix;
            continue;
        }
        if (g.numbers.size() == 1) {
            out += g.prefix + g.numbers[0].second;
            continue;
        }
        std::string ranges;
        for (std::size_t i = 0; i < g.numbers.size();) {
            std::size_t j = i;
            while (j + 1 < g.numbers.size() && g.numbers[j + 1].first == g.numbers[j].first + 1)
                ++j;
            if (!ranges.empty()) ranges += ',';
            ranges += g.numbers[i].second;
            if (j > i) ranges += "-" + g.numbers[j].second;
            i = j + 1;
        }
        out += g.prefix + "[" + ranges + "]";
    }
    return out;
}

}  // namespace flux_protocol
}  // namespace fluxburst
