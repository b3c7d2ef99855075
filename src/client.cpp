#include <fluxburst/client.hpp>

#include <fluxburst/error.hpp>
#include "logger.hpp"
#include <fluxburst/plugin.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include <dlfcn.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fluxburst/config.hpp>
#include "closest_match.hpp"
#include "loader.hpp"

#include "burst_cycle.hpp"
#include "plugin_call.hpp"
#include "selector_summary.hpp"
#include "text.hpp"

namespace fluxburst {

namespace {

using Clock = std::chrono::steady_clock;

// An address inside this library, for dladdr.
void locate_self() {}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

struct Client::Impl {
    std::shared_ptr<JobQueue> queue;
    std::vector<std::string> extra_dirs;
    bool search_installed = true;
    std::vector<std::unique_ptr<loader::Loaded>> loaded;
    Selector selector = selectors::burstable();
    Ordering ordering = ordering::in_order();
    std::chrono::milliseconds probe_timeout{5000};

    loader::Found find(const std::string& name, const std::vector<std::string>& dirs) const {
        std::vector<loader::Found> found = loader::scan(dirs, nullptr);
        for (const auto& f : found) {
            if (f.name == name) return f;
        }
        std::vector<std::string> names;
        for (const auto& f : found) names.push_back(f.name);
        std::string msg =
            fmt::format("unknown plugin '{}': no libfluxburst_{}.so in {}", name, name,
                        dirs.empty() ? "(no directories)" : text::join(dirs, ":"));
        std::string close = closest_match(name, names);
        if (!close.empty()) msg += fmt::format("; did you mean '{}'?", close);
        msg += names.empty() ? "; no plugins were found (set FLUXBURST_PLUGIN_PATH)"
                             : fmt::format("; available: {}", text::join(names, ", "));
        throw PluginError(msg);
    }

