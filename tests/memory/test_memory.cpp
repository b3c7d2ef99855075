// Memory a jobs file costs, counted by this executable's own operator new (own
// executable: the counting must not slow down or skew the other tests). Every
// allocation of the library goes through it: the count is the bytes malloc
// hands out (malloc_usable_size), current and peak.
#include <fluxburst/queue.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include <malloc.h>

#include <catch2/catch.hpp>

#include "test_support.hpp"

namespace {

std::atomic<std::size_t> in_use{0};
std::atomic<std::size_t> peak{0};

void* counted(std::size_t n, bool nothrow) {
    void* p = std::malloc(n ? n : 1);
    if (!p) {
        if (nothrow) return nullptr;
        throw std::bad_alloc();
    }
    std::size_t now = in_use += malloc_usable_size(p);
    std::size_t seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
    return p;
}

void uncounted(void* p) {
    if (!p) return;
    in_use -= malloc_usable_size(p);
    std::free(p);
}

// The peak from now on.
void reset_peak() {
    peak = in_use.load();
}

// A tiny burstable job, as bench/run.sh's 1e6 case has (about 230 bytes).
std::string tiny_job(std::size_t id) {
    return R"({"id":)" + std::to_string(1000000 + id) +
           R"(,"name":"t","nnodes":1,"ntasks":1,"spec":{"attributes":{"system":{"burstable":1}},)"
           R"("resources":[{"count":1,"type":"node"}],"tasks":[{"command":["true"],"count":)"
           R"({"per_slot":1},"slot":"task"}],"version":1},"state":8})";
}

}  // namespace

void* operator new(std::size_t n) {
    return counted(n, false);
}
void* operator new[](std::size_t n) {
    return counted(n, false);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    return counted(n, true);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    return counted(n, true);
}
void operator delete(void* p) noexcept {
    uncounted(p);
}
void operator delete[](void* p) noexcept {
    uncounted(p);
}
void operator delete(void* p, std::size_t) noexcept {
    uncounted(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    uncounted(p);
}

TEST_CASE("a listed job costs its text and a small fixed part") {
    const std::size_t count = 20000;
    test::TempDir dir;
    std::string text = "{\"jobs\": [\n";
    std::size_t job_text = 0;
    for (std::size_t i = 0; i < count; ++i) {
        std::string job = tiny_job(i);
        job_text += job.size();
        text += job + (i + 1 < count ? ",\n" : "\n");
    }
    text += "]}\n";
    test::write_text(dir.file("jobs.json"), text);
    fluxburst::FileQueue queue(dir.file("jobs.json"));
    std::size_t before = in_use;
    std::vector<fluxburst::JobPtr> jobs = queue.list_jobs();
    REQUIRE(jobs.size() == count);
    double per_job = (double(in_use - before) - double(job_text)) / double(count);
    INFO("bytes per listed job besides its text: " << per_job);
    // The Job (id, counts, state, name, its shared count) and its text's
    // allocation, the listing's record of where it is, the vector holding it.
    CHECK(per_job <= 300);
}

TEST_CASE("listing and marking a file of jobs: the peak is the file, the jobs and little more") {
    const std::size_t count = 20000;
    test::TempDir dir;
    std::string text = "{\"jobs\": [\n";
    for (std::size_t i = 0; i < count; ++i) text += tiny_job(i) + (i + 1 < count ? ",\n" : "\n");
    text += "]}\n";
    test::write_text(dir.file("jobs.json"), text);
    std::size_t file = text.size();
    text = std::string();
    fluxburst::FileQueue queue(dir.file("jobs.json"));
    std::size_t before = in_use;
    reset_peak();
    std::vector<fluxburst::JobPtr> jobs = queue.list_jobs();
    std::size_t listed = in_use - before;
    std::size_t listing_peak = peak - before;
    std::vector<fluxburst::JobMark> marks;
    for (const auto& job : jobs) marks.push_back({job->id(), "mock"});
    std::size_t held = in_use - before;
    reset_peak();
    queue.mark_scheduled(marks);
    std::size_t marking_peak = peak - before;
    INFO("file " << file << " bytes; jobs listed " << listed << "; listing's peak " << listing_peak
                 << "; before marking " << held << "; marking's peak " << marking_peak);
    // Listing: the file's text and the jobs, not an index several times the file.
    CHECK(listing_peak <= file + listed + file / 2);
    // Marking: the file's text once more, beside what is held, plus a buffer.
    CHECK(marking_peak <= held + file + file / 4 + (2u << 20));
}
