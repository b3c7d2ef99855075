#include "client_setup.hpp"

#include <algorithm>

#include <fmt/format.h>

#include <fluxburst/error.hpp>
#include <fluxburst/flux.hpp>
#include <fluxburst/ordering.hpp>

namespace fluxburst::cli {

namespace {

std::shared_ptr<JobQueue> open_queue(const Settings& s) {
    switch (s.jobs) {
        case JobsSource::file:
            return std::make_shared<FileQueue>(s.jobs_file);
        case JobsSource::mock:
            return std::make_shared<MockQueue>();
        case JobsSource::flux:
            return open_flux_queue(s.flux_uri);
        case JobsSource::none:
            break;
    }
    return nullptr;
}

}  // namespace

Client make_client(const Settings& settings) {
    Client client(open_queue(settings));
    for (const auto& dir : settings.plugin_dirs) client.add_plugin_dir(dir);
    if (!settings.ordering.empty()) client.set_ordering(ordering::from_name(settings.ordering));
    return client;
}

void load_plugins(Client& client, const Settings& settings) {
    // Found by file name only: the files of plugins nobody asked for are never opened.
    std::vector<std::string> on_path = client.plugin_names();
    for (const auto& table : settings.plugin_tables) {
        if (std::find(on_path.begin(), on_path.end(), table.name) != on_path.end()) continue;
        try {
            client.describe(table.name);  // not on the path: throws plugin_not_found, opens nothing
        } catch (const Error& e) {
            throw Error(e.code(), fmt::format("{}: {}", table.origin, e.what()), e.subject());
        }
    }
    for (const auto& plugin : settings.plugins) client.load_with(plugin.name, plugin.params);
}

}  // namespace fluxburst::cli
