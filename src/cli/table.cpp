#include "table.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "terminal_text.hpp"

namespace fluxburst::cli {

namespace {

// Characters as a terminal shows them: UTF-8 continuation bytes take no column.
std::size_t width(const std::string& s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Cells hold text from others (job names, plugin messages): each is made safe for
// a terminal and capped, the padded columns shorter (their width pads every row).
constexpr std::size_t max_cell = 80;
constexpr std::size_t max_last_cell = 2000;

std::string safe(const std::string& text, std::size_t max = max_last_cell) {
    return terminal_text(text, max);
}

// Columns padded to the widest cell; columns listed in `right` are right-aligned.
// The last column is not padded.
class Table {
public:
    Table(std::vector<std::string> header, std::vector<bool> right = {})
        : rows_{std::move(header)}, right_(std::move(right)) {
        right_.resize(rows_[0].size(), false);
    }
    void add(std::vector<std::string> row) {
        for (std::size_t i = 0; i < row.size(); ++i)
            row[i] = safe(row[i], i + 1 == row.size() ? max_last_cell : max_cell);
        rows_.push_back(std::move(row));
    }
    void print(std::ostream& out, const std::string& indent = "") const {
        std::vector<std::size_t> w(rows_[0].size(), 0);
        for (const auto& r : rows_)
            for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], width(r[i]));
        for (const auto& r : rows_) {
            std::string line = indent;
            for (std::size_t i = 0; i < r.size(); ++i) {
                std::string pad(w[i] - width(r[i]), ' ');
                bool last = i + 1 == r.size();
                if (right_[i])
                    line += pad + r[i];
                else
                    line += r[i] + (last ? "" : pad);
                if (!last) line += "  ";
            }
            while (!line.empty() && line.back() == ' ') line.pop_back();
            out << line << "\n";
        }
    }

private:
    std::vector<std::vector<std::string>> rows_;
    std::vector<bool> right_;
};

std::string seconds_text(double s) {
    if (s < 0.001) return "<1ms";
    if (s < 1) return fmt::format("{:.0f}ms", s * 1000);
    return fmt::format("{:.1f}s", s);
}

std::string or_dash(const std::string& s) {
    return s.empty() ? "-" : s;
}

std::string plural(std::size_t n, const char* one, const char* many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

}  // namespace

namespace {

// The outcome column for a job assigned to `plugin` (nullptr: unmatched); `runs`
// holds, for each plugin that ran, whether its run succeeded.
std::string outcome(const BurstReport& report, const std::string* plugin,
                    const std::map<std::string, bool>& runs) {
    if (!plugin) return "unmatched";
    if (report.dry_run) return "would burst";
    auto it = runs.find(*plugin);
    return it == runs.end() || it->second ? "burst" : "run failed";
}

std::map<std::string, bool> run_results(const BurstReport& report) {
    std::map<std::string, bool> runs;
    for (const auto& p : report.plugins)
        if (p.action == "run") runs.emplace(p.plugin, p.ok);  // the first, as before
    return runs;
}

}  // namespace

std::string job_outcome(const BurstReport& report, JobId id) {
    for (const auto& a : report.assignments)
        if (a.id == id) return outcome(report, &a.plugin, run_results(report));
    return "unmatched";
}

void print_report(std::ostream& out, const BurstReport& report, bool cycle) {
    if (cycle) {
        out << fmt::format("{}: {} read, {} selected, {} skipped{}\n", safe(report.queue),
                           plural(report.jobs_seen, "entry", "entries"), report.selected.size(),
                           report.skipped.size(),
                           report.dry_run ? " (dry run: nothing marked, no plugin ran)" : "");
        if (!report.selected.empty()) {
            std::map<JobId, const Assignment*> assigned;
            for (const auto& a : report.assignments) assigned[a.id] = &a;
            std::map<JobId, const Unmatched*> unmatched;
            for (const auto& u : report.unmatched) unmatched[u.id] = &u;
            std::map<std::string, bool> runs = run_results(report);
            Table t({"JOBID", "NAME", "NODES", "PLUGIN", "OUTCOME"},
                    {false, false, true, false, false});
            for (JobId id : report.selected) {
                std::string name, plugin;
                std::int64_t nodes = 0;
                const std::string* by = nullptr;
                if (auto it = assigned.find(id); it != assigned.end()) {
                    name = it->second->name;
                    nodes = it->second->nodes;
                    plugin = it->second->plugin;
                    by = &it->second->plugin;
                } else if (auto u = unmatched.find(id); u != unmatched.end()) {
                    name = u->second->name;
                    nodes = u->second->nodes;
                }
                t.add({job_id_f58(id), or_dash(name), std::to_string(nodes), or_dash(plugin),
                       outcome(report, by, runs)});
            }
            out << "\n";
            t.print(out);
        }
    }
    if (!report.plugins.empty()) {
        Table t({"PLUGIN", "ACTION", "JOBS", "NODES", "TIME", "RESULT"},
                {false, false, true, true, true, false});
        for (const auto& p : report.plugins)
            t.add({p.plugin, p.action, std::to_string(p.jobs), std::to_string(p.nodes),
                   seconds_text(p.seconds), p.ok ? "ok: " + p.summary : "FAILED: " + p.error});
        if (cycle) out << "\n";
        t.print(out);
    }
    if (!report.unmatched.empty()) {
        out << "\nunmatched (selected, accepted by no plugin):\n";
        for (const auto& u : report.unmatched) {
            std::string reasons;
            for (const auto& r : u.reasons) reasons += (reasons.empty() ? "" : "; ") + r;
            out << fmt::format(
                "  {} {} ({}): {}\n", job_id_f58(u.id), safe(or_dash(u.name), max_cell),
                plural(static_cast<std::size_t>(u.nodes), "node", "nodes"), safe(or_dash(reasons)));
        }
    }
    if (!report.held.empty()) {
        out << "\nheld back:\n";
        for (const auto& h : report.held)
            out << fmt::format("  {}: {} ({:.0f} s left)\n", h.plugin, h.reason, h.seconds_left);
    }
    if (!report.skipped.empty()) {
        out << "\nskipped (not considered):\n";
        for (const auto& s : report.skipped)
            out << fmt::format("  {}: {}\n", safe(s.job, max_cell), safe(s.reason));
    }
}

void print_plugin_list(std::ostream& out, const std::vector<PluginDescription>& plugins,
                       const std::vector<std::string>& dirs) {
    Table good({"NAME", "VERSION", "DESCRIPTION", "PATH"});
    std::vector<const PluginDescription*> broken;
    for (const auto& p : plugins) {
        if (p.ok())
            good.add({p.name, p.version, p.description, p.path});
        else
            broken.push_back(&p);
    }
    if (plugins.size() == broken.size())
        out << "no usable plugins found\n";
    else
        good.print(out);
    if (!broken.empty()) {
        out << "\nbroken (cannot be loaded):\n";
        for (const auto* p : broken)
            out << "  " << safe(p->error) << "\n";  // it names the plugin and file
    }
    out << "\nsearched, in order:\n";
    for (const auto& d : dirs) out << "  " << d << "\n";
}

void print_plugin_detail(std::ostream& out, const PluginDescription& plugin) {
    out << fmt::format("{} {}: {}\n", safe(plugin.name), safe(plugin.version),
                       safe(plugin.description));
    out << fmt::format("file: {}\n\n", safe(plugin.path));
    if (plugin.parameters.empty()) {
        out << "no parameters\n";
        return;
    }
    Table t({"PARAMETER", "TYPE", "DEFAULT", "REQUIRED", "HELP"});
    for (const auto& p : plugin.parameters)
        t.add({p.name, to_string(p.type), p.default_value.is_null() ? "-" : p.default_value.dump(),
               p.required ? "yes" : "no", p.help});
    t.print(out);
    out << fmt::format(
        "\nSet them with --param {0}.KEY=VALUE, with KEY = VALUE in [plugin.{0}] of a --config "
        "file, or with {1}<KEY> (this plugin) or FLUXBURST_<KEY> (every plugin) in "
        "the environment.\n",
        safe(plugin.name, max_cell), safe(plugin_env_name(plugin.name, ""), max_cell));
    std::string per_job, first;
    for (const auto& p : plugin.parameters) {
        if (!p.per_job) continue;
        if (first.empty()) first = safe(p.name, max_cell);
        per_job += (per_job.empty() ? "" : ", ") + safe(p.name, max_cell);
    }
    if (!per_job.empty())
        out << fmt::format(
            "A job may set {} for its own burst: --setattr=system.burstable='{{\"plugin\": "
            "\"{}\", \"{}\": VALUE}}'.\n",
            per_job, safe(plugin.name, max_cell), first);
}

void print_setup(std::ostream& out, const std::string& plugin, const BurstResult& result) {
    out << safe(plugin, max_cell) << ": " << safe(result.summary) << "\n";
    const nlohmann::json& d = result.details;
    if (d.contains("files") && d["files"].is_array())
        for (const auto& f : d["files"])
            if (f.is_string()) out << "  wrote " << safe(f.get<std::string>()) << "\n";
    if (d.contains("listen") && d["listen"].is_object()) {
        const nlohmann::json& l = d["listen"];
        std::string address = l.value("address", std::string("rank 0's host"));
        std::string port = l.contains("port") ? l["port"].dump() : "?";
        out << "  reachable from the burst machines: " << safe(address, max_cell) << ":"
            << safe(port, max_cell)
            << " (TCP; rank 0 of the instance listens there: open this port)\n";
    }
}

}  // namespace fluxburst::cli
