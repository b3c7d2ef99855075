#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fluxburst/atomic_file.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/flux.hpp>
#include <fluxburst/topology.hpp>
#include <fluxburst/trusted_file.hpp>
#include <set>

namespace fluxburst::topology {

namespace fp = flux_protocol;

namespace {

bool is_lower_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_alnum(char c) {
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

// A TOML basic string.
std::string toml_quoted(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\u%04x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

// A ZeroMQ URI as Flux accepts it in [bootstrap]: tcp:// or ipc://, no blanks or quotes.
void check_uri(const std::string& uri, const std::string& what) {
    if (uri.rfind("tcp://", 0) != 0 && uri.rfind("ipc://", 0) != 0)
        throw Error(what + " '" + uri + "' must start with tcp:// or ipc://");
    if (uri.size() <= 6) throw Error(what + " '" + uri + "' has no address");
    for (unsigned char c : uri)
        if (c <= 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '\'')
            throw Error(what + " '" + uri + "' contains a blank, a quote or a control character");
    if (uri.find(":*", 6) != std::string::npos && uri.find(":*", 6) == uri.rfind(':'))
        throw Error(what + " '" + uri + "' has a wildcard port; give a port number (or %p)");
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

// Hosts as hostlists whose expansion is exactly `hosts` (rank order is kept).
std::vector<std::string> hostlists(const std::vector<std::string>& hosts) {
    if (hosts.empty()) return {};
    std::string compact = fp::compress_hostlist(hosts);
    try {
        if (fp::expand_hostlist(compact) == hosts) return {compact};
    } catch (const Error&) {
    }
    return hosts;  // one entry per host
}

// The hosts array, one hostlist per group, rank 0 first.
std::string hosts_array(const Topology& t, bool with_bind) {
    std::string out = "hosts = [\n";
    out += "  { host = " + toml_quoted(t.lead_hosts.front());
    if (with_bind) out += ", bind = " + toml_quoted(t.bind_uri());
    out += ", connect = " + toml_quoted(t.connect_uri()) + " },\n";
    std::vector<std::vector<std::string>> groups;
    groups.emplace_back(t.lead_hosts.begin() + 1, t.lead_hosts.end());
    for (const auto& b : t.bursts) groups.push_back(burst_hosts(b.name, b.size));
    for (const auto& g : groups)
        for (const auto& list : hostlists(g)) out += "  { host = " + toml_quoted(list) + " },\n";
    return out + "]\n";
}

std::string render(const Topology& t, const std::string& curve_cert, bool lead) {
    t.check();
    if (curve_cert.empty()) throw Error("the curve_cert path is empty");
    std::string out = lead ? "# The lead instance's brokers (written by flux-burst setup).\n"
                           : "# The remote brokers of a burst (rendered by flux-burst).\n";
    out +=
        "# Each broker finds its rank by its host name in `hosts`. Ranks after the lead's\n"
        "# own hosts are burst hosts: down until a broker with that host name connects to\n"
        "# rank 0 at " +
        t.connect_uri() + " (with %p = " + std::to_string(t.port) +
        ").\n"
        "[bootstrap]\n";
    out += "curve_cert = " + toml_quoted(curve_cert) + "\n";
    out += "default_port = " + std::to_string(t.port) + "\n";
    out += hosts_array(t, lead);
    out +=
        "\n"
        "# A flat tree: every broker's parent is rank 0 (one port to open).\n"
        "[tbon]\n"
        "topo = \"kary:" +
        std::to_string(t.fanout()) + "\"\n";
    return out;
}

std::string system_error(const std::string& what, const std::string& path) {
    return what + " '" + path + "': " + std::strerror(errno);
}

// A directory we own and nobody else can write: created 0700 when missing.
void own_directory(const std::string& dir, const std::string& what) {
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) {
        if (errno != ENOENT) throw Error(system_error("cannot read " + what, dir));
        if (::mkdir(dir.c_str(), 0700) != 0)
            throw Error(system_error("cannot create " + what, dir) +
                        " (its parent directory must exist)");
        return;
    }
    if (!S_ISDIR(st.st_mode)) throw Error(what + " '" + dir + "' is not a directory");
    std::string problem = trust_problem(dir, st, TrustedOwner::User);
    if (!problem.empty()) throw Error(what + ": " + problem);
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

bool is_dns_label(std::string_view name) {
    if (name.empty() || name.size() > 63) return false;
    if (!is_lower_alnum(name.front()) || !is_lower_alnum(name.back())) return false;
    for (char c : name)
        if (!is_lower_alnum(c) && c != '-') return false;
    return true;
}

void check_dns_label(std::string_view name, std::string_view what) {
    if (is_dns_label(name)) return;
    std::string why;
    if (name.empty())
        why = "is empty";
    else if (name.size() > 63)
        why = "is " + std::to_string(name.size()) + " characters long";
    else if (!is_lower_alnum(name.front()) || !is_lower_alnum(name.back()))
        why = "does not start and end with a lower-case letter or digit";
    else
        why = "contains a character other than a-z, 0-9 and '-'";
    throw Error(std::string(what) + " '" + std::string(name) + "' " + why +
                "; a DNS-1123 label (1-63 of a-z, 0-9, '-', starting and ending with a letter "
                "or digit) is required");
}

void check_host_name(std::string_view host, std::string_view what) {
    std::string h(host);
    auto fail = [&](const std::string& why) {
        throw Error(std::string(what) + " '" + h + "' is not a host name Flux accepts: " + why);
    };
    if (h.empty() || h.size() > 253) fail("it must be 1-253 characters");
    std::size_t start = 0;
    while (start <= h.size()) {
        std::size_t end = h.find('.', start);
        if (end == std::string::npos) end = h.size();
        std::string label = h.substr(start, end - start);
        if (label.empty() || label.size() > 63)
            fail("each dot-separated label has 1-63 characters");
        if (label.front() == '-' || label.back() == '-') fail("a label starts or ends with '-'");
        for (char c : label)
            if (!is_alnum(c) && c != '-')
                fail(std::string("it contains '") + c + "' (letters, digits, '-' and '.' only)");
        start = end + 1;
    }
}

std::string instance_tag(std::string_view identity) {
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a, 64 bits
    for (unsigned char c : identity) {
        h ^= c;
        h *= 1099511628211ull;
    }
    char buf[9];
    std::snprintf(buf, sizeof(buf), "%08x", static_cast<unsigned>((h >> 32) ^ (h & 0xffffffffu)));
    return buf;
}

std::string burst_name(std::string_view prefix, std::string_view tag, std::int64_t index) {
    check_dns_label(prefix, "burst name prefix");
    check_dns_label(tag, "instance tag");
    if (index < 0) throw Error("burst index " + std::to_string(index) + " is negative");
    std::string name = std::string(prefix) + "-" + std::string(tag) + "-" + std::to_string(index);
    // Room for "-<n>" host suffixes of up to 5 digits.
    if (name.size() + 6 > 63)
        throw Error("burst name '" + name +
                    "' leaves no room for its host names (63 characters "
                    "at most); use a shorter burst name prefix than '" +
                    std::string(prefix) + "'");
    return name;
}

std::vector<std::string> burst_hosts(std::string_view name, std::int64_t size) {
    if (size < 1)
        throw Error("burst '" + std::string(name) + "' has size " + std::to_string(size) +
                    "; at least 1 host is needed");
    if (size > 100000)
        throw Error("burst '" + std::string(name) + "' has size " + std::to_string(size) +
                    "; at most 100000 hosts");
    std::vector<std::string> hosts;
    hosts.reserve(static_cast<std::size_t>(size));
    for (std::int64_t i = 0; i < size; ++i) {
        hosts.push_back(std::string(name) + "-" + std::to_string(i));
        if (i == 0 || i == size - 1) check_dns_label(hosts.back(), "burst host name");
    }
    return hosts;
}

std::vector<BurstSlot> declare_bursts(std::string_view prefix, std::string_view tag,
                                      std::int64_t count, std::int64_t size) {
    if (count < 0 || count > 1000)
        throw Error("burst count " + std::to_string(count) + " must be in 0-1000");
    std::vector<BurstSlot> out;
    for (std::int64_t i = 0; i < count; ++i) {
        out.push_back({burst_name(prefix, tag, i), size});
        burst_hosts(out.back().name, size);  // checks the size and the names
    }
    return out;
}

std::vector<std::string> Topology::hosts() const {
    std::vector<std::string> all = lead_hosts;
    for (const auto& b : bursts) {
        auto more = burst_hosts(b.name, b.size);
        all.insert(all.end(), more.begin(), more.end());
    }
    return all;
}

std::int64_t Topology::size() const {
    std::int64_t n = static_cast<std::int64_t>(lead_hosts.size());
    for (const auto& b : bursts) n += b.size;
    return n;
}

std::int64_t Topology::first_rank(std::size_t index) const {
    if (index >= bursts.size())
        throw Error("burst index " + std::to_string(index) + " is out of range (" +
                    std::to_string(bursts.size()) + " bursts declared)");
    std::int64_t rank = static_cast<std::int64_t>(lead_hosts.size());
    for (std::size_t i = 0; i < index; ++i) rank += bursts[i].size;
    return rank;
}

std::string Topology::bind_uri() const {
    return bind.empty() ? "tcp://*:%p" : bind;
}

std::string Topology::connect_uri() const {
    return connect.empty() ? "tcp://" + lead_address + ":%p" : connect;
}

std::int64_t Topology::fanout() const {
    return std::max<std::int64_t>(256, size());
}

void Topology::check() const {
    if (lead_hosts.empty())
        throw Error(
            "the lead's hosts are not given (lead_hosts: every host of the instance, "
            "rank 0 first)");
    if (port < 1 || port > 65535)
        throw Error("port " + std::to_string(port) + " is outside 1-65535");
    if (connect.empty()) {
        if (lead_address.empty())
            throw Error(
                "the lead's address is not given (where the burst machines reach rank "
                "0: a DNS name or an IP address)");
        check_host_name(lead_address, "lead address");
    }
    check_uri(replace_all(bind_uri(), "%p", std::to_string(port)), "rank 0's bind URI");
    check_uri(replace_all(connect_uri(), "%p", std::to_string(port)), "rank 0's connect URI");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < lead_hosts.size(); ++i) {
        check_host_name(lead_hosts[i], "lead host " + std::to_string(i));
        if (!seen.insert(lead_hosts[i]).second)
            throw Error("lead host '" + lead_hosts[i] +
                        "' is given twice (every later rank would shift)");
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < bursts.size(); ++i) {
        check_dns_label(bursts[i].name, "burst " + std::to_string(i) + " name");
        if (!names.insert(bursts[i].name).second)
            throw Error("burst name '" + bursts[i].name + "' is declared twice");
        for (const auto& h : burst_hosts(bursts[i].name, bursts[i].size))
            if (!seen.insert(h).second)
                throw Error("host '" + h + "' of burst '" + bursts[i].name +
                            "' is also another rank's host (every later rank would shift)");
    }
}

std::string lead_config(const Topology& t, const std::string& curve_cert) {
    return render(t, curve_cert, true);
}

std::string remote_config(const Topology& t, const std::string& curve_cert) {
    return render(t, curve_cert, false);
}

std::string resource_config(const std::string& R_path) {
    if (R_path.empty()) throw Error("the R path is empty");
    return "# The instance's resources, burst hosts included (written by flux-burst setup).\n"
           "[resource]\n"
           "path = " +
           toml_quoted(R_path) +
           "\n"
           "noverify = true\n";
}

nlohmann::json resource_R(const std::vector<std::string>& hosts, const std::string& cores,
                          const std::string& gpus) {
    if (hosts.empty()) throw Error("R: no hosts");
    auto idset = [](const std::string& s, const std::string& what) {
        std::vector<std::int64_t> ids;
        try {
            ids = fp::parse_idset(s);
        } catch (const Error& e) {
            throw Error("R: " + what + " '" + s + "' is not an idset such as 0-7 (" + e.what() +
                        ")");
        }
        if (ids.empty() && what == "cores")
            throw Error("R: cores is empty; give the core ids of each node, e.g. 0-7");
        return fp::format_idset(ids);
    };
    nlohmann::json children = {{"core", idset(cores, "cores")}};
    if (!gpus.empty()) children["gpu"] = idset(gpus, "gpus");
    std::string ranks = "0";
    if (hosts.size() > 1) ranks += "-" + std::to_string(hosts.size() - 1);
    return {{"version", 1},
            {"execution",
             {{"R_lite", nlohmann::json::array({{{"rank", ranks}, {"children", children}}})},
              {"starttime", 0.0},
              {"expiration", 0.0},
              {"nodelist", hostlists(hosts)}}}};
}

LeadSetupResult write_lead_setup(const LeadSetup& s) {
    if (s.config_dir.empty()) throw Error("config_dir is not given (where the setup is written)");
    const Topology& t = s.topology;
    LeadSetupResult result;
    result.config_path = s.config_dir + "/conf.d";
    std::string bootstrap = result.config_path + "/bootstrap.toml";
    std::string resource = result.config_path + "/resource.toml";
    std::string R_path = s.config_dir + "/R";
    bool generate = s.curve_cert.empty();
    result.curve_cert = generate ? s.config_dir + "/curve.cert" : s.curve_cert;

    // Everything rendered (and checked) before anything is written.
    std::string bootstrap_text = lead_config(t, result.curve_cert);
    std::string resource_text = resource_config(R_path);
    std::string R_text;
    if (s.R.empty()) {
        R_text = resource_R(t.hosts(), s.cores, s.gpus).dump() + "\n";
    } else {
        nlohmann::json R = nlohmann::json::parse(s.R, nullptr, false);
        if (!R.is_object() || !R.contains("execution"))
            throw Error("the R given is not an RFC 20 R object (JSON with an 'execution' key)");
        R_text = s.R;
    }
    if (!generate && !exists(s.curve_cert))
        throw Error("curve_cert '" + s.curve_cert +
                    "' does not exist; give an existing certificate, or none to generate one");

    std::vector<std::string> targets = {bootstrap, resource, R_path};
    if (generate) targets.push_back(result.curve_cert);
    std::string present;
    for (const auto& f : targets)
        if (exists(f)) present += (present.empty() ? "" : ", ") + f;
    if (!present.empty() && !s.overwrite)
        throw Error("config_dir '" + s.config_dir + "' already holds " + present +
                    "; allow replacing them (overwrite), or choose another config_dir");

    own_directory(s.config_dir, "config_dir");
    own_directory(result.config_path, "the config directory");
    if (generate) {
        write_curve_cert(result.curve_cert, generate_curve_cert("flux-burst"), s.overwrite);
        result.files.push_back(result.curve_cert);
    }
    write_file_atomically(R_path, R_text, 0644);
    result.files.push_back(R_path);
    write_file_atomically(resource, resource_text, 0644);
    result.files.push_back(resource);
    write_file_atomically(bootstrap, bootstrap_text, 0644);
    result.files.push_back(bootstrap);
    return result;
}

}  // namespace fluxburst::topology
