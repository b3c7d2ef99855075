// The connected-burst topology: names, both sides' broker configs, R, the lead setup.
#include <sys/stat.h>

#include <toml++/toml.h>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fluxburst/error.hpp>
#include <fluxburst/flux.hpp>
#include <fluxburst/topology.hpp>
#include <set>

#include "flux_protocol.hpp"  // ranks_of_R
#include "test_support.hpp"

namespace topo = fluxburst::topology;
namespace fp = fluxburst::flux_protocol;
using nlohmann::json;

namespace {

// What flux-core 0.88 reads from a broker config, checked the way it checks it
// (src/common/libfluxutil/conf_bootstrap.c: [bootstrap] keys and hosts entries are
// closed sets; duplicates merge into the first occurrence; src/modules/overlay/
// ovconf.c: [tbon] topo). Returns the expanded hosts and rank 0's entry.
struct Parsed {
    std::vector<std::string> hosts;
    std::string rank0_bind, rank0_connect, curve_cert, topo;
    std::int64_t default_port = -1;
};

Parsed parse_as_flux(const std::string& text) {
    toml::table conf = toml::parse(text);
    Parsed p;
    const toml::table* b = conf["bootstrap"].as_table();
    REQUIRE(b);
    const std::set<std::string> keys = {"hosts",        "curve_cert",      "default_port",
                                        "default_bind", "default_connect", "enable_ipv6"};
    for (const auto& [k, v] : *b) {
        INFO("bootstrap key " << k.str());
        CHECK(keys.count(std::string(k.str())));
    }
    p.curve_cert = b->get("curve_cert")->value<std::string>().value_or("");
    p.default_port = (*b)["default_port"].value<std::int64_t>().value_or(-1);
    const toml::array* hosts = (*b)["hosts"].as_array();
    REQUIRE(hosts);
    std::set<std::string> seen;
    for (const auto& e : *hosts) {
        const toml::table* entry = e.as_table();
        REQUIRE(entry);
        for (const auto& [k, v] : *entry) {
            INFO("hosts entry key " << k.str());
            CHECK((k.str() == "host" || k.str() == "bind" || k.str() == "connect" ||
                   k.str() == "parent"));
        }
        std::string list = (*entry)["host"].value<std::string>().value_or("");
        for (const auto& h : fp::expand_hostlist(list)) {
            if (!seen.insert(h).second) continue;  // merged into the first occurrence
            if (p.hosts.empty()) {
                p.rank0_bind = (*entry)["bind"].value<std::string>().value_or("");
                p.rank0_connect = (*entry)["connect"].value<std::string>().value_or("");
            }
            p.hosts.push_back(h);
            topo::check_host_name(h, "host");
        }
    }
    p.topo = conf["tbon"]["topo"].value<std::string>().value_or("");
    return p;
}

unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

topo::Topology sample(std::int64_t lead, std::int64_t bursts, std::int64_t size) {
    topo::Topology t;
    for (std::int64_t i = 0; i < lead; ++i) t.lead_hosts.push_back("lead" + std::to_string(i));
    t.lead_address = "34.1.2.3";
    t.port = 30093;
    t.bursts = topo::declare_bursts("burst", topo::instance_tag("34.1.2.3:30093"), bursts, size);
    return t;
}

}  // namespace

TEST_CASE("topology: DNS labels and host names") {
    for (const std::string good : {"a", "burst-0", "0abc", "x-y-z9"})
        CHECK(topo::is_dns_label(good));
    CHECK(topo::is_dns_label(std::string(63, 'a')));
    for (const char* bad : {"", "-a", "a-", "A", "a_b", "a.b", "a b", "é"})
        CHECK_FALSE(topo::is_dns_label(bad));
    CHECK_FALSE(topo::is_dns_label(std::string(64, 'a')));
    CHECK_THROWS_WITH(topo::check_dns_label("Burst", "burst_prefix"),
                      Catch::Contains("burst_prefix 'Burst'") && Catch::Contains("DNS-1123"));
    CHECK_THROWS_WITH(topo::check_dns_label(std::string(70, 'a'), "x"),
                      Catch::Contains("70 characters"));
    topo::check_host_name("node-1.example.com", "h");
    topo::check_host_name("Node7", "h");
    topo::check_host_name("10.0.0.1", "h");
    for (const char* bad : {"", "a..b", "-a", "a-", "a_b", "a b", "a\"b", "a]b"})
        CHECK_THROWS_AS(topo::check_host_name(bad, "h"), fluxburst::Error);
}

