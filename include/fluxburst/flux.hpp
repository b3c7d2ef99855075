// Flux support that needs no libflux, for plugins and programs: opening the live
// queue, the instance's resources as plugins see them, job-list's state numbers,
// and Flux's idsets and hostlists. Built whether or not this copy has the live
// backend (FLUXBURST_HAVE_FLUX). The parsers of Flux's responses are internal
// (src/flux_protocol.hpp).
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

/// Flux's formats that plugins use: job-list's state numbers, idsets, hostlists.
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

/// How a plugin with its own handle on an instance builds a ResourceStatus from
/// the answers to its requests; each throws QueueError saying what is wrong.
/// A ResourceStatus from a sched.resource-status response ({all, allocated, down}
/// as R objects). Hostnames come from all's nodelist.
FLUXBURST_API ResourceStatus parse_sched_resource_status(const nlohmann::json& response);
/// Add resource.status's view (online/offline idsets, drain) to `status`; when
/// `status` is empty (no scheduler), also fill all/down/free from it.
FLUXBURST_API void add_resource_module_status(ResourceStatus& status,
                                              const nlohmann::json& response);

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
