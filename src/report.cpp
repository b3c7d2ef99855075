#include <fluxburst/report.hpp>

#include <algorithm>

namespace fluxburst {

bool BurstReport::ok() const {
    return std::all_of(plugins.begin(), plugins.end(), [](const PluginOutcome& p) { return p.ok; });
}

nlohmann::json BurstReport::to_json() const {
    nlohmann::json j;
    j["queue"] = queue;
    j["dry_run"] = dry_run;
    j["jobs_seen"] = jobs_seen;
    nlohmann::json sel = nlohmann::json::array();
    for (JobId id : selected) sel.push_back({{"id", id}, {"f58", job_id_f58(id)}});
    j["selected"] = sel;
    nlohmann::json as = nlohmann::json::array();
    for (const auto& a : assignments)
        as.push_back({{"id", a.id},
                      {"f58", job_id_f58(a.id)},
                      {"name", a.name},
                      {"nodes", a.nodes},
                      {"tasks", a.tasks},
                      {"plugin", a.plugin}});
    j["assignments"] = as;
    nlohmann::json un = nlohmann::json::array();
    for (const auto& u : unmatched)
        un.push_back({{"id", u.id},
                      {"f58", job_id_f58(u.id)},
                      {"name", u.name},
                      {"nodes", u.nodes},
                      {"reasons", u.reasons}});
    j["unmatched"] = un;
    nlohmann::json sk = nlohmann::json::array();
    for (const auto& s : skipped) sk.push_back({{"job", s.job}, {"reason", s.reason}});
    j["skipped"] = sk;
    nlohmann::json pl = nlohmann::json::array();
    for (const auto& p : plugins) {
        nlohmann::json o = {{"plugin", p.plugin},   {"action", p.action},  {"ok", p.ok},
                            {"jobs", p.jobs},       {"nodes", p.nodes},    {"summary", p.summary},
                            {"details", p.details}, {"seconds", p.seconds}};
        if (!p.ok) o["error"] = p.error;
        pl.push_back(std::move(o));
    }
    j["plugins"] = pl;
    if (!held.empty()) {
        nlohmann::json h = nlohmann::json::array();
        for (const auto& p : held)
            h.push_back(
                {{"plugin", p.plugin}, {"reason", p.reason}, {"seconds_left", p.seconds_left}});
        j["held"] = h;
    }
    j["timings"] = {{"list_select", timings.list_select},
                    {"schedule", timings.schedule},
                    {"mark", timings.mark},
                    {"run", timings.run},
                    {"total", timings.total}};
    j["ok"] = ok();
    return j;
}

}  // namespace fluxburst
