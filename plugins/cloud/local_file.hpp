// Reading the local files the cloud plugins trust: kubeconfigs, keys, certificates.
#pragma once

#include <cstddef>
#include <string>

namespace fluxburst::cloud {

/// The whole file, refused when larger than max_bytes. `what` names the file's role
/// in the error ("kubeconfig", "client key of user x"). Throws fluxburst::Error.
std::string read_local_file(const std::string& path, std::size_t max_bytes,
                            const std::string& what);

/// Throws fluxburst::Error when the file is not owned by the effective user (or
/// root) or is writable by group or others: files naming commands we run, or keys.
void check_private_file(const std::string& path, const std::string& what);

}  // namespace fluxburst::cloud
