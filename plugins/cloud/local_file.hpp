// Reading local files the cloud plugins use as data: certificates, keys, tokens.
// (Files that name commands to run are read with <fluxburst/trusted_file.hpp>.)
#pragma once

#include <cstddef>
#include <string>

namespace fluxburst::cloud {

/// The whole file, refused when larger than max_bytes. `what` names the file's role
/// in the error ("kubeconfig", "client key of user x"). Throws fluxburst::Error.
std::string read_local_file(const std::string& path, std::size_t max_bytes,
                            const std::string& what);

}  // namespace fluxburst::cloud
