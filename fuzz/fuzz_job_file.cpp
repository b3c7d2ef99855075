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
    // The file is malformed exactly when nlohmann's parser says it is not JSON, and
    // every job listed reads the same from its text as nlohmann's full parse.
    {
        // (nlohmann's parser takes a NUL byte for the end of its input; JSON has no
        // place for one, inside strings or out.)
        std::string_view text(reinterpret_cast<const char*>(data), size);
        bool json_ok = text.find('\0') == std::string_view::npos && nlohmann::json::accept(text);
        fluxburst::FileQueue queue(a);
        bool listed = true, not_json = false;
        try {
            queue.for_each_job(
                [&](fluxburst::JobPtr job) {
                    fluxburst::JobPtr full;
                    try {
                        full = fluxburst::Job::parse(job->raw());
                    } catch (const fluxburst::Error&) {
                        std::abort();  // listed, yet the full parse calls it malformed
                    }
                    if (full->id() != job->id() || full->nodes() != job->nodes() ||
                        full->tasks() != job->tasks() || full->burstable() != job->burstable() ||
                        full->burst_scheduled() != job->burst_scheduled() ||
                        full->scheduled_plugin() != job->scheduled_plugin() ||
                        full->preferred_plugin() != job->preferred_plugin() ||
                        full->state() != job->state() || full->name() != job->name())
                        std::abort();
                },
                [](fluxburst::QueueProblem) {});
        } catch (const fluxburst::QueueError& e) {
            listed = false;
            not_json = std::string(e.what()).find("not valid JSON") != std::string::npos;
        }
        // nlohmann skips a byte order mark; a jobs file must not have one.
        bool bom = size >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF;
        if (!json_ok && listed) std::abort();
        if (json_ok && not_json && !bom) std::abort();
    }
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
