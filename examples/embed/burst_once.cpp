// Embedding flux-burst: one burst cycle on the embedded default (the mock queue
// holding the original's sample job, and the mock plugin), with the selector and
// the ordering customised the way a scheduler would.
//
//   burst_once [PLUGIN...]     plugins to load (default: mock)
#include <fluxburst/fluxburst.hpp>

#include <iostream>

int main(int argc, char** argv) {
    try {
        // A queue holding the sample burstable job (a Client without one reads none).
        fluxburst::Client client(std::make_shared<fluxburst::MockQueue>());

        std::cout << "plugins found:\n";
        for (const auto& d : client.discover())
            std::cout << "  " << (d.name.empty() ? "?" : d.name) << " " << d.version << "  "
                      << (d.ok() ? d.description : "BROKEN: " + d.error) << "\n";

        std::vector<std::string> names;
        for (int i = 1; i < argc; ++i) names.push_back(argv[i]);
        if (names.empty()) names.push_back("mock");
        for (const auto& name : names) client.load(name);

        // Select burstable jobs of at least 2 nodes; offer each to the plugin
        // with the least waste first.
        client.set_selector(fluxburst::selectors::burstable_min_nodes(2));
        client.set_ordering(fluxburst::ordering::least_waste());

        fluxburst::BurstReport report = client.run_burst();
        std::cout << "selected " << report.selected.size() << " of " << report.jobs_seen
                  << " jobs\n";
        for (const auto& a : report.assignments)
            std::cout << "  job " << fluxburst::job_id_f58(a.id) << " (" << a.nodes << " nodes) -> "
                      << a.plugin << "\n";
        for (const auto& u : report.unmatched)
            std::cout << "  job " << fluxburst::job_id_f58(u.id) << " unmatched\n";
        for (const auto& p : report.plugins)
            std::cout << "  " << p.plugin << " " << p.action << ": "
                      << (p.ok ? p.summary : "FAILED: " + p.error) << "\n";
        return report.ok() ? 0 : 1;
    } catch (const fluxburst::Error& e) {
        std::cerr << "burst_once: " << e.what() << "\n";
        return 1;
    }
}
