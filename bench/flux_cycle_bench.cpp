// One burst cycle over N pending burstable jobs of a live Flux instance: the
// listing (one job-list.list), the jobspec lookups, selection, the mock plugin's
// schedule() for every job, the memos, and the plugin's run().
//
//   flux_cycle_bench [--jobs N] [--runs R] [--window W] [--single-response]
//   flux_cycle_bench --clear-marks     (inside an instance: remove every pending
//                                       job's fluxburst memo, for bench/run.sh)
//
// Outside a Flux instance it starts a one-broker test instance for itself
// (flux start) with its queue stopped, so that the jobs stay pending. Inside one
// (FLUX_URI set) it uses that instance, stopping its queue: use a test instance.
// Each run removes the memos of the previous one first (not timed).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fluxburst/flux_queue.hpp>
#include <fluxburst/fluxburst.hpp>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Args {
    long jobs = 1000;
    int runs = 5;
    std::size_t window = 256;
    bool streaming = true;
    bool clear_marks = false;
};

[[noreturn]] void usage(const char* why) {
    std::cerr
        << "flux_cycle_bench: " << why
        << "\nusage: flux_cycle_bench [--jobs N] [--runs R] [--window W] [--single-response]\n";
    std::exit(2);
}

Args parse(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&]() -> long {
            if (i + 1 >= argc) usage(("missing value after " + arg).c_str());
            char* end = nullptr;
            long v = std::strtol(argv[++i], &end, 10);
            if (!end || *end || v < 1) usage(("bad value for " + arg).c_str());
            return v;
        };
        if (arg == "--jobs")
            a.jobs = value();
        else if (arg == "--runs")
            a.runs = static_cast<int>(value());
        else if (arg == "--window")
            a.window = static_cast<std::size_t>(value());
        else if (arg == "--clear-marks")
            a.clear_marks = true;
        else if (arg == "--single-response")
            a.streaming = false;
        else
            usage(("unknown argument " + arg).c_str());
    }
    return a;
}

void run_or_die(const std::string& command) {
    if (std::system(command.c_str()) != 0) {
        std::cerr << "flux_cycle_bench: failed: " << command << "\n";
        std::exit(1);
    }
}

double cpu_seconds() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    Args args = parse(argc, argv);
    const char* uri = std::getenv("FLUX_URI");
    if (!uri || !*uri) {
        // Start a private test instance and run inside it.
        std::vector<char*> argv2 = {const_cast<char*>("flux"), const_cast<char*>("start"),
                                    const_cast<char*>("-Slog-stderr-level=3")};
        char self[4096];
        ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0) usage("cannot find my own path");
        self[n] = '\0';
        argv2.push_back(self);
        for (int i = 1; i < argc; ++i) argv2.push_back(argv[i]);
        argv2.push_back(nullptr);
        ::execvp("flux", argv2.data());
        std::cerr << "flux_cycle_bench: cannot run 'flux start' (" << std::strerror(errno)
                  << "): put flux on PATH (e.g. PATH=/opt/flux/bin:$PATH)\n";
        return 77;
    }

    if (args.clear_marks) {
        fluxburst::FluxQueue queue;
        std::vector<fluxburst::JobId> ids;
        queue.for_each_job([&](fluxburst::JobPtr j) { ids.push_back(j->id()); },
                           [](fluxburst::QueueProblem) {});
        std::cout << "cleared " << queue.clear_marks(ids) << " of " << ids.size() << " memos\n";
        return 0;
    }
    std::cout << "instance: " << uri << "\n";
    run_or_die("flux queue stop --quiet >/dev/null 2>&1 || flux queue stop >/dev/null");
    auto t0 = std::chrono::steady_clock::now();
    run_or_die("cd / && flux submit --quiet --cc=1-" + std::to_string(args.jobs) +
               " --setattr=burstable -N1 --job-name=bench true >/dev/null");
    fluxburst::FluxQueue::Options options;
    options.window = args.window;
    options.streaming = args.streaming;
    auto queue = std::make_shared<fluxburst::FluxQueue>("", options);
    // Setup only (not measured): wait until job-list shows every job pending.
    std::vector<fluxburst::JobId> ids;
    for (int tries = 0;; ++tries) {
        ids.clear();
        queue->for_each_job([&](fluxburst::JobPtr j) { ids.push_back(j->id()); },
                            [](fluxburst::QueueProblem) {});
        if (static_cast<long>(ids.size()) >= args.jobs) break;
        if (tries > 600) {
            std::cerr << "flux_cycle_bench: only " << ids.size()
                      << " jobs pending after a minute\n";
            return 1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    double submit_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "submitted " << ids.size() << " pending burstable jobs in " << submit_s
              << " s (not timed)\n";

    std::vector<double> total, list_select, schedule, mark, run;
    for (int r = 0; r < args.runs; ++r) {
        queue->clear_marks(ids);  // a fresh queue for every run (not timed)
        std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let job-list see it
        fluxburst::Client client(queue);
        client.add_plugin_dir(BENCH_PLUGIN_DIR);
        client.load("mock", {{"max_nodes", 64}});
        double cpu0 = cpu_seconds();
        auto start = std::chrono::steady_clock::now();
        fluxburst::BurstReport report = client.run_burst();
        double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        double cpu = cpu_seconds() - cpu0;
        if (static_cast<long>(report.assignments.size()) != args.jobs || !report.skipped.empty()) {
            std::cerr << "flux_cycle_bench: run " << r << ": " << report.assignments.size()
                      << " jobs scheduled, " << report.skipped.size() << " skipped; expected "
                      << args.jobs << "\n";
            return 1;
        }
        std::printf(
            "run %d: %.3f s  (list+lookup+select %.3f, schedule %.3f, memos %.3f, plugin run "
            "%.3f; this process's CPU %.3f s)\n",
            r + 1, wall, report.timings.list_select, report.timings.schedule, report.timings.mark,
            report.timings.run, cpu);
        total.push_back(wall);
        list_select.push_back(report.timings.list_select);
        schedule.push_back(report.timings.schedule);
        mark.push_back(report.timings.mark);
        run.push_back(report.timings.run);
    }
    std::printf(
        "one cycle over %ld pending jobs: median %.3f s, best %.3f s over %d runs "
        "(median list+lookup+select %.3f, schedule %.3f, memos %.3f; window %zu, %s)\n",
        args.jobs, median(total), *std::min_element(total.begin(), total.end()), args.runs,
        median(list_select), median(schedule), median(mark), args.window,
        args.streaming ? "streaming listing" : "single-response listing");
    return 0;
}
