// Fuzz the --config TOML reader: any file gives a config or an Error of kind
// bad_config that names the file, never a crash.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <unistd.h>

#include <sys/stat.h>

#include <fluxburst/error.hpp>
#include "config_file.hpp"
#include "duration.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static std::string path = [] {
        ::umask(077);  // the file must be trusted (not group/other-writable) to be read
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
        // Durations: finite, not negative, capped (nan, inf, 1e300 never get through).
        for (const auto& d : {cfg.interval, cfg.unburst_after})
            if (d && !(*d >= 0 && *d <= fluxburst::cli::max_duration_seconds)) std::abort();
    } catch (const fluxburst::Error& e) {
        if (e.code() != fluxburst::ErrorCode::bad_config) std::abort();
        if (std::string(e.what()).find(path) == std::string::npos) std::abort();  // names the file
    }
    return 0;
}
