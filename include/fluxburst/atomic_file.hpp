// Crash-safe file replacement, for queues and plugin state files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <fluxburst/export.hpp>

namespace fluxburst {

/// Replace `path` with `content` so that a reader (or a crash at any moment) sees
/// either the old file or the new one, never a mix: write a temporary file in the
/// same directory, fsync it, rename it over `path`, fsync the directory. The new
/// file keeps the old one's permission bits (or gets `mode` when it is new), and
/// its owner and group where the process may set them (as root).
/// Throws fluxburst::Error naming the path and the system's reason.
FLUXBURST_API void write_file_atomically(const std::string& path, std::string_view content,
                                         unsigned mode = 0644);

/// The same, with the content given as pieces written one after the other (no
/// copy of the whole content is made).
FLUXBURST_API void write_file_atomically(const std::string& path,
                                         const std::vector<std::string_view>& pieces,
                                         unsigned mode = 0644);

/// The whole file as a string. Throws fluxburst::Error naming the path.
FLUXBURST_API std::string read_file(const std::string& path);

}  // namespace fluxburst
