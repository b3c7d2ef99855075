// The Flux integration tests' main: without a flux command they skip (exit 77,
// which ctest shows as "Skipped") and say why.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "flux_instance.hpp"

int main(int argc, char** argv) {
    bool listing = false;
    for (int i = 1; i < argc; ++i)
        if (std::string(argv[i]).rfind("--list", 0) == 0) listing = true;
    if (!listing && !test::flux_command()) {
        const char* path = std::getenv("PATH");
        std::printf(
            "SKIPPED: these tests need a live Flux, and no flux command was found: "
            "FLUXBURST_FLUX_COMMAND is not set (environment or CMake cache) and flux is not "
            "on PATH (%s). Run them with e.g. PATH=/opt/flux/bin:$PATH ctest -L flux\n",
            path ? path : "");
        return 77;
    }
    return Catch::Session().run(argc, argv);
}
