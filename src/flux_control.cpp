#include "flux_control.hpp"

#include <flux/core.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fluxburst/error.hpp>
#include "logger.hpp"
#include <nlohmann/json.hpp>

namespace fluxburst::flux_control {

namespace {

constexpr double journal_retry_seconds = 5;
constexpr double holder_query_seconds = 2;

double monotonic() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// The events the controller needs: a submit (its jobspec says whether the job
// is burstable), a memo (marks), and clean (the job ended).
const char* journal_request = R"({"allow": {"submit": 1, "memo": 1, "clean": 1}})";

// attributes.system.burstable is present: the job may be one to burst (the
// listing judges it; a false value costs one lookup, never a wrong burst).
bool has_burstable(const nlohmann::json& jobspec) {
    auto a = jobspec.find("attributes");
    if (a == jobspec.end() || !a->is_object()) return false;
    auto s = a->find("system");
    return s != a->end() && s->is_object() && s->contains("burstable");
}

}  // namespace

Channel::Channel(const std::string& uri, std::string where) : uri_(uri), where_(std::move(where)) {
    flux_error_t error{};
    h_ = flux_open_ex(uri.empty() ? nullptr : uri.c_str(), 0, &error);
    if (!h_)
        throw QueueError(fmt::format("{}: cannot open the controller's connection: {}", where_,
                                     error.text[0] ? error.text : std::strerror(errno)));
}

Channel::~Channel() {
    release();
}

void Channel::claim(const std::string& holder, double timeout) {
    if (!h_) throw QueueError(where_ + ": the controller's connection is closed");
    std::uint32_t rank = 0;
    if (flux_get_rank(h_, &rank) < 0)
        throw QueueError(
            fmt::format("{}: cannot read the broker's rank: {}", where_, std::strerror(errno)));
    if (rank != 0)
        throw QueueError(fmt::format(
            "{}: a controller must connect to the instance's rank 0 broker (this connection "
            "is to rank {}): one controller per instance is kept by a service on rank 0; "
            "run it where rank 0 runs, or give its local URI",
            where_, rank));
    flux_future_t* f = flux_service_register(h_, service_name);
    if (!f)
        throw QueueError(fmt::format("{}: cannot register the service '{}': {}", where_,
                                     service_name, std::strerror(errno)));
    int rc = flux_future_wait_for(f, timeout);
    if (rc == 0) rc = flux_future_get(f, nullptr);
    int e = errno;
    std::string text = rc < 0 && flux_future_error_string(f) ? flux_future_error_string(f) : "";
    flux_future_destroy(f);
    if (rc < 0 && e == EEXIST) {
        // Ask the holder who it is (it answers between its cycles).
        std::string who;
        flux_future_t* q = flux_rpc(h_, "fluxburst-controller.holder", nullptr, 0, 0);
        const char* name = nullptr;
        if (q && flux_future_wait_for(q, holder_query_seconds) == 0 &&
            flux_rpc_get_unpack(q, "{s:s}", "holder", &name) == 0 && name)
            who = name;
        else
            who = fmt::format("a process that did not say who it is within {} s (busy?)",
                              holder_query_seconds);
        flux_future_destroy(q);
        throw QueueBusyError(
            fmt::format("{} already has a controller: {}; stop it first (one controller per "
                        "instance: it holds the broker service '{}')",
                        where_, who, service_name));
    }
    if (rc < 0)
        throw QueueError(fmt::format("{}: cannot register the service '{}': {}", where_,
                                     service_name, text.empty() ? std::strerror(e) : text));
    holder_ = holder;
    start_journal();
}

void Channel::release() {
    if (!h_) return;
    if (journal_) flux_future_destroy(journal_);
    journal_ = nullptr;
    flux_close(h_);  // the broker drops the service and the journal with the connection
    h_ = nullptr;
}

int Channel::fd() {
    return h_ ? flux_pollfd(h_) : -1;
}

void Channel::start_journal() {
    backlog_done_ = false;
    journal_ = flux_rpc(h_, "job-manager.events-journal", journal_request, 0, FLUX_RPC_STREAMING);
    if (!journal_) {
        journal_restart_after_ = monotonic() + journal_retry_seconds;
        logger()->warn("{}: cannot follow the job manager's events journal: {}; polling instead",
                       where_, std::strerror(errno));
        return;
    }
    journal_tag_ = flux_rpc_get_matchtag(journal_);
    pending_.changed = true;  // the controller lists the queue once anyway
}

void Channel::stop_journal(const std::string& why) {
    logger()->warn("{}: the job manager's events journal ended ({}); polling until it is back",
                   where_, why);
    flux_future_destroy(journal_);
    journal_ = nullptr;
    journal_restart_after_ = monotonic() + journal_retry_seconds;
    pending_.changed = true;
}

void Channel::on_journal(const char* payload) {
    nlohmann::json j = nlohmann::json::parse(payload ? payload : "", nullptr, false);
    if (!j.is_object() || !j.contains("id") || !j["id"].is_number_integer()) return;
    if (j["id"].is_number_integer() && j["id"].get<std::int64_t>() == -1) {
        backlog_done_ = true;  // the sentinel: live events from here
        return;
    }
    if (!j["id"].is_number_unsigned()) return;
    JobId id = j["id"].get<JobId>();
    auto events = j.find("events");
    if (events == j.end() || !events->is_array()) return;
    for (const auto& ev : *events) {
        if (!ev.is_object() || !ev.contains("name") || !ev["name"].is_string()) continue;
        const std::string& name = ev["name"].get_ref<const std::string&>();
        if (name == "submit") {
            if (!backlog_done_) continue;  // listed at the next cycle anyway
            pending_.changed = true;
            auto spec = j.find("jobspec");
            bool burstable = spec != j.end() && spec->is_object() && has_burstable(*spec);
            if (burstable) fresh_.insert(id);
            logger()->debug("{}: journal: job {} submitted{}", where_, job_id_f58(id),
                            burstable ? " (burstable)" : "");
        } else if (name == "memo") {
            auto ctx = ev.find("context");
            if (ctx == ev.end() || !ctx->is_object()) continue;
            auto memo = ctx->find("fluxburst");
            if (memo == ctx->end()) continue;
            if (memo->is_null()) {
                memos_.erase(id);
            } else {
                std::string by;
                if (memo->is_object() && memo->contains("controller") &&
                    (*memo)["controller"].is_string())
                    by = (*memo)["controller"].get<std::string>();
                memos_[id] = by;
            }
        } else if (name == "clean") {
            fresh_.erase(id);
            memos_.erase(id);
            if (followed_.erase(id)) pending_.finished.push_back(id);
        }
    }
}

void Channel::read() {
    if (!h_) return;
    if (!journal_ && !holder_.empty() && monotonic() >= journal_restart_after_) start_journal();
    (void)flux_pollevents(h_);  // clear the edge before draining
    for (;;) {
        flux_msg_t* msg = flux_recv(h_, FLUX_MATCH_ANY, FLUX_O_NONBLOCK);
        if (!msg) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                logger()->warn("{}: the controller's connection: {}", where_, std::strerror(errno));
            return;
        }
        int type = 0;
        (void)flux_msg_get_type(msg, &type);
        if (type == FLUX_MSGTYPE_REQUEST) {
            const char* topic = nullptr;
            (void)flux_msg_get_topic(msg, &topic);
            if (topic && std::strcmp(topic, "fluxburst-controller.holder") == 0) {
                if (flux_respond_pack(h_, msg, "{s:s}", "holder", holder_.c_str()) < 0)
                    logger()->warn("{}: cannot answer who holds the controller: {}", where_,
                                   std::strerror(errno));
            } else if (flux_respond_error(h_, msg, ENOSYS, "unknown method") < 0) {
                logger()->debug("{}: cannot answer {}", where_, topic ? topic : "a request");
            }
        } else if (type == FLUX_MSGTYPE_RESPONSE && journal_) {
            std::uint32_t tag = 0;
            (void)flux_msg_get_matchtag(msg, &tag);
            if (tag == journal_tag_) {
                const char* payload = nullptr;
                if (flux_response_decode(msg, nullptr, &payload) < 0) {
                    const char* text = nullptr;
                    int e = errno;
                    if (flux_response_decode_error(msg, &text) < 0 || !text)
                        text = std::strerror(e);
                    stop_journal(text);
                } else {
                    on_journal(payload);
                }
            }
        }
        flux_msg_decref(msg);
    }
}

Channel::Events Channel::take() {
    Events out = std::move(pending_);
    pending_ = Events{};
    return out;
}

std::vector<JobId> Channel::take_fresh() {
    std::vector<JobId> out(fresh_.begin(), fresh_.end());
    fresh_.clear();
    return out;
}

bool Channel::follow(const std::vector<JobId>& ids, bool on) {
    for (JobId id : ids) {
        if (on)
            followed_.insert(id);
        else
            followed_.erase(id);
    }
    return journal_ != nullptr;
}

}  // namespace fluxburst::flux_control
