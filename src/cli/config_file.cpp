#include "config_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include <sys/stat.h>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <fluxburst/error.hpp>
#include <fluxburst/trusted_file.hpp>

#include "duration.hpp"
#include "suggest.hpp"

namespace fluxburst::cli {

namespace {

constexpr std::size_t max_config_size = std::size_t{1} << 20;  // 1 MiB of TOML is plenty

const std::vector<std::string> top_tables = {"burst", "controller", "plugin"};
const std::vector<std::string> controller_keys = {"state_file",
                                                  "sizing",
                                                  "max_nodes_in_flight",
                                                  "max_plugin_nodes_in_flight",
                                                  "max_bursts_per_window",
                                                  "burst_window",
                                                  "up_timeout",
                                                  "backoff_initial",
                                                  "backoff_max"};
const std::vector<std::string> burst_keys = {"plugins",       "ordering", "interval",
                                             "unburst_after", "jobs",     "plugin_path"};

long line_of(const toml::node& node) {
    return static_cast<long>(node.source().begin.line);
}

std::string kind(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a number";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        default:
            return "nothing";
    }
}

std::string dir_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

std::string resolve(const std::string& base_dir, const std::string& p) {
    if (p.empty() || p[0] == '/' || base_dir.empty()) return p;
    return base_dir + p;
}

class Reader {
public:
    explicit Reader(ConfigFile& cfg) : cfg_(cfg) {}

    [[noreturn]] void fail(const toml::node& node, const std::string& what) const {
        throw Error(ErrorCode::bad_config, fmt::format("{}: {}", cfg_.where(line_of(node)), what),
                    {"", "", cfg_.path});
    }

    std::string string_value(const toml::node& node, const std::string& key) const {
        if (auto s = node.value<std::string>(); s && node.is_string()) return *s;
        fail(node, fmt::format("'{}' must be a string, got {}", key, kind(node)));
    }

    std::vector<std::string> string_list(const toml::node& node, const std::string& key) const {
        const toml::array* arr = node.as_array();
        if (!arr)
            fail(node, fmt::format("'{}' must be an array of strings, got {}", key, kind(node)));
        std::vector<std::string> out;
        for (const auto& item : *arr) {
            if (!item.is_string())
                fail(item,
                     fmt::format("'{}' must be an array of strings; it holds {}", key, kind(item)));
            out.push_back(*item.value<std::string>());
        }
        return out;
    }

    double duration_value(const toml::node& node, const std::string& key,
                          const char* table = "burst") const {
        std::string what = fmt::format("{}: [{}] {}", cfg_.where(line_of(node)), table, key);
        if (node.is_string())
            return parse_duration(*node.value<std::string>(), what, ErrorCode::bad_config);
        if (node.is_integer() || node.is_floating_point()) {
            return checked_duration(*node.value<double>(), what, ErrorCode::bad_config);
        }
        fail(node,
             fmt::format("'{}' must be a duration such as \"5s\" or a number of seconds, got {}",
                         key, kind(node)));
    }

    void burst(const toml::table& table) {
        std::string base = dir_of(cfg_.path);
        for (const auto& [k, node] : table) {
            std::string key(k.str());
            cfg_.lines[key] = line_of(node);
            if (key == "plugins") {
                cfg_.plugins = string_list(node, key);
            } else if (key == "ordering") {
                cfg_.ordering = string_value(node, key);
            } else if (key == "interval") {
                cfg_.interval = duration_value(node, key);
            } else if (key == "unburst_after") {
                cfg_.unburst_after = duration_value(node, key);
            } else if (key == "jobs") {
                cfg_.jobs = resolve(base, string_value(node, key));
                if (cfg_.jobs.empty()) fail(node, "[burst] jobs must not be empty");
            } else if (key == "plugin_path") {
                for (const auto& d : string_list(node, key))
                    cfg_.plugin_path.push_back(resolve(base, d));
            } else {
                fail(node, fmt::format("unknown key '{}' in [burst]{}", key,
                                       suggestion(key, burst_keys)));
            }
        }
    }

    std::int64_t count_value(const toml::node& node, const std::string& key) const {
        if (!node.is_integer() || *node.value<std::int64_t>() < 0)
            fail(node,
                 fmt::format(
                     "[controller] {} must be an integer, 0 (no cap) or more, got {}", key,
                     node.is_integer() ? std::to_string(*node.value<std::int64_t>()) : kind(node)));
        return *node.value<std::int64_t>();
    }

