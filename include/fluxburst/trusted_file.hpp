// Files the tool trusts (configuration, plugin state): refused when someone other
// than their owner could have written them, as OpenSSH and PAM refuse such files.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include <sys/stat.h>

#include <fluxburst/export.hpp>

namespace fluxburst {

/// Who may own a trusted file.
enum class TrustedOwner {
    User,        ///< the effective user only (files the tool writes: state files)
    UserOrRoot,  ///< the effective user or root (files an operator provides: configuration)
};

/// Why the file `path` with status `st` cannot be trusted, with the command that
/// fixes it ("" when it can): owned by another user, or writable by its group or
/// by others.
FLUXBURST_API std::string trust_problem(const std::string& path, const struct stat& st,
                                        TrustedOwner owner);

/// The content of the trusted file `path` (`what` names it in messages, e.g.
/// "config file"), or nullopt when it does not exist. Opened once without
/// following a FIFO's block (O_NONBLOCK) and checked on the open descriptor:
/// throws fluxburst::Error naming the file and the fix when it is not a regular
/// file, fails trust_problem(), or is larger than `max_size` bytes.
FLUXBURST_API std::optional<std::string> read_trusted_file(const std::string& path,
                                                           const std::string& what,
                                                           TrustedOwner owner,
                                                           std::size_t max_size);

}  // namespace fluxburst
