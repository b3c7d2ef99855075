// fluxburst-make-queue: write a synthetic jobs file.
//   fluxburst-make-queue JOBS OUTPUT [SEED]
#include <cstdlib>
#include <iostream>

#include "queue_generator.hpp"

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: fluxburst-make-queue JOBS OUTPUT [SEED]\n";
        return 2;
    }
    char* end = nullptr;
    unsigned long long count = std::strtoull(argv[1], &end, 10);
    if (*end || count == 0) {
        std::cerr << "fluxburst-make-queue: JOBS must be a positive number, got '" << argv[1]
                  << "'\n";
        return 2;
    }
    std::uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
    try {
        bench::write_queue_file(argv[2], seed, count);
    } catch (const std::exception& e) {
        std::cerr << "fluxburst-make-queue: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
