// Writing a file's replacement as it is produced (private to the library).
//
// write_file_atomically() takes the whole content at once; marking a large jobs
// file produces it piece by piece instead, and holding it all in memory beside
// the file it replaces would double the memory a rewrite needs. This writes the
// pieces to the temporary file through one bounded buffer and renames it over
// the file only on commit().
#pragma once

#include <string>
#include <string_view>

namespace fluxburst {

class AtomicFileWriter {
public:
    /// Create a temporary file beside `path` with the old file's permission bits
    /// (or `mode` when it is new), and its owner and group where the process may
    /// set them. Throws fluxburst::Error naming the path.
    AtomicFileWriter(const std::string& path, unsigned mode);
    /// Removes the temporary file unless commit() succeeded: `path` is untouched.
    ~AtomicFileWriter();
    AtomicFileWriter(const AtomicFileWriter&) = delete;
    AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

    /// Append bytes to the new content (buffered). Throws fluxburst::Error.
    void write(std::string_view bytes);
    /// Flush, fsync, rename over `path`, fsync its directory. Throws fluxburst::Error
    /// (then `path` is untouched).
    void commit();

private:
    void flush();
    void write_out(const char* data, std::size_t size);
    [[noreturn]] void abandon(const char* what, int err);

    std::string path_;
    std::string tmp_;
    int fd_ = -1;
    std::string buffer_;
};

}  // namespace fluxburst
