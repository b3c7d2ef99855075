// fluxburst-make-queue: write a synthetic jobs file.
//   fluxburst-make-queue JOBS OUTPUT [SEED] [--burstable PERCENT] [--tiny]
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "queue_generator.hpp"

namespace {

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "fluxburst-make-queue: " << why
              << "\nusage: fluxburst-make-queue JOBS OUTPUT [SEED] [--burstable PERCENT] "
                 "[--tiny]\n";
    std::exit(2);
}

unsigned long long number(const char* text, const char* what) {
    char* end = nullptr;
    unsigned long long v = std::strtoull(text, &end, 10);
    if (!*text || *end) usage(std::string(what) + " must be a number, got '" + text + "'");
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<const char*> positional;
    bench::Shape shape;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--tiny") == 0) {
            shape.tiny = true;
        } else if (std::strcmp(argv[i], "--burstable") == 0) {
            if (i + 1 >= argc) usage("--burstable needs a PERCENT");
            unsigned long long p = number(argv[++i], "PERCENT");
            if (p > 100) usage("PERCENT must be 0 to 100");
            shape.burstable_percent = static_cast<int>(p);
        } else {
            positional.push_back(argv[i]);
        }
    }
    if (positional.size() < 2 || positional.size() > 3) usage("expected JOBS OUTPUT [SEED]");
    unsigned long long count = number(positional[0], "JOBS");
    if (count == 0) usage("JOBS must be positive");
    std::uint64_t seed = positional.size() > 2 ? number(positional[2], "SEED") : 1;
    try {
        bench::write_queue_file(positional[1], seed, count, shape);
    } catch (const std::exception& e) {
        std::cerr << "fluxburst-make-queue: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