TEST_CASE("topology: burst names are unique per instance and per burst, and valid hosts") {
    std::string a = topo::instance_tag("34.1.2.3:30093");
    std::string b = topo::instance_tag("34.1.2.4:30093");
    CHECK(a == topo::instance_tag("34.1.2.3:30093"));  // stable
    CHECK(a != b);
    CHECK(a.size() == 8);
    CHECK(topo::is_dns_label(a));
    // Many instances: no two tags collide.
    std::set<std::string> tags;
    for (int i = 0; i < 2000; ++i) tags.insert(topo::instance_tag("10.0.0." + std::to_string(i)));
    CHECK(tags.size() == 2000);

    std::set<std::string> names;
    for (const auto& tag : {a, b})
        for (int i = 0; i < 20; ++i) {
            std::string n = topo::burst_name("burst", tag, i);
            CHECK(topo::is_dns_label(n));
            CHECK(names.insert(n).second);
        }
    CHECK(topo::burst_name("burst", a, 3) == "burst-" + a + "-3");
    CHECK_THROWS_WITH(topo::burst_name("Burst", a, 0), Catch::Contains("burst name prefix"));
    CHECK_THROWS_WITH(topo::burst_name(std::string(55, 'b'), a, 0),
                      Catch::Contains("shorter burst name prefix"));
    CHECK_THROWS_AS(topo::burst_name("burst", a, -1), fluxburst::Error);

    CHECK(topo::burst_hosts("b-1", 3) == std::vector<std::string>{"b-1-0", "b-1-1", "b-1-2"});
    CHECK_THROWS_WITH(topo::burst_hosts("b", 0), Catch::Contains("at least 1 host"));
    auto slots = topo::declare_bursts("burst", a, 2, 4);
    REQUIRE(slots.size() == 2);
    CHECK(slots[1].name == "burst-" + a + "-1");
    CHECK(slots[1].size == 4);
}

TEST_CASE(
    "topology: both configs list the same hosts in the same order, as Flux reads them, for "
    "every shape") {
    for (std::int64_t lead = 1; lead <= 4; ++lead)
        for (std::int64_t bursts = 0; bursts <= 3; ++bursts)
            for (std::int64_t size = 1; size <= 3; ++size) {
                topo::Topology t = sample(lead, bursts, size);
                INFO("lead " << lead << " bursts " << bursts << " size " << size);
                std::string lead_text = topo::lead_config(t, "/etc/flux/curve.cert");
                std::string remote_text = topo::remote_config(t, "/mnt/curve/curve.cert");
                CHECK(lead_text.find("-[1-0]") == std::string::npos);
                CHECK(lead_text.find("[]") == std::string::npos);
                Parsed l = parse_as_flux(lead_text), r = parse_as_flux(remote_text);
                CHECK(l.hosts == t.hosts());
                CHECK(r.hosts == t.hosts());
                CHECK(static_cast<std::int64_t>(l.hosts.size()) == t.size());
                CHECK(l.hosts.front() == "lead0");
                // Rank 0 binds on the lead; everyone reaches it at the public address.
                CHECK(l.rank0_bind == "tcp://*:%p");
                CHECK(l.rank0_connect == "tcp://34.1.2.3:%p");
                CHECK(r.rank0_bind.empty());
                CHECK(r.rank0_connect == "tcp://34.1.2.3:%p");
                CHECK(l.default_port == 30093);
                CHECK(r.default_port == 30093);
                CHECK(l.curve_cert == "/etc/flux/curve.cert");
                CHECK(r.curve_cert == "/mnt/curve/curve.cert");
                // A flat tree: kary:K with K >= size.
                CHECK(l.topo == r.topo);
                REQUIRE(l.topo.rfind("kary:", 0) == 0);
                CHECK(std::stoll(l.topo.substr(5)) >= t.size());
                if (bursts > 0) {
                    CHECK(t.first_rank(0) == lead);
                    CHECK(l.hosts[static_cast<std::size_t>(t.first_rank(bursts - 1))] ==
                          t.bursts.back().name + "-0");
                }
            }
}