    std::vector<BurstPlugin*> plugin_list() const {
        std::vector<BurstPlugin*> out;
        for (const auto& l : loaded) out.push_back(&l->plugin());
        return out;
    }
};

Client::Client(std::shared_ptr<JobQueue> queue) : impl_(std::make_unique<Impl>()) {
    impl_->queue = queue ? std::move(queue) : std::make_shared<MockQueue>();
}

Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

void Client::set_queue(std::shared_ptr<JobQueue> queue) {
    if (!queue) throw Error("set_queue: the queue must not be null");
    impl_->queue = std::move(queue);
}

JobQueue& Client::queue() const {
    return *impl_->queue;
}

std::shared_ptr<JobQueue> Client::shared_queue() const {
    return impl_->queue;
}

void Client::add_plugin_dir(const std::string& dir) {
    impl_->extra_dirs.push_back(dir);
}

void Client::set_search_installed_dir(bool search) {
    impl_->search_installed = search;
}

std::string Client::installed_plugin_dir() {
    // Relative to where this libfluxburst.so is, so that an installed tree can be
    // moved (and the build tree, which mirrors it, works without configuration).
    Dl_info info{};
    if (::dladdr(reinterpret_cast<void*>(&locate_self), &info) && info.dli_fname) {
        std::string lib = info.dli_fname;
        auto slash = lib.rfind('/');
        if (slash != std::string::npos) return lib.substr(0, slash) + "/fluxburst/plugins";
    }
    return FLUXBURST_INSTALLED_PLUGIN_DIR;
}

std::vector<std::string> Client::plugin_dirs() const {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("FLUXBURST_PLUGIN_PATH")) {
        for (const auto& d : text::split(env, ':'))
            if (!d.empty()) dirs.push_back(d);
    }
    dirs.insert(dirs.end(), impl_->extra_dirs.begin(), impl_->extra_dirs.end());
    if (impl_->search_installed) dirs.push_back(installed_plugin_dir());
    return dirs;
}

std::vector<PluginDescription> Client::discover() const {
    std::vector<PluginDescription> out;
    std::vector<loader::Found> found = loader::scan(plugin_dirs(), &out);
    for (auto& d : loader::probe(found, impl_->probe_timeout)) out.push_back(std::move(d));
    return out;
}

std::vector<std::string> Client::plugin_names() const {
    std::vector<std::string> names;
    for (const auto& f : loader::scan(plugin_dirs(), nullptr)) names.push_back(f.name);
    return names;
}

PluginDescription Client::describe(const std::string& name) const {
    return loader::describe(impl_->find(name, plugin_dirs()));
}

PluginDescription Client::probe(const std::string& name) const {
    return loader::probe({impl_->find(name, plugin_dirs())}, impl_->probe_timeout).at(0);
}

void Client::set_probe_timeout(std::chrono::milliseconds timeout) {
    impl_->probe_timeout = timeout;
}

std::chrono::milliseconds Client::probe_timeout() const {
    return impl_->probe_timeout;
}

BurstPlugin& Client::load(const std::string& name, const nlohmann::json& params,
                          const nlohmann::json& overrides) {
    if (plugin(name))
        throw PluginError(
            fmt::format("plugin '{}' is already loaded; a plugin can be loaded once "
                        "per client",
                        name));
    loader::Found f = impl_->find(name, plugin_dirs());
    auto loaded = loader::load(f, params, overrides);
    BurstPlugin& p = loaded->plugin();
    logger()->info("loaded plugin '{}' {} from {}", name, loaded->description.version, f.path);
    impl_->loaded.push_back(std::move(loaded));
    return p;
}

nlohmann::json Client::resolve_params(const std::string& name, const nlohmann::json& params,
                                      const nlohmann::json& overrides) const {
    return loader::resolve_params(impl_->find(name, plugin_dirs()), params, overrides);
}

std::vector<BurstPlugin*> Client::plugins() const {
    return impl_->plugin_list();
}

BurstPlugin* Client::plugin(const std::string& name) const {
    for (const auto& l : impl_->loaded) {
        if (l->plugin().name() == name) return &l->plugin();
    }
    return nullptr;
}

void Client::set_selector(Selector selector) {
    if (!selector) throw Error("set_selector: the selector must not be empty (use reset_selector)");
    impl_->selector = std::move(selector);
}

void Client::reset_selector() {
    impl_->selector = selectors::burstable();
}

void Client::set_ordering(Ordering ordering) {
    if (!ordering) throw Error("set_ordering: the ordering must not be empty (use reset_ordering)");
    impl_->ordering = std::move(ordering);
}

void Client::reset_ordering() {
    impl_->ordering = ordering::in_order();
}

const Selector& Client::selector() const {
    return impl_->selector;
}

bool Client::has_default_selector() const {
    return detail::is_default_selector(impl_->selector);
}

const Ordering& Client::ordering() const {
    return impl_->ordering;
}

BurstReport Client::run_burst() {
    return detail::run_cycle(*impl_->queue, impl_->plugin_list(), impl_->selector, impl_->ordering,
                             true);
}

BurstReport Client::plan_burst() {
    return detail::run_cycle(*impl_->queue, impl_->plugin_list(), impl_->selector, impl_->ordering,
                             false);
}

BurstReport Client::request_burst(const std::string& name, std::int64_t nodes, std::int64_t tasks) {
    BurstPlugin* p = plugin(name);
    if (!p) {
        std::vector<std::string> names;
        for (auto* q : plugins()) names.push_back(q->name());
        throw PluginError(fmt::format("request_burst: plugin '{}' is not loaded (loaded: {})", name,
                                      names.empty() ? "none" : text::join(names, ", ")));
    }
    if (nodes < 1)
        throw Error(fmt::format("request_burst: plugin '{}': nodes must be at least 1, got {}",
                                name, nodes));
    if (tasks < 0)
        throw Error(fmt::format("request_burst: plugin '{}': tasks must not be negative, got {}",
                                name, tasks));
    BurstReport report;
    report.queue = impl_->queue->describe();
    auto start = Clock::now();
    BurstRequest request;
    request.nodes = nodes;
    request.tasks = tasks > 0 ? tasks : nodes;
    report.plugins.push_back(call_plugin(*p, "request", 0, nodes, [&] { return p->run(request); }));
    report.timings.run = report.timings.total = seconds_since(start);
    return report;
}

BurstReport Client::run_unburst(const std::string& name) {
    if (!name.empty() && !plugin(name))
        throw PluginError(fmt::format("unburst: plugin '{}' is not loaded", name));
    BurstReport report;
    report.queue = impl_->queue->describe();
    auto start = Clock::now();
    for (BurstPlugin* p : plugins()) {
        if (!name.empty() && p->name() != name) continue;
        report.plugins.push_back(call_plugin(*p, "unburst", 0, 0, [&] { return p->unburst(); }));
    }
    report.timings.run = report.timings.total = seconds_since(start);
    return report;
}

}  // namespace fluxburst
