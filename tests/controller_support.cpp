#include "controller_support.hpp"

#include <fmt/format.h>

namespace test {

using fluxburst::JobId;
using nlohmann::json;

ScriptedPlugin::ScriptedPlugin(const std::string& name, json params,
                               fluxburst::ParamSchema schema) {
    if (!schema.empty()) params = fluxburst::merge_params(name, schema, params);
    fluxburst::detail::PluginAccess::attach(*this, name, fluxburst::Params(std::move(params)),
                                            std::move(schema));
}

fluxburst::BurstProgress ScriptedPlugin::progress() {
    ++progress_calls;
    if (progress_throws) throw fluxburst::PluginError(name() + ": status page unreachable");
    return state;
}

bool ScriptedPlugin::schedule(const fluxburst::Job& job) {
    if (on_schedule) on_schedule(job);
    if (throw_in_schedule) throw fluxburst::PluginError(name() + ": cannot judge jobs today");
    return job.nodes() <= capacity;
}

fluxburst::BurstResult ScriptedPlugin::run(const fluxburst::BurstRequest& request) {
    Run r;
    for (const auto& job : request.jobs) r.jobs.push_back(job->id());
    r.nodes = request.nodes;
    r.tasks = request.tasks;
    r.job_params = request.job_params;
    r.params = request.params.json();
    runs.push_back(std::move(r));
    if (fail_runs > 0) {
        --fail_runs;
        throw fluxburst::PluginError(name() + ": the cloud said no");
    }
    return {fmt::format("started {} node(s)", request.nodes), json::object()};
}

fluxburst::BurstResult ScriptedPlugin::unburst() {
    ++unbursts;
    if (fail_unburst) throw fluxburst::PluginError(name() + ": cannot delete");
    return {"deleted", json::object()};
}

void ScriptedQueue::add(JobId id, std::int64_t nodes, json burstable) {
    json job = {{"id", id},
                {"state", 8},
                {"nnodes", nodes},
                {"ntasks", nodes},
                {"name", "job" + std::to_string(id)},
                {"spec", {{"attributes", {{"system", {{"burstable", burstable}}}}}}}};
    jobs[id] = std::move(job);
}

void ScriptedQueue::finish(JobId id) {
    auto it = jobs.find(id);
    if (it != jobs.end()) it->second["state"] = 64;
}

void ScriptedQueue::remove(JobId id) {
    jobs.erase(id);
}

bool ScriptedQueue::marked(JobId id) const {
    return !marked_to(id).empty();
}

std::string ScriptedQueue::marked_to(JobId id) const {
    auto it = jobs.find(id);
    if (it == jobs.end()) return {};
    return fluxburst::Job::from_json(it->second)->scheduled_plugin();
}

void ScriptedQueue::for_each_job(const std::function<void(fluxburst::JobPtr job)>& visit,
                                 const std::function<void(fluxburst::QueueProblem problem)>&) {
    ++listings;
    for (const auto& [id, job] : jobs) visit(fluxburst::Job::from_json(job));
}

void ScriptedQueue::mark_scheduled(const std::vector<fluxburst::JobMark>& marks) {
    if (fail_marking > 0) {
        --fail_marking;
        throw fluxburst::QueueError("scripted queue: marking failed");
    }
    for (const auto& m : marks) {
        auto it = jobs.find(m.id);
        if (it == jobs.end())
            throw fluxburst::QueueError(fmt::format("scripted queue: no job {}", m.id));
        if (fluxburst::Job::from_json(it->second)->burst_scheduled())
            throw fluxburst::QueueError(fmt::format("scripted queue: job {} already marked", m.id));
    }
    for (const auto& m : marks) {  // as the original flux-burst marks a job
        json& system = jobs[m.id]["spec"]["attributes"]["system"];
        system["burst-scheduled"] = m.plugin;
        system.erase("burstable");
    }
}

void ScriptedQueue::unmark_scheduled(const std::vector<fluxburst::JobPtr>& originals) {
    for (const auto& job : originals) {
        auto it = jobs.find(job->id());
        if (it != jobs.end()) it->second = job->json();
    }
}

std::optional<std::string> ScriptedQueue::state(JobId id) {
    auto it = jobs.find(id);
    if (it == jobs.end()) return std::nullopt;
    return fluxburst::job_state_name(
        fluxburst::job_state_from_flux(it->second["state"].get<std::int64_t>()));
}

LogCapture::LogCapture() : saved_(fluxburst::log_level()) {
    fluxburst::set_log_handler([this](fluxburst::LogLevel level, const std::string& message) {
        out_ << fluxburst::log_level_name(level) << " " << message << "\n";
    });
    fluxburst::set_log_level(fluxburst::LogLevel::Info);
}

LogCapture::~LogCapture() {
    fluxburst::set_log_handler(nullptr);
    fluxburst::set_log_level(saved_);
}

std::size_t LogCapture::count(const std::string& needle) const {
    std::string text = out_.str();
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

}  // namespace test