TEST_CASE("topology: a large instance keeps a flat tree and compact host entries") {
    topo::Topology t = sample(300, 2, 64);
    std::string text = topo::lead_config(t, "/c");
    Parsed p = parse_as_flux(text);
    CHECK(p.hosts.size() == 428);
    CHECK(p.topo == "kary:428");
    CHECK_THAT(text, Catch::Contains("{ host = \"lead[1-299]\" }"));
    CHECK(std::count(text.begin(), text.end(), '\n') < 20);
}

TEST_CASE("topology: custom rank 0 URIs and hosts in any order keep their ranks") {
    topo::Topology t;
    t.lead_hosts = {"n3", "n1", "n2", "login.example.com"};
    t.bind = "ipc:///tmp/x/tbon-%h";
    t.connect = "ipc:///tmp/x/tbon-n3";
    t.bursts = {{"b-0", 2}};
    Parsed p = parse_as_flux(topo::lead_config(t, "/c"));
    CHECK(p.hosts ==
          std::vector<std::string>{"n3", "n1", "n2", "login.example.com", "b-0-0", "b-0-1"});
    CHECK(p.rank0_bind == "ipc:///tmp/x/tbon-%h");
    CHECK(p.rank0_connect == "ipc:///tmp/x/tbon-n3");
}

TEST_CASE("topology: what cannot be rendered is refused, naming the field") {
    auto refused = [](const topo::Topology& t, const std::string& what) {
        CHECK_THROWS_WITH(topo::lead_config(t, "/c"), Catch::Contains(what));
        CHECK_THROWS_WITH(topo::remote_config(t, "/c"), Catch::Contains(what));
    };
    topo::Topology t = sample(2, 1, 2);
    {
        auto x = t;
        x.lead_hosts.clear();
        refused(x, "lead's hosts are not given");
    }
    {
        auto x = t;
        x.lead_hosts.push_back("lead0");
        refused(x, "'lead0' is given twice");
    }
    {
        auto x = t;
        x.lead_hosts.push_back(x.bursts[0].name + "-1");
        refused(x, "also another rank's host");
    }
    {
        auto x = t;
        x.bursts.push_back(x.bursts[0]);
        refused(x, "declared twice");
    }
    {
        auto x = t;
        x.bursts[0].name = "Burst_0";
        refused(x, "burst 0 name 'Burst_0'");
    }
    {
        auto x = t;
        x.bursts[0].size = 0;
        refused(x, "at least 1 host");
    }
    for (std::int64_t port : {0, -1, 65536}) {
        auto x = t;
        x.port = port;
        refused(x, "outside 1-65535");
    }
    {
        auto x = t;
        x.lead_address = "";
        refused(x, "lead's address is not given");
    }
    for (const char* addr : {"1.2.3.4\"", "a b", "x\ny", "host:80"}) {
        auto x = t;
        x.lead_address = addr;
        refused(x, "lead address");
    }
    for (const char* uri : {"http://x:1", "tcp://", "tcp://a b:1", "tcp://x:*", "tcp://\"x\":1"}) {
        auto x = t;
        x.bind = uri;
        refused(x, "bind URI");
    }
    {
        auto x = t;
        x.lead_hosts[1] = "bad_host";
        refused(x, "lead host 1 'bad_host'");
    }
    CHECK_THROWS_WITH(topo::lead_config(t, ""), Catch::Contains("curve_cert path is empty"));
}

