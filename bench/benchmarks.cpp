// Google Benchmark cases for flux-burst: one cycle over synthetic queues (file and
// in-memory), plugin discovery and loading, parameter merge. bench/run.sh runs
// these plus per-process peak-memory measurements and prints one table.
#include <benchmark/benchmark.h>

#include <fluxburst/fluxburst.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "queue_generator.hpp"

namespace {

std::string bench_dir() {
    static std::string dir = [] {
        std::string tmpl =
            std::filesystem::temp_directory_path().string() + "/fluxburst-bench-XXXXXX";
        if (!::mkdtemp(tmpl.data())) std::abort();
        return tmpl;
    }();
    return dir;
}

// The pristine queue file for `n` jobs (generated once).
const std::string& pristine(std::size_t n) {
    static std::map<std::size_t, std::string> files;
    auto it = files.find(n);
    if (it == files.end()) {
        std::string path = bench_dir() + "/queue-" + std::to_string(n) + ".json";
        bench::write_queue_file(path, 1, n);
        it = files.emplace(n, path).first;
    }
    return it->second;
}

void count_jobs(benchmark::State& state, std::size_t n) {
    state.counters["jobs_per_second"] =
        benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_CycleFileQueue(benchmark::State& state) {
    std::size_t n = static_cast<std::size_t>(state.range(0));
    const std::string& original = pristine(n);
    std::string work = bench_dir() + "/work-" + std::to_string(n) + ".json";
    for (auto _ : state) {
        state.PauseTiming();
        std::filesystem::copy_file(original, work,
                                   std::filesystem::copy_options::overwrite_existing);
        fluxburst::Client client(std::make_shared<fluxburst::FileQueue>(work));
        client.load("mock", {{"max_nodes", 16}});
        state.ResumeTiming();
        auto report = client.run_burst();
        benchmark::DoNotOptimize(report);
    }
    count_jobs(state, n);
}
BENCHMARK(BM_CycleFileQueue)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CycleFileQueue)->Arg(100000)->Iterations(3)->Unit(benchmark::kMillisecond);

void BM_CycleMockQueue(benchmark::State& state) {
    std::size_t n = static_cast<std::size_t>(state.range(0));
    std::vector<nlohmann::json> jobs = bench::make_jobs(1, n);
    for (auto _ : state) {
        state.PauseTiming();
        fluxburst::Client client(std::make_shared<fluxburst::MockQueue>(jobs));
        client.load("mock", {{"max_nodes", 16}});
        state.ResumeTiming();
        auto report = client.run_burst();
        benchmark::DoNotOptimize(report);
    }
    count_jobs(state, n);
}
BENCHMARK(BM_CycleMockQueue)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CycleMockQueue)->Arg(100000)->Iterations(3)->Unit(benchmark::kMillisecond);

void BM_DiscoverPlugins(benchmark::State& state) {
    fluxburst::Client client;
    for (auto _ : state) {
        auto found = client.discover();
        benchmark::DoNotOptimize(found);
    }
}
BENCHMARK(BM_DiscoverPlugins)->Unit(benchmark::kMicrosecond);

void BM_LoadMockPlugin(benchmark::State& state) {
    for (auto _ : state) {
        fluxburst::Client client;
        auto& p = client.load("mock", {{"max_nodes", 16}});
        benchmark::DoNotOptimize(&p);
    }
}
BENCHMARK(BM_LoadMockPlugin)->Unit(benchmark::kMicrosecond);

void BM_ParamMerge(benchmark::State& state) {
    fluxburst::ParamSchema schema = {
        {"max_nodes", fluxburst::ParamType::Integer, 8, false, ""},
        {"cluster_prefix", fluxburst::ParamType::String, "mock", false, ""},
        {"hostnames", fluxburst::ParamType::List, nlohmann::json::array(), false, ""},
        {"ratio", fluxburst::ParamType::Number, 0.5, false, ""},
        {"dry_run", fluxburst::ParamType::Boolean, false, false, ""}};
    nlohmann::json given = {{"max_nodes", "16"}, {"hostnames", "a,b,c"}, {"dry_run", true}};
    for (auto _ : state) {
        auto merged = fluxburst::merge_params("mock", schema, given, {{"ratio", 0.75}});
        benchmark::DoNotOptimize(merged);
    }
}
BENCHMARK(BM_ParamMerge)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
