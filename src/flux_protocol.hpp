// Flux's wire formats as FluxQueue speaks them: the requests it sends (job-list,
// job-info, job-manager memos) and the parsers of the responses it receives. Each
// parser takes a response payload (JSON text or an already parsed object) and
// throws QueueError saying what is wrong with it. Internal (not installed): the
// tests reach it through the fluxburst_internal target; plugins use
// <fluxburst/flux.hpp>.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <fluxburst/export.hpp>
#include <fluxburst/flux.hpp>

namespace fluxburst::flux_protocol {

/// The job-list.list request for jobs in `states` (a mask), every attribute
/// listed in `attrs`, and `extra` ANDed to the state constraint when it is an
/// object (an RFC 31 constraint, e.g. {"queue": ["batch"]}).
FLUXBURST_API nlohmann::json list_request(int states, const std::vector<std::string>& attrs,
                                          const nlohmann::json& extra = nullptr);

/// One job-list.list response: its jobs, and the protocol version it announces
/// (0 when it has no "version" key: the single-response form).
struct JobListPage {
    std::vector<nlohmann::json> jobs;
    int version = 0;
};
FLUXBURST_API JobListPage parse_list_response(const std::string& payload);

/// Follows a job-list.list answer through either protocol form: one response
/// holding every job (version 0), or the streaming form (one job per response,
/// the first carrying "version": 1, ended by an ENODATA error).
class FLUXBURST_API JobListReader {
public:
    /// Feed a response payload; returns its jobs. Throws QueueError on a
    /// malformed payload or a response after the end.
    std::vector<nlohmann::json> on_response(const std::string& payload);
    /// Feed an error response (errno and text). ENODATA ends a stream; any other
    /// error throws QueueError with the text.
    void on_error(int errnum, const std::string& text);
    /// True when no more responses will come.
    bool done() const { return done_; }
    /// The protocol form seen: -1 before the first response, then 0 or 1.
    int version() const { return version_; }
    /// Jobs seen so far.
    std::size_t count() const { return count_; }

private:
    bool done_ = false;
    int version_ = -1;
    std::size_t count_ = 0;
};

/// The job-info.lookup request for a job's jobspec (as submitted).
FLUXBURST_API nlohmann::json jobspec_lookup_request(std::uint64_t id);
/// The jobspec in a job-info.lookup response: a JSON-encoded string (flags 0) or
/// an object (the JSON_DECODE flag).
FLUXBURST_API nlohmann::json parse_jobspec_response(const std::string& payload);

/// The job-list.list-id request; with `wait_state` (e.g. STATE_INACTIVE) the
/// answer comes only once the job has reached that state.
FLUXBURST_API nlohmann::json list_id_request(std::uint64_t id,
                                             const std::vector<std::string>& attrs,
                                             int wait_state = 0);
/// The job in a job-list.list-id response ({"job": {...}}).
FLUXBURST_API nlohmann::json parse_list_id_response(const std::string& payload);

/// The job-manager.memo request (RFC 21) recording that `plugin` took job `id`:
/// annotations.user.fluxburst = {"plugin": plugin, "time": time}, plus
/// "controller": controller when given (who marked it). With an empty plugin,
/// the request that removes the memo again.
FLUXBURST_API nlohmann::json memo_request(std::uint64_t id, const std::string& plugin, double time,
                                          const std::string& controller = "");

/// The ranks of an RFC 20 R object (the union of its R_lite entries).
FLUXBURST_API std::vector<std::int64_t> ranks_of_R(const nlohmann::json& R);

}  // namespace fluxburst::flux_protocol
