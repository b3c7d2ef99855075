// Fuzz what a selector, the job helpers and a cycle do with any JSON job.
#include <fluxburst/fluxburst.hpp>

#include <spdlog/spdlog.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static bool quiet = (fluxburst::logger()->set_level(spdlog::level::off), true);
    (void)quiet;
    nlohmann::json job = nlohmann::json::parse(data, data + size, nullptr, false);
    if (job.is_discarded()) return 0;
    auto shape = fluxburst::check_job_shape(job);
    bool selected = fluxburst::selectors::burstable()(job);
    (void)fluxburst::job_nodes(job);
    (void)fluxburst::job_tasks(job);
    (void)fluxburst::job_burst_plugin(job);
    if (!shape) {
        (void)fluxburst::job_id(job);
        nlohmann::json marked = job;
        fluxburst::mark_job_scheduled(marked, "fuzz");
        if (fluxburst::selectors::burstable()(marked)) std::abort();  // never selected twice
    }
    fluxburst::Client client(
        std::make_shared<fluxburst::MockQueue>(std::vector<nlohmann::json>{job}));
    client.set_search_installed_dir(false);
    auto report = client.run_burst();
    if (shape && report.skipped.size() != 1) std::abort();
    if (!shape && selected != (report.selected.size() == 1)) std::abort();
    (void)report.to_json().dump();
    return 0;
}
