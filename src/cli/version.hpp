// What `flux-burst --version` prints.
#pragma once

#include <string>
#include <vector>

namespace fluxburst::cli {

/// "flux-burst X"; with `verbose`, also the library, Flux support and the JSON
/// parser's kernel (chosen at run time for this CPU).
std::string version_text(bool verbose);

/// True when the arguments ask only for the version (`--version`, optionally with
/// -v/-vv/--verbose); sets `verbose` accordingly.
bool is_version_request(const std::vector<std::string>& args, bool& verbose);

}  // namespace fluxburst::cli
