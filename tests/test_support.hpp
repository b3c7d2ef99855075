// Helpers shared by the tests: temporary directories and environment guards.
#pragma once

#include <string>

namespace test {

/// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

/// Sets (or unsets, with nullptr) an environment variable for a scope.
class EnvVar {
public:
    EnvVar(const std::string& name, const char* value);
    ~EnvVar();

private:
    std::string name_;
    std::string old_;
    bool had_ = false;
};

void write_text(const std::string& path, const std::string& text);
std::string read_text(const std::string& path);

}  // namespace test
