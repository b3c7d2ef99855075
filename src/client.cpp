#include <fluxburst/client.hpp>

#include <fluxburst/error.hpp>
#include <fluxburst/plugin.hpp>
#include "logger.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fluxburst/config.hpp>
#include "empty_queue.hpp"
#include "plugin_registry.hpp"
#include "param_layers.hpp"

#include "burst_cycle.hpp"
#include "plugin_call.hpp"
#include "selector_summary.hpp"
#include "text.hpp"

namespace fluxburst {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

struct Client::Impl {
    std::shared_ptr<JobQueue> queue;
    PluginRegistry registry;  // the search path, the plugins loaded or added
    Selector selector = selectors::burstable();
    Ordering ordering = ordering::in_order();

    std::vector<BurstPlugin*> plugin_list() const { return registry.plugins(); }
};

Client::Client(std::shared_ptr<JobQueue> queue) : impl_(std::make_unique<Impl>()) {
    impl_->queue = queue ? std::move(queue) : std::make_shared<EmptyQueue>();
}

Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

void Client::set_queue(std::shared_ptr<JobQueue> queue) {
    if (!queue) throw Error(ErrorCode::usage, "set_queue: the queue must not be null");
    impl_->queue = std::move(queue);
}

JobQueue& Client::queue() const {
    return *impl_->queue;
}

std::shared_ptr<JobQueue> Client::shared_queue() const {
    return impl_->queue;
}

void Client::add_plugin_dir(const std::string& dir) {
    impl_->registry.add_dir(dir);
}

void Client::set_search_installed_dir(bool search) {
    impl_->registry.set_search_installed(search);
}

std::string Client::installed_plugin_dir() {
    return PluginRegistry::installed_dir();
}

std::vector<std::string> Client::plugin_dirs() const {
    return impl_->registry.dirs();
}

std::vector<PluginDescription> Client::discover() const {
    return impl_->registry.discover();
}

std::vector<std::string> Client::plugin_names() const {
    return impl_->registry.names();
}

PluginDescription Client::describe(const std::string& name) const {
    return impl_->registry.describe(name);
}

PluginDescription Client::probe(const std::string& name) const {
    return impl_->registry.probe(name);
}

void Client::set_probe_timeout(std::chrono::milliseconds timeout) {
    impl_->registry.set_probe_timeout(timeout);
}

std::chrono::milliseconds Client::probe_timeout() const {
    return impl_->registry.probe_timeout();
}

BurstPlugin& Client::load(const std::string& name, const nlohmann::json& params,
                          const nlohmann::json& overrides) {
    return load_with(name, json_param_layers(name, params, overrides));
}

BurstPlugin& Client::load_with(const std::string& name, const ParamLayers& params) {
    return impl_->registry.load(name, params);
}

BurstPlugin& Client::add_linked(const std::string& name, const ParamSchema& schema,
                                const PluginFactory& create, const nlohmann::json& params,
                                const nlohmann::json& overrides) {
    return impl_->registry.add(name, schema, create, params, overrides);
}

nlohmann::json Client::resolve_params(const std::string& name, const nlohmann::json& params,
                                      const nlohmann::json& overrides) const {
    return impl_->registry.resolve_params(name, params, overrides);
}

std::vector<BurstPlugin*> Client::plugins() const {
    return impl_->registry.plugins();
}

BurstPlugin* Client::plugin(const std::string& name) const {
    return impl_->registry.plugin(name);
}

void Client::set_selector(Selector selector) {
    if (!selector)
        throw Error(ErrorCode::usage,
                    "set_selector: the selector must not be empty (use reset_selector)");
    impl_->selector = std::move(selector);
}

void Client::reset_selector() {
    impl_->selector = selectors::burstable();
}

void Client::set_ordering(Ordering ordering) {
    if (!ordering)
        throw Error(ErrorCode::usage,
                    "set_ordering: the ordering must not be empty (use reset_ordering)");
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
        throw PluginError(ErrorCode::usage,
                          fmt::format("request_burst: plugin '{}' is not loaded (loaded: {})", name,
                                      names.empty() ? "none" : text::join(names, ", ")),
                          {name, "", ""});
    }
    if (nodes < 1)
        throw Error(ErrorCode::usage,
                    fmt::format("request_burst: plugin '{}': nodes must be at least 1, got {}",
                                name, nodes));
    if (tasks < 0)
        throw Error(ErrorCode::usage,
                    fmt::format("request_burst: plugin '{}': tasks must not be negative, got {}",
                                name, tasks));
    BurstReport report;
    report.queue = impl_->queue->describe();
    auto start = Clock::now();
    BurstRequest request;
    request.nodes = nodes;
    request.tasks = tasks > 0 ? tasks : nodes;
    request.params = p->params();
    report.plugins.push_back(call_plugin(*p, "request", 0, nodes, [&] { return p->run(request); }));
    report.timings.run = report.timings.total = seconds_since(start);
    return report;
}

BurstReport Client::run_unburst(const std::string& name) {
    if (!name.empty() && !plugin(name))
        throw PluginError(ErrorCode::usage, fmt::format("unburst: plugin '{}' is not loaded", name),
                          {name, "", ""});
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
