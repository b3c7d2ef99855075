// A controller running for a long time keeps only what its live bursts need.
#include <catch2/catch.hpp>

#include <malloc.h>

#include <fluxburst/controller.hpp>

#include "controller_support.hpp"

namespace {

std::size_t heap_in_use() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    return mallinfo2().uordblks;
#else
    return 0;
#endif
}

}  // namespace

TEST_CASE("controller: memory stays flat over 10,000 burst and unburst cycles") {
    test::FakeClock clock;
    auto queue = std::make_shared<test::ScriptedQueue>();
    test::ScriptedPlugin plugin("mock");
    fluxburst::ControllerOptions o;
    o.clock = clock.fn();
    o.identity = "memory test";
    o.policy.interval = 1;
    o.policy.unburst_after = 1;
    fluxburst::Controller c(queue, {&plugin}, o);
    std::size_t at_1000 = 0;
    for (fluxburst::JobId id = 1; id <= 10000; ++id) {
        queue->add(id, 1 + id % 7);
        c.step();  // burst
        queue->finish(id);
        clock.advance(1);
        c.step();  // notices the end: idle
        clock.advance(1);
        auto s = c.step();  // unburst
        REQUIRE(s.unbursts.size() == 1);
        queue->remove(id);
        plugin.runs.clear();
        plugin.runs.shrink_to_fit();
        if (id == 1000) at_1000 = heap_in_use();
    }
    CHECK(plugin.unbursts == 10000);
    auto status = c.status();
    CHECK(status[0].bursts == 0);
    CHECK(status[0].active_jobs == 0);
    // Allow for allocator noise, not for anything per job (10,000 jobs would be
    // megabytes).
    std::size_t at_end = heap_in_use();
    INFO("heap in use after 1,000 cycles: " << at_1000 << ", after 10,000: " << at_end);
    CHECK(at_end <= at_1000 + 64 * 1024);
}