TEST_CASE("topology: R and resource config") {
    json R = topo::resource_R({"lead0", "b-0-0", "b-0-1"}, "0-3");
    CHECK(R["version"] == 1);
    CHECK(R["execution"]["R_lite"][0]["rank"] == "0-2");
    CHECK(R["execution"]["R_lite"][0]["children"]["core"] == "0-3");
    CHECK(R["execution"]["nodelist"] == json::array({"lead0,b-0-[0-1]"}));
    CHECK(fp::ranks_of_R(R) == std::vector<std::int64_t>{0, 1, 2});
    json one = topo::resource_R({"solo"}, "0", "0-1");
    CHECK(one["execution"]["R_lite"][0]["rank"] == "0");
    CHECK(one["execution"]["R_lite"][0]["children"]["gpu"] == "0-1");
    CHECK_THROWS_WITH(topo::resource_R({"a"}, "x-y"), Catch::Contains("cores 'x-y'"));
    CHECK_THROWS_WITH(topo::resource_R({"a"}, ""), Catch::Contains("cores is empty"));
    CHECK_THROWS_AS(topo::resource_R({}, "0"), fluxburst::Error);
    toml::table res = toml::parse(topo::resource_config("/d/R \"x\""));
    CHECK(res["resource"]["path"].value<std::string>() == "/d/R \"x\"");
    CHECK(res["resource"]["noverify"].value<bool>() == true);
}

TEST_CASE(
    "topology: the lead setup writes config, R and a private certificate, and refuses to "
    "overwrite unless asked") {
    test::TempDir dir;
    topo::LeadSetup s;
    s.config_dir = dir.file("lead");
    s.topology = sample(2, 1, 2);
    s.cores = "0-1";
    topo::LeadSetupResult r = topo::write_lead_setup(s);
    CHECK(r.config_path == s.config_dir + "/conf.d");
    CHECK(r.curve_cert == s.config_dir + "/curve.cert");
    CHECK(r.files.size() == 4);
    CHECK(mode_of(s.config_dir) == 0700);
    CHECK(mode_of(r.curve_cert) == 0600);
    CHECK(mode_of(r.config_path + "/bootstrap.toml") == 0644);
    Parsed p = parse_as_flux(test::read_text(r.config_path + "/bootstrap.toml"));
    CHECK(p.hosts == s.topology.hosts());
    CHECK(p.curve_cert == r.curve_cert);
    json R = json::parse(test::read_text(s.config_dir + "/R"));
    CHECK(fp::ranks_of_R(R).size() == 4);
    std::string cert = test::read_text(r.curve_cert);
    fluxburst::parse_curve_cert(cert, r.curve_cert);

    // Again: refused before anything is touched, naming every file.
    CHECK_THROWS_WITH(topo::write_lead_setup(s),
                      Catch::Contains("already holds") && Catch::Contains("curve.cert") &&
                          Catch::Contains("bootstrap.toml") && Catch::Contains("overwrite"));
    CHECK(test::read_text(r.curve_cert) == cert);
    s.overwrite = true;
    topo::write_lead_setup(s);
    CHECK(test::read_text(r.curve_cert) != cert);
    CHECK(mode_of(r.curve_cert) == 0600);

    // An existing certificate is used, not replaced.
    topo::LeadSetup given = s;
    given.config_dir = dir.file("lead2");
    given.curve_cert = r.curve_cert;
    given.overwrite = false;
    auto r2 = topo::write_lead_setup(given);
    CHECK(r2.files.size() == 3);
    CHECK(parse_as_flux(test::read_text(r2.config_path + "/bootstrap.toml")).curve_cert ==
          r.curve_cert);
    given.config_dir = dir.file("lead3");
    given.curve_cert = dir.file("missing.cert");
    CHECK_THROWS_WITH(topo::write_lead_setup(given), Catch::Contains("does not exist"));
    CHECK_FALSE(std::filesystem::exists(dir.file("lead3")));  // nothing half-written

    // A config_dir others can write is refused.
    std::filesystem::create_directories(dir.file("open"));
    std::filesystem::permissions(dir.file("open"), std::filesystem::perms::all);
    topo::LeadSetup open = s;
    open.config_dir = dir.file("open");
    CHECK_THROWS_WITH(topo::write_lead_setup(open), Catch::Contains("writable by every user"));
    // A bad topology writes nothing.
    topo::LeadSetup bad = s;
    bad.config_dir = dir.file("bad");
    bad.topology.port = 0;
    CHECK_THROWS_WITH(topo::write_lead_setup(bad), Catch::Contains("port"));
    CHECK_FALSE(std::filesystem::exists(dir.file("bad")));
    bad.topology.port = 1;
    bad.R = "not json";
    CHECK_THROWS_WITH(topo::write_lead_setup(bad), Catch::Contains("not an RFC 20 R"));
    CHECK_FALSE(std::filesystem::exists(dir.file("bad")));
}
