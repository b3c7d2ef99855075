// Flux support that needs no libflux: opening the live queue, the instance's
// resources as plugins see them, and Flux's wire formats (job-list, job-info,
// job-manager memos, sched.resource-status, resource.status, idsets, hostlists).
//
// The parsers are what FluxQueue uses on the responses it receives; they are
// public so that plugins and tests can use them on captured responses, and they
// are built whether or not this copy has the live backend (FLUXBURST_HAVE_FLUX).
#pragma once

#include <cstdint>
#include <fluxburst/export.hpp>
#include <fluxburst/queue.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace fluxburst {

/// The live Flux queue at `uri` ("" means $FLUX_URI, as every Flux tool does):
/// a FluxQueue (fluxburst/flux_queue.hpp) with default options. This is how a
/// program that must build with or without Flux support creates one. Throws
/// QueueError naming the URI when the instance cannot be reached, or saying
/// that this copy of libfluxburst was built without Flux (FLUXBURST_HAVE_FLUX 0).
FLUXBURST_API std::shared_ptr<JobQueue> open_flux_queue(const std::string& uri = "");

/// The nodes of a Flux instance, by broker rank.
///
/// From sched.resource-status (the scheduler's view): `all`, `allocated` (a node
/// with any allocated core) and `down` (offline, drained or excluded); `free` is
/// all - allocated - down. From resource.status, when asked for: `offline` (no
/// broker running: what a local burst can start) and `drained`.
struct FLUXBURST_API ResourceStatus {
    std::vector<std::string> hosts;  ///< hostname of each rank (index = rank), may be empty
    std::vector<std::int64_t> all;
    std::vector<std::int64_t> free;
    std::vector<std::int64_t> allocated;
    std::vector<std::int64_t> down;
    std::vector<std::int64_t> offline;  ///< empty unless resource.status was read
    std::vector<std::int64_t> drained;  ///< empty unless resource.status was read
    bool have_offline = false;          ///< whether offline/drained were read

    std::int64_t total_nodes() const { return static_cast<std::int64_t>(all.size()); }
    std::int64_t free_nodes() const { return static_cast<std::int64_t>(free.size()); }
    std::int64_t allocated_nodes() const { return static_cast<std::int64_t>(allocated.size()); }
    std::int64_t down_nodes() const { return static_cast<std::int64_t>(down.size()); }

    /// Hostname of `rank` ("rank N" when R has no nodelist for it).
    std::string host(std::int64_t rank) const;
    /// Hostnames of `ranks`, in the same order.
    std::vector<std::string> host_names(const std::vector<std::int64_t>& ranks) const;
    /// {"total":..,"free":..,"allocated":..,"down":.., "free_hosts": "fake0", ...}
    nlohmann::json to_json() const;
};

/// Flux's wire formats. Each function takes a response payload (JSON text or an
/// already parsed object) and throws QueueError saying what is wrong with it.
namespace flux_protocol {

/// Job states as job-list numbers them (RFC 21).
enum JobState : int {
    STATE_NEW = 1,
    STATE_DEPEND = 2,
    STATE_PRIORITY = 4,
    STATE_SCHED = 8,
    STATE_RUN = 16,
    STATE_CLEANUP = 32,
    STATE_INACTIVE = 64,
    STATES_PENDING = STATE_DEPEND | STATE_PRIORITY | STATE_SCHED,
};

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

/// A ResourceStatus from a sched.resource-status response ({all, allocated, down}
/// as R objects). Hostnames come from all's nodelist.
FLUXBURST_API ResourceStatus parse_sched_resource_status(const nlohmann::json& response);
/// Add resource.status's view (online/offline idsets, drain) to `status`; when
/// `status` is empty (no scheduler), also fill all/down/free from it.
FLUXBURST_API void add_resource_module_status(ResourceStatus& status,
                                              const nlohmann::json& response);

/// The ranks of an RFC 20 R object (the union of its R_lite entries).
FLUXBURST_API std::vector<std::int64_t> ranks_of_R(const nlohmann::json& R);

/// An RFC 22 idset ("0-3,7", "[1-2]", "") as a sorted list without duplicates.
FLUXBURST_API std::vector<std::int64_t> parse_idset(const std::string& text);
/// A sorted list as an idset ("0-3,7").
FLUXBURST_API std::string format_idset(std::vector<std::int64_t> ids);

/// An RFC 29 hostlist ("fake[0-3],login[01-02]x,node7") as hostnames, in order.
FLUXBURST_API std::vector<std::string> expand_hostlist(const std::string& text);
/// Hostnames as a compact hostlist ("fake[0-3],login1"), keeping their order.
FLUXBURST_API std::string compress_hostlist(const std::vector<std::string>& hosts);

}  // namespace flux_protocol
}  // namespace fluxburst
