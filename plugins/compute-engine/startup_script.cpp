#include "startup_script.hpp"

#include <fluxburst/error.hpp>

namespace fluxburst::compute_engine {

namespace {

constexpr const char* delimiter = "FLUXBURST_END_OF_FILE";

bool safe_word(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-' || c == '/';
        if (!ok) return false;
    }
    return true;
}

void check_path(const std::string& value, const char* what) {
    if (!safe_word(value) || value[0] != '/' || value.find("..") != std::string::npos)
        throw Error(std::string("compute-engine: ") + what + " '" + value +
                    "' must be an absolute path of letters, digits and ._-/ (it is written into "
                    "the VMs' boot script)");
}

// A file written by a quoted heredoc: nothing in `text` is expanded.
std::string heredoc(const std::string& path_expr, const std::string& text, const char* what) {
    std::string body = text;
    if (!body.empty() && body.back() != '\n') body += '\n';
    std::string line_delim = std::string("\n") + delimiter + "\n";
    if (("\n" + body).find(line_delim) != std::string::npos)
        throw Error(std::string("compute-engine: the ") + what + " contains the line " + delimiter +
                    ", which would end it early in the boot script");
    return "    cat > " + path_expr + " <<'" + delimiter + "'\n" + body + delimiter + "\n";
}

}  // namespace

std::string render_startup_script(const StartupScript& s) {
    check_path(s.config_dir, "vm_config_dir");
    check_path(s.flux_root, "vm_flux_root");
    if (!safe_word(s.flux_user) || s.flux_user.find('/') != std::string::npos ||
        s.flux_user[0] == '-')
        throw Error("compute-engine: vm_flux_user '" + s.flux_user +
                    "' is not a user name (letters, digits, ._-)");
    if (!safe_word(s.burst) || s.burst.find('/') != std::string::npos)
        throw Error("compute-engine: burst name '" + s.burst + "' is not a DNS label");
    std::string unit = broker_unit_name();
    std::string out;
    out += "#!/bin/bash\n";
    out += "# Boot script of a flux-burst compute-engine VM, burst " + s.burst + ".\n";
    out += "# Written by flux-burst: it joins this VM to the lead Flux instance as the rank\n";
    out += "# pre-declared for its host name. Instance metadata is readable from the VM and by\n";
    out += "# project members who may view instances: it carries the CURVE certificate.\n";
    out += "set -euo pipefail\n\n";
    out += "fluxburst_conf=" + s.config_dir + "\n";
    out += "fluxburst_flux=" + s.flux_root + "/bin/flux\n";
    out += "fluxburst_user=" + s.flux_user + "\n\n";

    out += "# The configuration, the R file, the certificate and the broker's start script.\n";
    out += "fluxburst_write_files() {\n";
    out += "    umask 077\n";
    out += "    mkdir -p \"$fluxburst_conf/conf.d\"\n";
    out += "    chmod 0755 \"$fluxburst_conf\" \"$fluxburst_conf/conf.d\"\n";
    out += heredoc("\"$fluxburst_conf/conf.d/bootstrap.toml\"", s.broker_config, "broker config");
    out +=
        heredoc("\"$fluxburst_conf/conf.d/resource.toml\"", s.resource_config, "resource config");
    out += heredoc("\"$fluxburst_conf/R\"", s.R, "R");
    out +=
        "    chmod 0644 \"$fluxburst_conf/conf.d/bootstrap.toml\" "
        "\"$fluxburst_conf/conf.d/resource.toml\" \"$fluxburst_conf/R\"\n";
    out += "    # The certificate: created private (umask 077), readable by the Flux user only.\n";
    out += "    rm -f \"$fluxburst_conf/curve.cert\"\n";
    out += heredoc("\"$fluxburst_conf/curve.cert\"", s.curve_cert, "certificate");
    out +=
        "    if [ \"$(id -u)\" = 0 ]; then chown \"$fluxburst_user\" "
        "\"$fluxburst_conf/curve.cert\"; "
        "fi\n";
    out += "    chmod 0400 \"$fluxburst_conf/curve.cert\"\n";
    // The start script: host name, run and state directories may be overridden
    // (tests start several "VMs" on one machine).
    std::string start =
        "#!/bin/bash\n"
        "# Start this VM's Flux broker (run by " +
        unit +
        ").\n"
        "set -eu\n"
        "host=\"${FLUXBURST_HOSTNAME:-$(hostname -s)}\"\n"
        "rundir=\"${FLUXBURST_RUNDIR:-/run/flux}\"\n"
        "statedir=\"${FLUXBURST_STATEDIR:-/var/lib/flux}\"\n"
        "exec " +
        s.flux_root + "/bin/flux broker --config-path=" + s.config_dir +
        "/conf.d \\\n"
        "    -Shostname=\"$host\" -Srundir=\"$rundir\" -Sstatedir=\"$statedir\" \\\n"
        "    -Slocal-uri=\"local://$rundir/local\" -Sbroker.rc2_none -Sbroker.quorum=1 \\\n"
        "    -Sbroker.exit-norestart=42 -Slog-stderr-level=6 -Slog-stderr-mode=local\n";
    out += heredoc("\"$fluxburst_conf/start-broker\"", start, "start script");
    out += "    chmod 0755 \"$fluxburst_conf/start-broker\"\n";
    out += "}\n\n";

    out += "# A systemd unit that keeps the broker running.\n";
    out += "fluxburst_start_service() {\n";
    std::string unit_text =
        "[Unit]\n"
        "Description=Flux broker of flux-burst burst " +
        s.burst +
        "\n"
        "After=network-online.target\n"
        "Wants=network-online.target\n\n"
        "[Service]\n"
        "Type=simple\n"
        "User=" +
        s.flux_user +
        "\n"
        "RuntimeDirectory=flux\n"
        "RuntimeDirectoryMode=0755\n"
        "StateDirectory=flux\n"
        "StateDirectoryMode=0700\n"
        "ExecStart=/bin/bash " +
        s.config_dir +
        "/start-broker\n"
        "Restart=always\n"
        "RestartSec=5s\n"
        "RestartPreventExitStatus=42\n"
        "SuccessExitStatus=42\n"
        "KillMode=mixed\n"
        "TimeoutStopSec=90\n\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n";
    out += heredoc("/etc/systemd/system/" + unit, unit_text, "systemd unit");
    out += "    chmod 0644 /etc/systemd/system/" + unit + "\n";
    out += "    systemctl daemon-reload\n";
    out += "    systemctl enable --now " + unit + "\n";
    out += "}\n\n";

    out += "fluxburst_main() {\n";
    out += "    if ! id -u \"$fluxburst_user\" >/dev/null 2>&1; then\n";
    out +=
        "        echo \"flux-burst: no user $fluxburst_user on this VM: the image must have Flux "
        "and its user\" >&2\n";
    out += "        exit 1\n";
    out += "    fi\n";
    out += "    if [ ! -x \"$fluxburst_flux\" ]; then\n";
    out +=
        "        echo \"flux-burst: $fluxburst_flux not found: the image must have Flux (the "
        "lead's version)\" >&2\n";
    out += "        exit 1\n";
    out += "    fi\n";
    out += "    fluxburst_write_files\n";
    out += "    fluxburst_start_service\n";
    out += "}\n\n";
    out += "if [ \"${FLUXBURST_SOURCE_ONLY:-}\" != 1 ]; then\n";
    out += "    fluxburst_main\n";
    out += "fi\n";
    return out;
}

}  // namespace fluxburst::compute_engine
