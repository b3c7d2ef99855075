// What people read names jobs in Flux's F58 form ("ƒ..."), never in decimal.
#include <catch2/catch.hpp>
#include <regex>

#include "cli_runner.hpp"

TEST_CASE("log lines about a job name it in F58 form") {
    test::TempDir dir;
    std::string jobs = cli_test::copy_valid_jobs(dir);
    auto r = cli_test::run({"select", "--jobs", jobs, "--plugin", "throwschedule", "--plugin-path",
                            cli_test::broken_plugins()});
    INFO(r.err);
    CHECK_THAT(r.err, Catch::Contains("schedule(job ƒ"));
    // No job id in decimal (ids in the sample are 10 digits or more) in stderr or the table.
    std::regex decimal_id("\\b[0-9]{10,}\\b");
    CHECK_FALSE(std::regex_search(r.err, decimal_id));
    CHECK_FALSE(std::regex_search(r.out, decimal_id));
}
