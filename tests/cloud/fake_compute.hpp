// A fake Compute Engine API (HTTPS, in-process) for the compute-engine plugin's
// tests: instances insert/get/delete in zones, zone operations that go PENDING ->
// RUNNING -> DONE as they are polled, request bodies checked against the trimmed
// discovery document, bearer tokens required, and failures on demand: a quota
// that fails the operations beyond it, an HTTP error for the next call of a kind,
// operations that never finish.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fake_google_api.hpp"

namespace test {

class FakeCompute : public FakeGoogleApi {
public:
    /// Serves HTTPS with `server` (a certificate from test_tls).
    explicit FakeCompute(const TlsIdentity& server);

    /// "https://127.0.0.1:PORT/compute/v1"
    std::string endpoint() const { return url() + "/compute/v1"; }

    /// At most `n` instances may exist; an insert beyond fails in its operation
    /// with Google's QUOTA_EXCEEDED error.
    void set_quota(int n);
    /// Operations stay RUNNING (never DONE) while set.
    void stall_operations(bool stall);
    /// Create an instance directly (someone else's VM, or one a crashed run made).
    void add_instance(const std::string& zone, const std::string& name, nlohmann::json labels);

    /// Instances that exist: "zone/name" -> the stored instance.
    std::map<std::string, nlohmann::json> instances() const;
    /// The last inserted instance body.
    nlohmann::json last_insert() const;

private:
    struct Operation {
        std::string zone, type, target;
        int polls = 0;
        std::string error_code, error_message;
        bool done = false;
    };
    void serve(const httplib::Request& req, httplib::Response& res) override;
    void advance(Operation& op);
    nlohmann::json operation_json(const std::string& name, const Operation& op) const;

    int quota_ = 1000;
    bool stall_ = false;
    int next_op_ = 0;
    std::map<std::string, nlohmann::json> instances_;  // zone/name
    std::map<std::string, Operation> operations_;
    nlohmann::json last_insert_;
};

}  // namespace test
