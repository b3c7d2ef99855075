// flock(2) on a lock file, private to the library: the jobs file's data lock
// (held across read, mark and rename) and its controller claim.
#pragma once

#include <chrono>
#include <string>

namespace fluxburst {

class FileLock {
public:
    /// Open (creating it, mode 0600) `path` and lock it exclusively, waiting at most
    /// `wait` (zero: do not wait). Throws QueueBusyError naming the lock file and
    /// the holder's note (what it wrote into the file) when it stays held, and
    /// QueueError when the file cannot be opened.
    FileLock(std::string path, std::chrono::milliseconds wait, const std::string& what);
    ~FileLock();
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

    /// Replace the lock file's content with `note` (who holds it), for the next
    /// process that finds it held.
    void write_note(const std::string& note);
    const std::string& path() const { return path_; }

private:
    std::string path_;
    int fd_ = -1;
};

}  // namespace fluxburst
