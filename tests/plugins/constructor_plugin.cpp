// A file that does something drastic as soon as it is loaded, before any entry
// point is looked up: CONSTRUCTOR_DOES is "exit", "abort" or "hang". Listing
// plugins must survive it; commands that did not ask for it must never load it.
#include <fluxburst/plugin.hpp>

#include <cstdlib>
#include <cstring>

#include <unistd.h>

namespace {

__attribute__((constructor)) void on_load() {
    if (std::strcmp(CONSTRUCTOR_DOES, "exit") == 0) std::exit(0);
    if (std::strcmp(CONSTRUCTOR_DOES, "abort") == 0) std::abort();
    for (;;) ::pause();  // hang
}

class Never : public fluxburst::BurstPlugin {
public:
    static fluxburst::ParamSchema parameters() { return {}; }
    bool schedule(const fluxburst::Job&) override { return false; }
    fluxburst::BurstResult run(const fluxburst::BurstRequest&) override { return {}; }
};

}  // namespace

FLUXBURST_PLUGIN(Never, PLUGIN_NAME, "0.0.1", "ends or hangs the process that loads it")
