// The controller on a live Flux instance (issue 11, item 1):
//
//   controller_bench latency [--jobs N]   from the submission of a burstable job
//                                         (flux_job_submit) to the plugin's run()
//                                         starting: p50, p95, max over N jobs (200)
//   controller_bench idle [--jobs N]      CPU of an idle cycle (nothing new to
//                                         burst) while N served jobs (10,000) run
//
// Outside a Flux instance it starts a one-broker test instance for itself (flux
// start) whose one fake node has enough cores for every job; jobs "run" with
// Flux's test execution (attributes.system.exec.test), so no process is started.
#include <flux/core.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fluxburst/controller.hpp>
#include <fluxburst/flux_queue.hpp>
#include <fluxburst/fluxburst.hpp>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& why) {
    std::cerr << "controller_bench: " << why << "\n";
    std::exit(1);
}

double cpu_seconds() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double quantile(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    std::size_t i = static_cast<std::size_t>(q * (v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

// A plugin that takes every job and records when run() starts for each.
class TimingPlugin : public fluxburst::BurstPlugin {
public:
    TimingPlugin() {
        fluxburst::detail::PluginAccess::attach(*this, "timing", fluxburst::Params());
    }
    bool schedule(const fluxburst::Job&) override { return true; }
    fluxburst::BurstResult run(const fluxburst::BurstRequest& request) override {
        auto now = Clock::now();
        std::lock_guard<std::mutex> lock(mutex);
        for (const auto& job : request.jobs) started[job->id()] = now;
        return {"recorded", nlohmann::json::object()};
    }
    fluxburst::BurstResult unburst() override {
        return {"nothing to give back", nlohmann::json::object()};
    }

    std::mutex mutex;
    std::unordered_map<fluxburst::JobId, Clock::time_point> started;
};

// The jobspec of `flux submit <args> true`, made once by the flux command.
std::string jobspec(const std::string& args) {
    std::string command = "cd / && flux submit --dry-run " + args + " true";
    FILE* p = ::popen(command.c_str(), "r");
    if (!p) die("cannot run flux submit --dry-run");
    std::string out;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    if (::pclose(p) != 0 || out.empty()) die("flux submit --dry-run " + args + " failed");
    return out;
}

fluxburst::JobId submit(flux_t* h, const std::string& spec) {
    flux_future_t* f = flux_job_submit(h, spec.c_str(), 16, 0);
    flux_jobid_t id = 0;
    if (!f || flux_job_submit_get_id(f, &id) < 0)
        die(std::string("flux_job_submit: ") +
            (f ? flux_future_error_string(f) : std::strerror(errno)));
    flux_future_destroy(f);
    return id;
}

int latency(int jobs) {
    flux_t* h = flux_open(nullptr, 0);
    if (!h) die("cannot connect to the instance");
    // The queue stopped: the jobs stay pending (as if they needed the burst).
    if (std::system("flux queue stop >/dev/null 2>&1") != 0) die("flux queue stop failed");
    std::string spec = jobspec("-n1 --setattr=system.burstable=1");
    TimingPlugin plugin;
    fluxburst::ControllerOptions options;
    options.identity = "controller_bench";
    fluxburst::Controller controller(std::make_shared<fluxburst::FluxQueue>(), {&plugin}, options);
    std::thread serving([&] { controller.run({}); });
    std::vector<double> ms;
    std::vector<fluxburst::JobId> ids;
    for (int i = 0; i < jobs; ++i) {
        auto t0 = Clock::now();
        fluxburst::JobId id = submit(h, spec);
        ids.push_back(id);
        for (;;) {
            {
                std::lock_guard<std::mutex> lock(plugin.mutex);
                auto it = plugin.started.find(id);
                if (it != plugin.started.end()) {
                    ms.push_back(
                        std::chrono::duration<double, std::milli>(it->second - t0).count());
                    if (ms.back() > 1000)
                        std::fprintf(stderr, "slow: job %s: %.0f ms\n",
                                     fluxburst::job_id_f58(id).c_str(), ms.back());
                    break;
                }
            }
            if (Clock::now() - t0 > std::chrono::seconds(30)) die("no run() within 30 s");
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // one job per cycle
    }
    controller.stop();
    serving.join();
    std::printf(
        "submission -> run() start over %d burstable jobs: p50 %.1f ms, p95 %.1f ms, max %.1f ms "
        "(%zu pending jobs at the end)\n",
        jobs, quantile(ms, 0.5), quantile(ms, 0.95), quantile(ms, 1.0), ids.size());
    flux_close(h);
    return 0;
}

// Submit `count` copies of `spec` in batches: up to `window` submissions in flight
// at once (the futures are answered in any order), as `flux submit --cc` does.
std::vector<fluxburst::JobId> submit_batch(flux_t* h, const std::string& spec, int count,
                                           int window = 256) {
    std::vector<fluxburst::JobId> ids;
    std::vector<flux_future_t*> inflight;
    auto collect = [&] {
        for (flux_future_t* f : inflight) {
            flux_jobid_t id = 0;
            if (flux_job_submit_get_id(f, &id) < 0)
                die(std::string("flux_job_submit: ") + flux_future_error_string(f));
            ids.push_back(id);
            flux_future_destroy(f);
        }
        inflight.clear();
    };
    for (int i = 0; i < count; ++i) {
        flux_future_t* f = flux_job_submit(h, spec.c_str(), 16, 0);
        if (!f) die(std::string("flux_job_submit: ") + std::strerror(errno));
        inflight.push_back(f);
        if (static_cast<int>(inflight.size()) >= window) collect();
    }
    collect();
    return ids;
}

long running_jobs() {
    FILE* p = ::popen("flux jobs -c 0 -n -f running -o '{id}' | wc -l", "r");
    char buf[64] = {0};
    long n = -1;
    if (p && std::fgets(buf, sizeof buf, p)) n = std::atol(buf);
    if (p) ::pclose(p);
    return n;
}

int idle(int jobs) {
    flux_t* h = flux_open(nullptr, 0);
    if (!h) die("cannot connect to the instance");
    // One core each, run by the test executor for an hour: they stay running.
    std::string spec =
        jobspec("-n1 --setattr=system.burstable=1 --setattr=system.exec.test.run_duration=3600s");
    TimingPlugin plugin;
    fluxburst::ControllerOptions options;
    options.identity = "controller_bench";
    // The default policy (a cycle every 5 s interval; served jobs' ends from the
    // journal, checked by request every 12 intervals). The controller's clock follows
    // the real one during the setup; the measured steps move it by an interval each,
    // so that each is the cycle a service makes every 5 s, without waiting for it.
    Clock::time_point now = Clock::now();
    options.clock = [&now] { return now; };
    auto tick = [&now] { now = std::max(now, Clock::now()); };
    auto queue = std::make_shared<fluxburst::FluxQueue>();
    fluxburst::Controller controller(queue, {&plugin}, options);
    controller.step();
    auto t0 = Clock::now();
    const double interval = options.policy.interval;
    // Setup: the queue stopped, so that every job is still pending when the
    // controller serves it; submitted in batches, served as they come.
    if (std::system("flux queue stop >/dev/null 2>&1") != 0) die("flux queue stop failed");
    const int batch = 1000;
    for (int done = 0; done < jobs; done += batch) {
        submit_batch(h, spec, std::min(batch, jobs - done));
        tick();
        controller.step();
    }
    while (true) {
        controller.wait(0.5);
        tick();
        controller.step();
        auto st = controller.status();
        if (!st.empty() && st[0].active_jobs >= static_cast<std::size_t>(jobs)) break;
        if (Clock::now() - t0 > std::chrono::minutes(10)) die("jobs not all served in 10 min");
    }
    double served_s = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("%d jobs submitted and served in %.0f s; starting them\n", jobs, served_s);
    if (std::system("flux queue start >/dev/null 2>&1") != 0) die("flux queue start failed");
    // Wait until they run (the scheduler allocates them), stepping as a service would.
    while (running_jobs() < jobs) {
        if (Clock::now() - t0 > std::chrono::minutes(20)) die("jobs not all running in 20 min");
        for (int i = 0; i < 10; ++i) {
            controller.wait(0.1);
            tick();
            controller.step();
        }
    }
    std::printf("%d served jobs running (submitted and served in %.0f s, running after %.0f s)\n",
                jobs, served_s, std::chrono::duration<double>(Clock::now() - t0).count());
    // Idle cycles: nothing pending, nothing finished; each step is an interval later
    // (a burst cycle), every 12th also checks the served jobs by request.
    const int cycles = 120;
    std::vector<double> cpu_ms, wall_ms;
    int ran_cycles = 0;
    double cpu_total = 0;
    for (int i = 0; i < cycles; ++i) {
        tick();
        now += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval));
        double c0 = cpu_seconds();
        auto w0 = Clock::now();
        fluxburst::Controller::Step s = controller.step();
        double c1 = cpu_seconds();
        auto w1 = Clock::now();
        ran_cycles += s.cycle ? 1 : 0;
        cpu_ms.push_back((c1 - c0) * 1000);
        cpu_total += (c1 - c0) * 1000;
        wall_ms.push_back(std::chrono::duration<double, std::milli>(w1 - w0).count());
    }
    auto st = controller.status();
    std::printf(
        "idle cycle with %d served jobs running (%d steps %.0f s apart, %d with a burst cycle, "
        "%zu jobs still served): CPU p50 %.2f ms, p95 %.2f ms, mean %.2f ms (with the check "
        "of served jobs every 12th), max %.2f ms; wall p50 %.2f ms\n",
        jobs, cycles, interval, ran_cycles, st.empty() ? 0 : st[0].active_jobs,
        quantile(cpu_ms, 0.5), quantile(cpu_ms, 0.95), cpu_total / cycles, quantile(cpu_ms, 1.0),
        quantile(wall_ms, 0.5));
    flux_close(h);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) die("usage: controller_bench latency|idle [--jobs N]");
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // lines as they come, also into a file
    std::string mode = argv[1];
    int jobs = mode == "idle" ? 10000 : 200;
    for (int i = 2; i + 1 < argc; i += 2)
        if (std::string(argv[i]) == "--jobs") jobs = std::atoi(argv[i + 1]);
    if (jobs < 1) die("--jobs must be at least 1");
    const char* uri = std::getenv("FLUX_URI");
    if (!uri || !*uri) {
        // A private test instance: one fake node with a core per job (and some).
        char dir[] = "/tmp/controller_bench.XXXXXX";
        if (!::mkdtemp(dir)) die("mkdtemp failed");
        std::string conf = std::string(dir) + "/conf.d";
        std::string cores = std::to_string(std::max(jobs, 2) + 16 - 1);
        std::string setup = "mkdir -p " + conf + " && flux R encode --hosts=fake0 --cores=0-" +
                            cores + " > " + dir + "/R && printf '[resource]\\npath = \"" + dir +
                            "/R\"\\nnoverify = true\\n[ingest.validator]\\ndisable = true\\n' > " +
                            conf + "/bench.toml";
        if (std::system(setup.c_str()) != 0) die("cannot write the test instance's config");
        ::setenv("CONTROLLER_BENCH_DIR", dir, 1);  // removed by the run inside
        std::vector<std::string> args = {"flux", "start", "--config-path=" + conf,
                                         "-Shostname=fake0", "-Slog-stderr-level=3"};
        char self[4096];
        ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0) die("cannot find my own path");
        self[n] = '\0';
        args.push_back(self);
        for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
        std::vector<char*> argv2;
        for (auto& a : args) argv2.push_back(a.data());
        argv2.push_back(nullptr);
        ::execvp("flux", argv2.data());
        die("cannot run 'flux start': put flux on PATH (e.g. PATH=/opt/flux/bin:$PATH)");
    }
    std::printf("instance %s; machine: %ld cores; load average:", uri,
                sysconf(_SC_NPROCESSORS_ONLN));
    std::ifstream load("/proc/loadavg");
    std::string l1;
    load >> l1;
    std::printf(" %s (1 min)\n", l1.c_str());
    int rc = mode == "idle" ? idle(jobs) : latency(jobs);
    if (const char* dir = std::getenv("CONTROLLER_BENCH_DIR")) {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    return rc;
}
