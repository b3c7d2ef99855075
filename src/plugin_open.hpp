// Opening a plugin file safely (private to the library): the file checked is the
// file loaded, every directory above it is checked, and an entry point is called
// only when it is a function the plugin itself defines.
#pragma once

#include <memory>
#include <string>

#include <sys/stat.h>

namespace fluxburst::loader {

/// dlopen the plugin at `path` (RTLD_NOW | RTLD_LOCAL): opened once, the open
/// descriptor checked (a regular file owned by root or the effective user, not
/// writable by group or others) and the same file loaded through
/// /proc/self/fd/N, after every directory of its real path was checked (owned by
/// root or the effective user, not writable by group or others unless sticky).
/// The handle closes the library, then the descriptor. Throws fluxburst::Error
/// with the reason (without the plugin's name; the caller adds it).
std::shared_ptr<void> open_plugin_file(const std::string& path);

/// Why `dir` (a directory of a plugin's path) could let someone else replace the
/// plugin, with the fix; "" when it cannot.
std::string unsafe_directory_reason(const std::string& dir, const struct stat& st);

/// The address of the function `name` defined by the plugin `handle`, or nullptr
/// when the plugin has no such symbol. Throws fluxburst::Error when `name` is not
/// a function (a variable of that name, say) or is defined by another library.
void* entry_point(void* handle, const char* name);

}  // namespace fluxburst::loader
