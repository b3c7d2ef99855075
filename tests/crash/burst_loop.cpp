// A controller that never stops: burst cycles on a jobs file with the mock
// plugin keeping a state file, as fast as it can. The crash test kills it.
//   burst_loop JOBS_FILE STATE_FILE PLUGIN_DIR
#include <fluxburst/fluxburst.hpp>

#include <iostream>

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: burst_loop JOBS_FILE STATE_FILE PLUGIN_DIR\n";
        return 2;
    }
    try {
        fluxburst::Client client(std::make_shared<fluxburst::FileQueue>(argv[1]));
        client.set_search_installed_dir(false);
        client.add_plugin_dir(argv[3]);
        client.load("mock", {{"max_nodes", 64}, {"state_file", argv[2]}});
        for (;;) client.run_burst();
    } catch (const std::exception& e) {
        std::cerr << "burst_loop: " << e.what() << "\n";
        return 1;
    }
}
