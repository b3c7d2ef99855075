// Files the tool trusts (configuration, plugin state): refused when someone other
// than their owner could have written them, as OpenSSH and PAM refuse such files;
// files holding secrets (credentials) also when someone else could read them.
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

/// What a trusted file holds.
enum class TrustedContent {
    Settings,  ///< configuration, state: others may read it, not write it
    Secret,    ///< keys, tokens, credentials: private to its owner (no group or other
               ///< permission at all, as ssh requires of a private key), and read from
               ///< the file itself, never through a symbolic link
};

/// Why the file `path` with status `st` cannot be trusted, with the command that
/// fixes it ("" when it can): owned by another user, writable by its group or by
/// others, or, for a Secret, any permission for its group or others.
FLUXBURST_API std::string trust_problem(const std::string& path, const struct stat& st,
                                        TrustedOwner owner,
                                        TrustedContent content = TrustedContent::Settings);

/// The content of the trusted file `path` (`what` names it in messages, e.g.
/// "config file"), or nullopt when it does not exist. Opened once without
/// following a FIFO's block (O_NONBLOCK) (a Secret: nor a symbolic link) and
/// checked on the open descriptor: throws fluxburst::Error naming the file and the
/// fix when it is not a regular file, fails trust_problem(), or is larger than
/// `max_size` bytes.
FLUXBURST_API std::optional<std::string> read_trusted_file(
    const std::string& path, const std::string& what, TrustedOwner owner, std::size_t max_size,
    TrustedContent content = TrustedContent::Settings);

}  // namespace fluxburst
