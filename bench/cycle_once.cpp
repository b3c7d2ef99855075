// fluxburst-bench-cycle: one burst cycle over a jobs file (or an in-memory queue
// of N generated jobs) with the mock plugin, printing wall time and peak memory.
// Used by bench/run.sh to measure what one cycle costs a real process.
//   fluxburst-bench-cycle file JOBS_FILE
//   fluxburst-bench-cycle mock N
#include <fluxburst/fluxburst.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include <sys/resource.h>

#include "queue_generator.hpp"

int main(int argc, char** argv) {
    if (argc != 3 || (std::strcmp(argv[1], "file") != 0 && std::strcmp(argv[1], "mock") != 0)) {
        std::cerr << "usage: fluxburst-bench-cycle file JOBS_FILE | mock N\n";
        return 2;
    }
    std::shared_ptr<fluxburst::JobQueue> queue;
    if (std::strcmp(argv[1], "file") == 0) {
        queue = std::make_shared<fluxburst::FileQueue>(argv[2]);
    } else {
        queue = std::make_shared<fluxburst::MockQueue>(
            bench::make_jobs(1, std::strtoull(argv[2], nullptr, 10)));
    }
    fluxburst::Client client(queue);
    client.load("mock", {{"max_nodes", 16}});
    auto start = std::chrono::steady_clock::now();
    fluxburst::BurstReport report = client.run_burst();
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    struct rusage ru {};
    ::getrusage(RUSAGE_SELF, &ru);
    std::printf(
        "{\"jobs\": %zu, \"selected\": %zu, \"assigned\": %zu, \"seconds\": %.4f, "
        "\"jobs_per_second\": %.0f, \"peak_rss_mb\": %.1f, \"list_select\": %.4f, "
        "\"schedule\": %.4f, \"mark\": %.4f, \"run\": %.4f}\n",
        report.jobs_seen, report.selected.size(), report.assignments.size(), wall,
        report.jobs_seen / wall, ru.ru_maxrss / 1024.0, report.timings.list_select,
        report.timings.schedule, report.timings.mark, report.timings.run);
    return report.ok() ? 0 : 1;
}
