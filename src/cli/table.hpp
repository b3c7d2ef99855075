// Human-readable output: aligned tables on stdout.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <fluxburst/client.hpp>
#include <fluxburst/plugin.hpp>
#include <fluxburst/report.hpp>

namespace fluxburst::cli {

/// A burst report. For a cycle (`cycle`: run or select): a summary line and one row
/// per selected job (id in F58 form, name, nodes, plugin, outcome). Then one row per
/// plugin action (run, request, unburst), then the unmatched jobs and the skipped
/// queue entries with their reasons.
void print_report(std::ostream& out, const BurstReport& report, bool cycle);

/// Discovered plugins (name, version, description, path), then the broken ones
/// with their error, then the directories searched.
void print_plugin_list(std::ostream& out, const std::vector<PluginDescription>& plugins,
                       const std::vector<std::string>& dirs);

/// One plugin and its parameters (type, default, required, help).
void print_plugin_detail(std::ostream& out, const PluginDescription& plugin);

/// What a plugin's setup() did: its summary, the files it wrote (details "files"),
/// and what must be reachable from outside (details "listen": address and port).
void print_setup(std::ostream& out, const std::string& plugin, const BurstResult& result);

/// The outcome column of a selected job: "would burst", "burst", "run failed",
/// "unmatched".
std::string job_outcome(const BurstReport& report, JobId id);

}  // namespace fluxburst::cli
