#include "job_params.hpp"
#include "job_ref.hpp"

#include <fluxburst/error.hpp>

#include <fmt/format.h>

namespace fluxburst {

nlohmann::json job_params_for(const BurstPlugin& p, const Job& job) {
    const nlohmann::json& options = job.burst_options();
    // Most jobs set no option, or only the plugin they ask for.
    if (options.empty() || (options.size() == 1 && options.contains("plugin"))) return nullptr;
    nlohmann::json values = job_param_values(p.name(), p.schema(), options, job_label(job.id()));
    if (values.empty()) return nullptr;  // one form for "none": jobs share a burst
    return values;
}

std::optional<nlohmann::json> offered_job_params(const BurstPlugin& p, const Job& job,
                                                 std::vector<std::string>& reasons) {
    try {
        return job_params_for(p, job);
    } catch (const ParamError& e) {
        reasons.push_back(e.what());
        return std::nullopt;
    }
}

Params burst_params(const BurstPlugin& p, const nlohmann::json& values) {
    if (values.empty()) return p.params();
    nlohmann::json merged = p.params().json();
    for (const auto& [key, value] : values.items()) merged[key] = value;
    return Params(std::move(merged));
}

}  // namespace fluxburst
