// The README's and the man page's option lists match the command's own --help.
#include <catch2/catch.hpp>
#include <regex>
#include <set>

#include "cli_runner.hpp"

namespace {

// The subcommands, from the main --help.
std::vector<std::string> subcommands() {
    auto help = cli_test::run({"--help"});
    REQUIRE(help.status == 0);
    std::vector<std::string> names;
    bool on = false;
    for (const auto& line : cli_test::lines(help.out)) {
        if (line == "Subcommands:") {
            on = true;
            continue;
        }
        if (on && line.empty()) break;
        if (on) names.push_back(cli_test::words(line).at(0));
    }
    REQUIRE(names.size() >= 6);
    return names;
}

// The long options of a subcommand's --help (its Options: section).
std::set<std::string> options_of(const std::string& sub) {
    auto help = cli_test::run({sub, "--help"});
    REQUIRE(help.status == 0);
    std::set<std::string> out;
    std::regex option("--[a-z][a-z-]*");
    bool on = false;
    for (const auto& line : cli_test::lines(help.out)) {
        if (line == "Options:") {
            on = true;
            continue;
        }
        if (on && line.empty()) break;
        if (!on) continue;
        std::string first = cli_test::words(line).at(0);  // "-v,--verbose", "--jobs"
        for (std::sregex_iterator it(first.begin(), first.end(), option), end; it != end; ++it)
            out.insert(it->str());
    }
    return out;
}

std::string section(const std::string& text, const std::string& heading) {
    auto start = text.find(heading);
    REQUIRE(start != std::string::npos);
    auto end = text.find("\n## ", start + heading.size());
    return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

TEST_CASE("the README and the man page list exactly the command's subcommands and options") {
    std::string readme = test::read_text(std::string(SOURCE_DIR) + "/README.md");
    std::string usage = section(readme, "## The command line");
    std::string man = test::read_text(MAN_PAGE);
    std::set<std::string> all;
    for (const auto& sub : subcommands()) {
        INFO("subcommand " << sub);
        CHECK_THAT(usage, Catch::Contains("flux-burst " + sub));
        CHECK_THAT(man, Catch::Contains(".SS " + sub));
        for (const auto& opt : options_of(sub)) {
            INFO("option " << opt);
            all.insert(opt);
            CHECK_THAT(man, Catch::Contains(opt));
            if (opt != "--help") CHECK_THAT(usage, Catch::Contains(opt));
        }
    }
    all.insert("--version");
    // Every option the README's command line section names exists.
    std::regex option("(^|[^a-z-])(--[a-z][a-z-]*)");
    for (std::sregex_iterator it(usage.begin(), usage.end(), option), end; it != end; ++it) {
        std::string opt = (*it)[2].str();
        INFO("README names " << opt);
        CHECK(all.count(opt));
    }
}
