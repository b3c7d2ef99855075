#include "templates.hpp"

#include <algorithm>
#include <cstring>

#include <fluxburst/error.hpp>
#include <fluxburst/job.hpp>

namespace fluxburst::local {

namespace {

bool ascii_alnum(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string join(const std::set<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "{" : ", {") + n + "}";
    return out;
}

}  // namespace

std::string excerpt(const std::string& text) {
    std::string out = text.substr(0, 80);
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return out + (text.size() > 80 ? "..." : "");
}

const std::set<std::string>& launch_placeholders() {
    static const std::set<std::string> names = {
        "flux",  "flux_root", "flux_uri", "instance_uri", "config_dir", "config_path",   "hosts",
        "ranks", "nodes",     "host",     "rank",         "port",       "network_device"};
    return names;
}

const std::set<std::string>& stop_placeholders() {
    static const std::set<std::string> names = [] {
        std::set<std::string> n = launch_placeholders();
        n.insert("launch_output");
        return n;
    }();
    return names;
}

const char* const default_launch_command =
    "{flux} proxy {flux_uri} {flux} submit --job-name=fluxburst-local -N {nodes} "
    "--requires=host:{hosts} {flux} start --config-path={config_path} -Sbroker.rc2_none";

std::set<std::string> placeholders_in(const std::string& tmpl, const std::set<std::string>& allowed,
                                      const std::string& what) {
    std::set<std::string> found;
    char quote = 0;  // ' or " while inside quotes
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
        char c = tmpl[i];
        if ((c == '{' || c == '}') && i + 1 < tmpl.size() && tmpl[i + 1] == c) {
            ++i;
            continue;
        }
        if (c == '\\' && quote != '\'') {
            ++i;  // the next character is literal
            continue;
        }
        if ((c == '\'' || c == '"') && (quote == 0 || quote == c)) {
            quote = quote ? 0 : c;
            continue;
        }
        if (c == '}')
            throw Error(what + ": unmatched '}' at offset " + std::to_string(i) +
                        " (write '}}' for a brace)");
        if (c != '{') continue;
        auto close = tmpl.find('}', i);
        if (close == std::string::npos)
            throw Error(what + ": unclosed '{' at offset " + std::to_string(i) +
                        " (write '{{' for a brace)");
        std::string name = tmpl.substr(i + 1, close - i - 1);
        if (!allowed.count(name))
            throw Error(what + ": unknown placeholder {" + name + "}; known: " + join(allowed));
        if (quote)
            throw Error(what + ": placeholder {" + name + "} at offset " + std::to_string(i) +
                        " is inside " + (quote == '\'' ? "single" : "double") +
                        " quotes; every value is shell-quoted already: remove the quotes around "
                        "it");
        found.insert(name);
        i = close;
    }
    return found;
}

bool runs_per_host(const std::string& tmpl) {
    return tmpl.find("{host}") != std::string::npos || tmpl.find("{rank}") != std::string::npos;
}

std::string expand(const std::string& tmpl, const std::map<std::string, std::string>& values) {
    std::string out;
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
        char c = tmpl[i];
        if ((c == '{' || c == '}') && i + 1 < tmpl.size() && tmpl[i + 1] == c) {
            out += c;
            ++i;
            continue;
        }
        if (c != '{') {
            out += c;
            continue;
        }
        auto close = tmpl.find('}', i);
        if (close == std::string::npos) throw Error("unclosed '{' in command template");
        std::string name = tmpl.substr(i + 1, close - i - 1);
        auto it = values.find(name);
        if (it == values.end()) throw Error("no value for placeholder {" + name + "}");
        out += shell_quote(it->second);
        i = close;
    }
    return out;
}

std::string shell_quote(const std::string& value) {
    auto plain = [](unsigned char c) {
        return ascii_alnum(c) || (c != 0 && std::strchr("_./:=@%+,-", c) != nullptr);
    };
    if (!value.empty() && std::all_of(value.begin(), value.end(), plain)) return value;
    std::string out = "'";
    for (char c : value) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

bool is_host_name(const std::string& name) {
    if (name.empty() || name.size() > 253 || name[0] == '-') return false;
    return std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return ascii_alnum(c) || c == '.' || c == '-' || c == '_';
    });
}

bool is_safe_output(const std::string& output) {
    static const std::string f = "\xc6\x92";  // ƒ, as Flux prints job ids
    if (output.size() > 256) return false;
    for (std::size_t i = 0; i < output.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(output[i]);
        if (output.compare(i, f.size(), f) == 0) {
            ++i;
            continue;
        }
        if (ascii_alnum(c)) continue;
        if (i > 0 && c != 0 && std::strchr("._:@/+=,%-", c)) continue;
        return false;
    }
    return true;
}

std::vector<std::string> cancel_argv(const std::string& flux, const std::string& parent_uri,
                                     const std::string& job) {
    if (!parse_job_id(job) || !is_safe_output(job))
        throw Error("'" + excerpt(job) + "' is not a Flux job id; not cancelling it");
    return {flux, "proxy", parent_uri, flux, "cancel", job};
}

}  // namespace fluxburst::local
