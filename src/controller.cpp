#include <fluxburst/controller.hpp>

#include <fluxburst/client.hpp>
#include <fluxburst/error.hpp>
#include "logger.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "controller_impl.hpp"

namespace fluxburst {

namespace {

std::string default_identity() {
    char host[256] = {0};
    if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "unknown host");
    std::time_t t = std::time(nullptr);
    char when[32] = {0};
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return fmt::format("flux-burst controller, pid {} on {}, since {}", ::getpid(), host, when);
}

void check_seconds(double value, const char* name, bool zero_ok) {
    if (!std::isfinite(value) || value < 0 || (!zero_ok && value == 0))
        throw Error(ErrorCode::usage,
                    fmt::format("controller policy: {} must be {} seconds, got {}", name,
                                zero_ok ? "0 or more" : "more than 0", value),
                    {"", name, ""});
}

void check_count(std::int64_t value, const char* name) {
    if (value < 0)
        throw Error(
            ErrorCode::usage,
            fmt::format("controller policy: {} must be 0 (no cap) or more, got {}", name, value),
            {"", name, ""});
}

}  // namespace

SteadyClock::duration seconds(double s) {
    if (s > 1e9) s = 1e9;  // ~31 years: no overflow of the clock's count
    return std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(s));
}

BurstSizing burst_sizing_from_name(const std::string& name) {
    if (name == "largest") return BurstSizing::LargestJob;
    if (name == "sum") return BurstSizing::SumOfJobs;
    throw Error(ErrorCode::usage,
                fmt::format("unknown burst sizing '{}': use \"largest\" (the largest job) or "
                            "\"sum\" (the sum of the jobs, capped by the plugin's limit)",
                            name),
                {"", "sizing", ""});
}

void ControllerPolicy::check() const {
    check_count(max_nodes_in_flight, "max_nodes_in_flight");
    check_count(max_plugin_nodes_in_flight, "max_plugin_nodes_in_flight");
    check_count(max_bursts_per_window, "max_bursts_per_window");
    check_seconds(burst_window, "burst_window", false);
    check_seconds(unburst_after, "unburst_after", true);
    check_seconds(up_timeout, "up_timeout", false);
    check_seconds(backoff_initial, "backoff_initial", true);
    check_seconds(backoff_max, "backoff_max", true);
    check_seconds(interval, "interval", false);
    check_seconds(batch_delay, "batch_delay", true);
    if (backoff_max < backoff_initial)
        throw Error(ErrorCode::usage,
                    fmt::format("controller policy: backoff_max ({} s) must not be less than "
                                "backoff_initial ({} s)",
                                backoff_max, backoff_initial),
                    {"", "backoff_max", ""});
}

std::int64_t PluginTrack::nodes() const {
    std::int64_t n = 0;
    for (const auto& b : bursts) n += b.nodes;
    return n;
}

PluginTrack* Controller::Impl::track(const std::string& name) {
    for (auto& t : plugins)
        if (t.plugin->name() == name) return &t;
    return nullptr;
}

Controller::Controller(Client& client, ControllerOptions options)
    : Controller(client.shared_queue(), client.plugins(), std::move(options),
                 client.has_default_selector() ? Selector() : client.selector(),
                 client.ordering()) {}

