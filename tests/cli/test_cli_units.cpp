// Parts of the command tested directly (no process): the report table, the text
// made safe for a terminal, durations.
#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>

#include <catch2/catch.hpp>

#include "duration.hpp"
#include "exit_codes.hpp"
#include "table.hpp"
#include "terminal_text.hpp"

using fluxburst::cli::terminal_text;

TEST_CASE("terminal text: control characters, bad UTF-8 and bidi overrides become '?'") {
    CHECK(terminal_text("plain name-1.2", 100) == "plain name-1.2");
    CHECK(terminal_text("\x1b[2J\x1b[Hx", 100) == "?[2J?[Hx");
    CHECK(terminal_text("a\nb\rc\td\x7f", 100) == "a?b?c?d?");
    CHECK(terminal_text("\xc2\x9b"
                        "31m",
                        100) == "?31m");  // C1 CSI, as UTF-8
    CHECK(terminal_text("\x9b"
                        "31m",
                        100) == "?31m");  // C1 CSI, a raw byte
    CHECK(terminal_text("\xe2\x80\xae"
                        "cba",
                        100) == "?cba");                 // right-to-left override
    CHECK(terminal_text("\xe2\x81\xa6x", 100) == "?x");  // isolate
    CHECK(terminal_text("\xc0\xaf", 100) == "??");       // overlong
    CHECK(terminal_text("\xed\xa0\x80", 100) == "???");  // surrogate
    CHECK(terminal_text("\xc3", 100) == "?");            // cut short
    CHECK(terminal_text("\xc6\x92"
                        "2Xm \xe2\x9c\x93 \xf0\x9f\x98\x80",
                        100) ==
          "\xc6\x92"
          "2Xm \xe2\x9c\x93 \xf0\x9f\x98\x80");  // ƒ, ✓, an emoji: kept
    CHECK(terminal_text(std::string(1000, 'a'), 10) == "aaaaaaaaaa...");
    CHECK(terminal_text(std::string(10, 'a'), 10) == std::string(10, 'a'));
    for (int c = 0; c < 256; ++c) {
        std::string out = terminal_text(std::string(1, static_cast<char>(c)), 10);
        for (unsigned char o : out) CHECK((o >= 0x20 && o < 0x7f));
    }
}

TEST_CASE("the report table: every cell safe, long cells capped, no forged rows") {
    fluxburst::BurstReport r;
    r.queue = "jobs file 'x'";
    r.jobs_seen = 3;
    r.selected = {1, 2, 3};
    r.assignments.push_back({1, "\x1b[2J\x1b[Hevil\nFAKEID  forged  1  mock  burst", 1, 1, "mock"});
    r.assignments.push_back({2, std::string(1 << 20, 'A'), 1, 1, "mock"});
    fluxburst::Unmatched u;
    u.id = 3;
    u.name = "bad\x1b]0;title\x07";
    u.reasons = {"mock: too big\x1b[31m"};
    r.unmatched.push_back(u);
    fluxburst::PluginOutcome o;
    o.plugin = "mock";
    o.action = "run";
    o.summary = "created\ncluster \x1b[1m";
    r.plugins.push_back(o);
    std::ostringstream out;
    fluxburst::cli::print_report(out, r, true);
    std::string text = out.str();
    INFO(text.substr(0, 2000));
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find('\x07') == std::string::npos);
    CHECK(text.find("\nFAKEID") == std::string::npos);
    CHECK(text.size() < 5000);  // a 1 MB name is not printed, nor padded into every row
    CHECK(text.find("evil?FAKEID") != std::string::npos);
    CHECK(text.find("ok: created?cluster ?[1m") != std::string::npos);
}

TEST_CASE("the report table takes linear time in the selected jobs") {
    fluxburst::BurstReport r;
    const std::size_t n = 200000;
    for (std::size_t i = 0; i < n; ++i) {
        r.selected.push_back(i + 1);
        r.assignments.push_back({i + 1, "job", 1, 1, i % 2 ? "alpha" : "beta"});
    }
    r.plugins.push_back({});
    r.plugins.back().plugin = "alpha";
    r.plugins.back().action = "run";
    r.plugins.back().ok = false;
    std::ostringstream out;
    auto start = std::chrono::steady_clock::now();
    fluxburst::cli::print_report(out, r, true);
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(took < 20);  // linear: about a second, a few under sanitizers; quadratic: 2e10 steps, hours
    std::string text = out.str();
    CHECK(text.find("run failed") != std::string::npos);
    CHECK(text.find("burst\n") != std::string::npos);
    CHECK(fluxburst::cli::job_outcome(r, 1) == "burst");
    CHECK(fluxburst::cli::job_outcome(r, 2) == "run failed");
    CHECK(fluxburst::cli::job_outcome(r, n + 5) == "unmatched");
}

TEST_CASE("durations: non-finite refused, huge capped, never overflowing") {
    using fluxburst::cli::checked_duration;
    using fluxburst::cli::max_duration_seconds;
    using fluxburst::cli::parse_duration;
    CHECK(parse_duration("5s", "t") == 5);
    CHECK(parse_duration("200ms", "t") == Approx(0.2));
    CHECK(parse_duration("1e10", "t") == max_duration_seconds);
    CHECK(parse_duration("1e300h", "t") == max_duration_seconds);
    for (const char* bad :
         {"nan", "inf", "-inf", "infinity", "1e400", "1e308h", "nans", "0x1p9999"})
        CHECK_THROWS_AS(parse_duration(bad, "t"), fluxburst::Error);
    CHECK_THROWS_AS(checked_duration(std::nan(""), "t"), fluxburst::Error);
    CHECK_THROWS_AS(checked_duration(std::numeric_limits<double>::infinity(), "t"),
                    fluxburst::Error);
    CHECK_THROWS_AS(checked_duration(-1, "t"), fluxburst::Error);
    CHECK(checked_duration(1e300, "t") == max_duration_seconds);
    // The cap fits the clocks the command uses.
    auto far = std::chrono::steady_clock::now() +
               std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                   std::chrono::duration<double>(max_duration_seconds));
    CHECK(far > std::chrono::steady_clock::now());
}
