// Main of the tests that need moto_server (started by the CTest fixture
// moto_fixture.sh): exits 77 (skipped, with the reason) when it is not there.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <fstream>
#include <iostream>
#include <string>

#include "moto.hpp"

namespace test {

std::string moto_url() {
    std::ifstream in(std::string(MOTO_DIR) + "/url");
    std::string url;
    std::getline(in, url);
    return url;
}

}  // namespace test

int main(int argc, char* argv[]) {
    bool listing = false;  // catch_discover_tests lists the tests at build time
    for (int i = 1; i < argc; ++i)
        listing = listing || std::string(argv[i]).rfind("--list", 0) == 0;
    if (!listing && test::moto_url().empty()) {
        std::ifstream absent(std::string(MOTO_DIR) + "/absent");
        std::string why;
        std::getline(absent, why);
        std::cout << "SKIPPED: "
                  << (why.empty() ? "moto_server is not running (run these tests through ctest, "
                                    "whose fixture starts it)"
                                  : why)
                  << "\n";
        return 77;
    }
    return Catch::Session().run(argc, argv);
}
