// Fuzz what making a Job, a selector and a cycle do with any JSON job.
#include <fluxburst/fluxburst.hpp>


extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static bool quiet = (fluxburst::set_log_level(fluxburst::LogLevel::Off), true);
    (void)quiet;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    fluxburst::JobPtr parsed;
    try {
        parsed = fluxburst::Job::parse(text);
    } catch (const fluxburst::JobError&) {
    }
    // nlohmann's parser is iterative; the depth is checked before anything recurses.
    nlohmann::json job = nlohmann::json::parse(text, nullptr, false);
    if (job.is_discarded()) {
        if (parsed) std::abort();  // Job::parse accepted what is not JSON
        return 0;
    }
    fluxburst::JobPtr built;
    try {
        built = fluxburst::Job::from_json(job);
    } catch (const fluxburst::JobError&) {
    }
    if (bool(parsed) != bool(built)) std::abort();  // one rule for text and JSON
    bool selected = built && fluxburst::selectors::burstable()(*built);
    if (built) {
        if (built->nodes() < 1 || built->tasks() < 1) std::abort();
        (void)built->raw();
        (void)built->json().dump();
    }
    // Moved, not copied: copying JSON recurses, and a job nested deeper than the library
    // accepts must reach it whole (the mock queue refuses it without a copy).
    std::vector<nlohmann::json> jobs;
    jobs.push_back(std::move(job));
    fluxburst::Client client(std::make_shared<fluxburst::MockQueue>(std::move(jobs)));
    client.set_search_installed_dir(false);
    auto report = client.run_burst();
    if (!built && report.skipped.size() != 1) std::abort();
    if (built && selected != (report.selected.size() == 1)) std::abort();
    (void)report.to_json().dump();
    return 0;
}
