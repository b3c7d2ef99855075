// Fuzz the jobs-file reader through the client: FileQueue listing, the default
// selector's fast path against the plain selector (they must agree), and marking.
#include <fluxburst/fluxburst.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <unistd.h>


namespace {
std::string dir() {
    static std::string d = [] {
        char tmpl[] = "/tmp/fluxburst-fuzz-XXXXXX";
        if (!::mkdtemp(tmpl)) std::abort();
        fluxburst::set_log_level(fluxburst::LogLevel::Off);
        return std::string(tmpl);
    }();
    return d;
}

void write(const std::string& path, const uint8_t* data, size_t size) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
}

struct Outcome {
    bool ok = false;
    nlohmann::json report;
};

Outcome cycle(const std::string& path, bool fast) {
    Outcome out;
    fluxburst::Client client(std::make_shared<fluxburst::FileQueue>(path));
    client.set_search_installed_dir(false);
    // Accept everything, so that marking is exercised for every selected job.
    // The default's test as a custom selector: no summary filter, every job built.
    if (!fast)
        client.set_selector(
            [](const fluxburst::Job& j) { return j.burstable() && !j.burst_scheduled(); });
    try {
        auto plan = client.plan_burst();
        out.report = plan.to_json();
        out.ok = true;
    } catch (const fluxburst::Error&) {
    }
    return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string a = dir() + "/a.json";
    write(a, data, size);
    Outcome fast = cycle(a, true);
    Outcome slow = cycle(a, false);
    if (fast.ok && slow.ok) {
        // Both paths must decide the same: the same jobs selected, the same
        // entries reported malformed.
        if (fast.report["selected"] != slow.report["selected"]) std::abort();
        if (fast.report["skipped"] != slow.report["skipped"]) std::abort();
    }
    // Marking: every listed job with an id, then the file must still parse the same way.
    fluxburst::FileQueue queue(a);
    try {
        std::vector<fluxburst::JobMark> marks;
        queue.for_each_job(
            [&](fluxburst::JobPtr job) {
                if (marks.size() < 4) marks.push_back({job->id(), "fuzz"});
            },
            [](fluxburst::QueueProblem) {});
        queue.mark_scheduled(marks);
        std::size_t after = 0;
        queue.for_each_job([&](fluxburst::JobPtr) { ++after; }, [](fluxburst::QueueProblem) {});
        for (const auto& m : marks) {
            auto job = queue.lookup(m.id);
            if (!job || job->scheduled_plugin() != "fuzz") std::abort();
        }
    } catch (const fluxburst::Error&) {
    }
    return 0;
}
