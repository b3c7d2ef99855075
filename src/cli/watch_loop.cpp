#include "watch_loop.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "logger.hpp"

#include "duration.hpp"
#include "signals.hpp"
#include "table.hpp"

namespace fluxburst::cli {

namespace {

void emit(std::ostream& out, const BurstReport& report, bool json, std::size_t cycle,
          bool is_cycle) {
    if (json) {
        nlohmann::json j = report.to_json();
        j["cycle"] = cycle;
        out << j.dump() << "\n";
    } else {
        out << fmt::format("--- cycle {}{} ---\n", cycle, is_cycle ? "" : ": unburst");
        print_report(out, report, is_cycle);
        out << "\n";
    }
    out.flush();
}

}  // namespace

int watch(Client& client, const WatchSettings& settings, std::ostream& out) {
    signals::install_stop_handlers();
    ControllerOptions options;
    options.policy = settings.policy;
    options.state_path = settings.state_file;
    options.stop_fd = signals::stop_fd();
    Controller controller(client, options);  // QueueBusyError: another controller holds it
    logger()->info(
        "watch: a cycle when the queue changes, at least every {}; unburst after {} idle; "
        "stop with SIGINT or SIGTERM",
        format_duration(settings.policy.interval), format_duration(settings.policy.unburst_after));

    std::size_t cycle = 0;
    while (!signals::stop_requested() && !controller.stopping()) {
        Controller::Step step = controller.step();  // QueueError at the first step: exit 1
        if (step.cycle) {
            ++cycle;
            const BurstReport& r = *step.cycle;
            if (cycle == 1 || !r.assignments.empty() || !r.plugins.empty())
                emit(out, r, settings.json, cycle, true);
            else
                logger()->info("watch: cycle {}: {} entries read, nothing to burst", cycle,
                               r.jobs_seen);
        }
        for (const auto& u : step.unbursts) emit(out, u, settings.json, cycle, false);
        if (signals::stop_requested()) break;
        controller.wait();
    }
    logger()->info("watch: stopped by signal {}", signals::stop_signal());
    return 0;
}

}  // namespace fluxburst::cli
