// flux-burst: the command line of libfluxburst (also run as `flux burst`).
#include <algorithm>
#include <cstring>
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <fluxburst/error.hpp>

#include "exit_codes.hpp"
#include "options.hpp"
#include "suggest.hpp"
#include "terminal_text.hpp"
#include "version.hpp"

namespace {

using namespace fluxburst::cli;

int fail(int code, const std::string& message) {
    // Messages may quote others' text (a job name, a plugin's error): each line is
    // made safe for the terminal.
    std::string text;
    std::size_t start = 0;
    while (start <= message.size()) {
        std::size_t end = std::min(message.find('\n', start), message.size());
        text += (start ? "\n" : "") +
                terminal_text(std::string_view(message).substr(start, end - start), 4000);
        start = end + 1;
    }
    std::cerr << "flux-burst: error: " << text << "\n";
    if (code == exit_usage) std::cerr << "Run 'flux-burst --help' for usage.\n";
    return code;
}

// `flux-burst frobnicate`: name the subcommands rather than CLI11's generic text.
void check_subcommand(const CLI::App& app, int argc, char** argv) {
    if (argc < 2 || argv[1][0] == '-') return;
    std::vector<std::string> names;
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
        names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), argv[1]) != names.end()) return;
    throw fluxburst::Error(
        fluxburst::ErrorCode::usage,
        fmt::format("unknown subcommand '{}'{}", argv[1], suggestion(argv[1], names)));
}

}  // namespace

int main(int argc, char** argv) {
    bool verbose_version = false;
    if (is_version_request(std::vector<std::string>(argv + 1, argv + argc), verbose_version)) {
        std::cout << version_text(verbose_version) << "\n";
        return 0;
    }
    CLI::App app("", "flux-burst");
    Options opts;
    int status = exit_ok;
    try {
        define_options(app, opts, status);
        check_subcommand(app, argc, argv);
        app.parse(argc, argv);  // runs the subcommand (its callback), which sets `status`
        return status;
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
        return fail(exit_status(fluxburst::ErrorCode::usage), e.what());
    } catch (const fluxburst::Error& e) {
        return fail(exit_status(e.code()), e.what());  // the one table of exit statuses
    } catch (const std::exception& e) {
        return fail(exit_status(fluxburst::ErrorCode::failed),
                    std::string("unexpected error: ") + e.what());
    }
}
