// A plugin's state file: what it created, kept across commands and restarts.
//
// Several commands may use one state file at once (a `run --watch` and a
// `request`, two cron jobs): every change holds an exclusive lock across reading,
// changing and writing, so no update is lost. The file is trusted (it says what to
// stop, which commands to run): it is refused when another user owns it or others
// may write it, and it is always written with mode 0600.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include <fluxburst/export.hpp>

namespace fluxburst {

class FLUXBURST_API StateFile {
public:
    /// The state file at `path` (created on the first update). The lock is the
    /// sidecar file "<path>.lock" (flock; it stays, empty but for the holder's pid).
    explicit StateFile(std::string path);

    /// Exclusive lock (waiting at most lock_timeout(), then fluxburst::Error naming
    /// the lock file and the process holding it), read the state ({} when the file
    /// does not exist), call change(state), write the result atomically with mode
    /// 0600, unlock. Returns the state written. When change() throws, nothing is
    /// written and the exception propagates. Throws fluxburst::Error naming the file
    /// when it is not owned by the effective user, is writable by group or others,
    /// is not a regular file, or is not a JSON object.
    nlohmann::json update(const std::function<void(nlohmann::json& state)>& change);

    /// The state under a shared lock, with the same checks ({} when absent).
    nlohmann::json read() const;

    const std::string& path() const { return path_; }
    /// "<path>.lock".
    std::string lock_path() const { return path_ + ".lock"; }

    /// How long update() and read() wait for another holder (default 60 s).
    void set_lock_timeout(std::chrono::milliseconds timeout) { lock_timeout_ = timeout; }
    std::chrono::milliseconds lock_timeout() const { return lock_timeout_; }

    /// The largest state file read (default 64 MiB); a larger one is refused.
    static constexpr std::size_t max_size = std::size_t{64} << 20;

private:
    std::string path_;
    std::chrono::milliseconds lock_timeout_{60000};
};

}  // namespace fluxburst
