// Fuzz the --config TOML reader: any file gives a config or a UsageError that
// names the file, never a crash.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <unistd.h>

#include "config_file.hpp"
#include "exit_codes.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static std::string path = [] {
        char tmpl[] = "/tmp/fluxburst-fuzz-config-XXXXXX";
        if (!::mkdtemp(tmpl)) std::abort();
        return std::string(tmpl) + "/burst.toml";
    }();
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
    try {
        auto cfg = fluxburst::cli::read_config_file(path);
        if (cfg.interval && !(*cfg.interval >= 0)) std::abort();
        if (cfg.unburst_after && !(*cfg.unburst_after >= 0)) std::abort();
    } catch (const fluxburst::cli::UsageError& e) {
        if (std::string(e.what()).find(path) == std::string::npos) std::abort();  // names the file
    }
    return 0;
}