Controller::Controller(std::shared_ptr<JobQueue> queue, std::vector<BurstPlugin*> plugins,
                       ControllerOptions options, Selector selector, Ordering ordering)
    : impl_(std::make_unique<Impl>()) {
    if (!queue) throw Error("Controller: the queue must not be null");
    options.policy.check();
    if (options.identity.empty()) options.identity = default_identity();
    if (!options.clock) options.clock = [] { return SteadyClock::now(); };
    Impl& m = *impl_;
    m.options = std::move(options);
    m.queue = std::move(queue);
    m.selector = std::move(selector);
    m.ordering = ordering ? std::move(ordering) : ordering::in_order();
    for (BurstPlugin* p : plugins) {
        if (!p) throw Error("Controller: a plugin pointer is null");
        PluginTrack t;
        t.plugin = p;
        m.plugins.push_back(std::move(t));
    }
    if (::pipe2(m.wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        throw Error(fmt::format("Controller: cannot create a pipe: {}", std::strerror(errno)));
    m.claim = m.queue->claim(m.options.identity);  // QueueBusyError naming the holder
    TimePoint now = m.now();
    m.load_state(now);
    m.next_cycle = now;
    m.next_finish_check = now;
}

Controller::~Controller() {
    if (!impl_) return;
    for (int fd : impl_->wake_pipe)
        if (fd >= 0) ::close(fd);
}

const ControllerOptions& Controller::options() const {
    return impl_->options;
}

Controller::Step Controller::step() {
    Impl& m = *impl_;
    Step out;
    TimePoint now = m.now();
    std::vector<JobId> finished;
    if (m.queue->event_fd() >= 0) {
        QueueEvents events = m.queue->read_events();
        finished = std::move(events.finished);
        // Batch: jobs arriving together make one cycle.
        if (events.changed && m.next_cycle > now + seconds(m.options.policy.batch_delay))
            m.next_cycle = now + seconds(m.options.policy.batch_delay);
    }
    if (m.first_step || now >= m.next_cycle) {
        m.next_cycle = now + seconds(m.options.policy.interval);
        try {
            out.cycle = m.cycle(now);
        } catch (const QueueError& e) {
            if (m.first_step) throw;
            logger()->error("controller: burst cycle: {}; trying again in {} s", e.what(),
                            m.options.policy.interval);
        }
        m.first_step = false;
    }
    m.check_starting(now, out.unbursts);
    m.check_finished(now, finished);
    for (auto& r : m.unburst_idle(now)) out.unbursts.push_back(std::move(r));
    m.save_state();
    return out;
}

std::chrono::steady_clock::time_point Controller::next_due() const {
    const Impl& m = *impl_;
    TimePoint now = m.now();
    TimePoint due = m.next_cycle;
    bool any_active = false;
    for (const auto& t : m.plugins) {
        any_active = any_active || !t.active.empty();
        if (t.idle_since && !t.bursts.empty())
            due = std::min(due, *t.idle_since + seconds(m.options.policy.unburst_after));
        if (t.backed_off(now)) due = std::min(due, t.backoff_until);
        for (const auto& b : t.bursts)
            if (!b.up)
                due = std::min(due, std::min(b.started + seconds(m.options.policy.up_timeout),
                                             now + seconds(m.options.policy.interval)));
    }
    if (any_active) due = std::min(due, m.next_finish_check);
    return due;
}

void Controller::wait(double most) {
    Impl& m = *impl_;
    if (stopping()) return;
    auto left = next_due() - m.now();
    double wait_s = std::min(most, std::chrono::duration<double>(left).count());
    if (wait_s <= 0) return;
    // poll ignores negative descriptors.
    struct pollfd fds[3] = {{m.wake_pipe[0], POLLIN, 0},
                            {m.options.stop_fd, POLLIN, 0},
                            {m.queue->event_fd(), POLLIN, 0}};
    int timeout_ms = static_cast<int>(std::min(wait_s * 1000.0, 3.6e6)) + 1;
    int rc = ::poll(fds, 3, timeout_ms);
    if (rc > 0 && (fds[0].revents & POLLIN)) {
        char buf[64];
        while (::read(m.wake_pipe[0], buf, sizeof buf) > 0) {
        }
    }
    if (rc > 0 && (fds[1].revents & (POLLIN | POLLHUP))) m.stop_flag.store(true);
}

void Controller::run(const std::function<void(const BurstReport& report, bool cycle)>& report) {
    while (!stopping()) {
        Step s = step();
        if (report) {
            if (s.cycle) report(*s.cycle, true);
            for (const auto& u : s.unbursts) report(u, false);
        }
        if (stopping()) break;
        wait();
    }
}

void Controller::stop() {
    impl_->stop_flag.store(true);
    char c = 1;
    ssize_t n = ::write(impl_->wake_pipe[1], &c, 1);  // non-blocking; a full pipe is fine
    (void)n;
}

bool Controller::stopping() const {
    return impl_->stop_flag.load();
}

std::vector<ControllerPluginStatus> Controller::status() const {
    const Impl& m = *impl_;
    TimePoint now = m.now();
    std::vector<ControllerPluginStatus> out;
    for (const auto& t : m.plugins) {
        ControllerPluginStatus s;
        s.plugin = t.plugin->name();
        s.nodes_in_flight = t.nodes();
        s.bursts = t.bursts.size();
        for (const auto& b : t.bursts) s.bursts_starting += b.up ? 0 : 1;
        s.active_jobs = t.active.size();
        s.idle = !t.bursts.empty() && t.active.empty();
        s.failures = t.failures;
        if (t.backed_off(now))
            s.backoff_seconds = std::chrono::duration<double>(t.backoff_until - now).count();
        out.push_back(std::move(s));
    }
    return out;
}

nlohmann::json Controller::status_json() const {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : status())
        out.push_back({{"plugin", s.plugin},
                       {"nodes_in_flight", s.nodes_in_flight},
                       {"bursts", s.bursts},
                       {"bursts_starting", s.bursts_starting},
                       {"active_jobs", s.active_jobs},
                       {"idle", s.idle},
                       {"failures", s.failures},
                       {"backoff_seconds", s.backoff_seconds}});
    return out;
}

}  // namespace fluxburst