    void controller(const toml::table& table) {
        ControllerPolicy& p = cfg_.policy;
        for (const auto& [k, node] : table) {
            std::string key(k.str());
            if (key == "state_file") {
                cfg_.state_file = resolve(dir_of(cfg_.path), string_value(node, key));
                if (cfg_.state_file.empty())
                    fail(node, "[controller] state_file must not be empty");
            } else if (key == "sizing") {
                try {
                    p.sizing = burst_sizing_from_name(string_value(node, key));
                } catch (const Error& e) {
                    fail(node, std::string("[controller] ") + e.what());
                }
            } else if (key == "max_nodes_in_flight") {
                p.max_nodes_in_flight = count_value(node, key);
            } else if (key == "max_plugin_nodes_in_flight") {
                p.max_plugin_nodes_in_flight = count_value(node, key);
            } else if (key == "max_bursts_per_window") {
                p.max_bursts_per_window = count_value(node, key);
            } else if (key == "burst_window" || key == "up_timeout" || key == "backoff_initial" ||
                       key == "backoff_max") {
                double v = duration_value(node, key, "controller");
                if (key == "burst_window") p.burst_window = v;
                if (key == "up_timeout") p.up_timeout = v;
                if (key == "backoff_initial") p.backoff_initial = v;
                if (key == "backoff_max") p.backoff_max = v;
            } else {
                fail(node, fmt::format("unknown key '{}' in [controller]{}", key,
                                       suggestion(key, controller_keys)));
            }
        }
        try {
            p.check();
        } catch (const Error& e) {
            throw Error(ErrorCode::bad_config,
                        fmt::format("{}: [controller]: {}", cfg_.where(), e.what()),
                        {"", "", cfg_.path});
        }
    }

    nlohmann::json to_json(const toml::node& node, const std::string& where_key) const {
        switch (node.type()) {
            case toml::node_type::string:
                return *node.value<std::string>();
            case toml::node_type::integer:
                return *node.value<std::int64_t>();
            case toml::node_type::floating_point:
                return *node.value<double>();
            case toml::node_type::boolean:
                return *node.value<bool>();
            case toml::node_type::array: {
                nlohmann::json out = nlohmann::json::array();
                for (const auto& item : *node.as_array()) {
                    if (item.is_array() || item.is_table())
                        fail(item,
                             fmt::format("{}: nested arrays and tables are not parameter values",
                                         where_key));
                    out.push_back(to_json(item, where_key));
                }
                return out;
            }
            default:
                fail(node, fmt::format("{}: {} is not a parameter value (use a string, number, "
                                       "boolean or array)",
                                       where_key, kind(node)));
        }
    }

    void plugins(const toml::node& node) {
        const toml::table* table = node.as_table();
        if (!table)
            fail(node, fmt::format("'plugin' must be a table of [plugin.NAME] tables, got {}",
                                   kind(node)));
        for (const auto& [n, sub] : *table) {
            std::string name(n.str());
            const toml::table* values = sub.as_table();
            if (!values)
                fail(sub, fmt::format(
                              "'plugin.{}' must be a table ([plugin.{}] with key = value lines), "
                              "got {}",
                              name, name, kind(sub)));
            PluginTable& out = cfg_.plugin[name];
            out.line = line_of(sub);
            for (const auto& [k, value] : *values) {
                std::string key(k.str());
                out.values[key] = to_json(value, fmt::format("[plugin.{}] {}", name, key));
                out.lines[key] = line_of(value);
            }
        }
    }

    void top(const toml::table& root) {
        for (const auto& [k, node] : root) {
            std::string key(k.str());
            if (key == "burst") {
                const toml::table* t = node.as_table();
                if (!t)
                    fail(node,
                         fmt::format("'burst' must be a table ([burst]), got {}", kind(node)));
                burst(*t);
            } else if (key == "controller") {
                const toml::table* t = node.as_table();
                if (!t)
                    fail(node, fmt::format("'controller' must be a table ([controller]), got {}",
                                           kind(node)));
                controller(*t);
            } else if (key == "plugin") {
                plugins(node);
            } else {
                fail(node, fmt::format("unknown {} '{}'{}", node.is_table() ? "table" : "key", key,
                                       suggestion(key, top_tables)));
            }
        }
    }

private:
    ConfigFile& cfg_;
};

}  // namespace

std::string ConfigFile::where(long line) const {
    if (line > 0) return fmt::format("config file '{}', line {}", path, line);
    return fmt::format("config file '{}'", path);
}

ConfigFile read_config_file(const std::string& path) {
    ConfigFile cfg;
    cfg.path = path;
    // The config file says which plugins run and which commands they may run: it
    // is trusted only when no one but its owner (this user or root) can write it.
    std::optional<std::string> text;
    try {
        text = read_trusted_file(path, "config file", TrustedOwner::UserOrRoot, max_config_size);
    } catch (const Error& e) {
        // Refused or unreadable: for the command, a config file it cannot use.
        throw Error(ErrorCode::bad_config, e.what(), {"", "", path});
    }
    if (!text)
        throw Error(ErrorCode::bad_config,
                    fmt::format("cannot read config file '{}': {}", path, std::strerror(ENOENT)),
                    {"", "", path});
    toml::table root;
    try {
        root = toml::parse(*text, path);
    } catch (const toml::parse_error& e) {
        throw Error(ErrorCode::bad_config,
                    fmt::format("config file '{}' is not valid TOML: line {}, column {}: {}", path,
                                e.source().begin.line, e.source().begin.column, e.description()),
                    {"", "", path});
    }
    Reader(cfg).top(root);
    return cfg;
}

}  // namespace fluxburst::cli
