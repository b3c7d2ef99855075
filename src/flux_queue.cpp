// FluxQueue: the live job queue of a Flux instance (built only with libflux-core).
#include <flux/core.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fluxburst/error.hpp>
#include <fluxburst/flux_queue.hpp>
#include "job_ref.hpp"
#include "logger.hpp"
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "flux_control.hpp"
#include "flux_protocol.hpp"
#include "flux_session.hpp"
#include "text.hpp"

namespace fluxburst {

namespace proto = flux_protocol;

namespace {

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// On Flux the mark is the controller's memo; a jobspec attribute
// system."burst-scheduled" was set by the submitter and means nothing.
void drop_submitter_mark(nlohmann::json& spec) {
    if (!spec.is_object()) return;
    auto a = spec.find("attributes");
    if (a == spec.end() || !a->is_object()) return;
    auto sys = a->find("system");
    if (sys != a->end() && sys->is_object()) sys->erase("burst-scheduled");
}

// A jobspec as a listed job holds it: without the submitter's mark (above) and
// without its environment, as the job manager gives it to its journal (no plugin
// needs a job's environment; it is most of a jobspec's size, and a user's secrets).
void prepare_spec(nlohmann::json& spec) {
    drop_submitter_mark(spec);
    if (!spec.is_object()) return;
    auto a = spec.find("attributes");
    if (a == spec.end() || !a->is_object()) return;
    auto sys = a->find("system");
    if (sys != a->end() && sys->is_object()) sys->erase("environment");
}

// The journal costs the job manager about a quarter of what one job-info.lookup
// costs, but for every active job: read jobspecs from it while the active jobs
// are at most this many times the jobs to look up.
constexpr std::size_t journal_active_ratio = 4;

// A job-list entry's fluxburst memo is present.
bool has_memo(const nlohmann::json& job) {
    auto a = job.find("annotations");
    if (a == job.end() || !a->is_object()) return false;
    auto u = a->find("user");
    if (u == a->end() || !u->is_object()) return false;
    auto m = u->find("fluxburst");
    return m != u->end() && !m->is_null();
}

// States in which a job can still be burst for (NEW: job-list has not caught up).
bool pending_state(const nlohmann::json& job) {
    auto st = job.find("state");
    if (st == job.end() || !st->is_number_integer()) return false;
    return (st->get<int>() & (proto::STATE_NEW | proto::STATES_PENDING)) != 0;
}

void check_options(const FluxQueue::Options& o) {
    if (o.window < 1) throw QueueError("FluxQueue: Options::window must be at least 1");
    if (o.attrs.empty())
        throw QueueError("FluxQueue: Options::attrs must name at least one attribute");
    if (!o.constraint.is_null() && !o.constraint.is_object())
        throw QueueError("FluxQueue: Options::constraint must be a JSON object (RFC 31) or null");
}

}  // namespace

struct FluxQueue::Impl {
    flux_t* h = nullptr;
    bool owned = false;
    std::string uri;
    std::string open_uri;  ///< what a second connection opens ("" = $FLUX_URI)
    Options options;
    /// The controller's connection (claim()), with its service and journal.
    std::shared_ptr<flux_control::Channel> channel;

    std::string controller() const {
        return channel && channel->claimed() ? channel->holder() : std::string();
    }
    // Drain the controller's connection (answers, journal) without blocking.
    void read_channel() {
        if (channel) channel->read();
    }

    // The ids of every job that has not ended (one job-list.list, no attributes).
    std::unordered_set<JobId> active_ids() {
        flux_session::Session session(h);
        proto::JobListReader reader;
        std::unordered_set<JobId> out;
        const int active =
            proto::STATE_NEW | proto::STATES_PENDING | proto::STATE_RUN | proto::STATE_CLEANUP;
        session.send(
            "job-list.list", proto::list_request(active, {}).dump(),
            options.streaming ? FLUX_RPC_STREAMING : 0, [&](const flux_session::Response& r) {
                try {
                    if (!r.ok()) {
                        reader.on_error(r.errnum, r.error);  // throws unless the stream ended
                        return false;
                    }
                    for (const auto& job : reader.on_response(std::string(r.payload))) {
                        auto id = job.find("id");
                        if (id != job.end() && id->is_number_unsigned())
                            out.insert(id->get<JobId>());
                    }
                } catch (const QueueError& e) {
                    throw QueueError(fmt::format("{}: listing active jobs: {}", where(), e.what()));
                }
                return !reader.done();
            });
        if (!session.run(options.timeout)) timed_out("listing active jobs", session.in_flight());
        return out;
    }

    // job-list.list-id of each id (attributes `attrs`), all in flight within the
    // window; `answer` gets each job, `gone` each id job-list does not know.
    void list_ids(const std::vector<JobId>& ids, const std::vector<std::string>& attrs,
                  const std::function<void(JobId, nlohmann::json)>& answer,
                  const std::function<void(JobId)>& gone) {
        if (ids.empty()) return;
        flux_session::Session session(h);
        std::size_t next = 0;
        std::string first_error;
        std::function<void()> pump = [&] {
            while (next < ids.size() && session.in_flight() < options.window) {
                JobId id = ids[next++];
                session.send("job-list.list-id", proto::list_id_request(id, attrs).dump(), 0,
                             [&, id](const flux_session::Response& r) {
                                 if (r.ok())
                                     answer(id,
                                            proto::parse_list_id_response(std::string(r.payload)));
                                 else if (r.errnum == ENOENT)
                                     gone(id);
                                 else if (first_error.empty())
                                     first_error = job_label(id) + ": " + r.error;
                                 pump();
                                 return false;
                             });
            }
        };
        pump();
        if (!session.run(options.timeout)) timed_out("reading jobs", session.in_flight());
        if (!first_error.empty())
            throw QueueError(fmt::format("{}: cannot read {}", where(), first_error));
    }

    ~Impl() {
        try {
            if (h && !early.started.empty()) drop_early();  // a cycle left unfinished
        } catch (const std::exception&) {
        }
        if (owned && h) flux_close(h);
    }

    std::string where() const { return "Flux instance at '" + uri + "'"; }

    // Memos posted while the listing runs (mark_early), on the listing's session:
    // job-manager posts them while job-info answers the lookups.
    struct Early {
        flux_session::Session* session = nullptr;  ///< the listing's, while it runs
        std::size_t in_flight = 0;
        std::map<JobId, std::string> started;  ///< job -> plugin, every memo sent
        std::vector<JobId> posted;             ///< answered ok
        std::map<JobId, std::string> failed;   ///< answered with an error
    } early;

    // Take back the memos started early and forget them (a cycle that failed, or
    // one that never reached mark_scheduled).
    void drop_early() {
        std::vector<JobMark> undo;
        for (const auto& entry : early.started) undo.push_back(JobMark{entry.first, ""});
        early = Early{};
        if (undo.empty()) return;
        std::vector<JobId> removed;
        std::map<JobId, std::string> failed = post_memos(undo, removed);
        if (!failed.empty())
            logger()->warn("{}: {} memo(s) posted during a failed cycle could not be removed",
                           where(), failed.size());
    }

    [[noreturn]] void timed_out(const std::string& what, std::size_t unanswered) const {
        throw QueueError(ErrorCode::unreachable,
                         fmt::format("{}: {} timed out after {} s with {} request(s) unanswered; "
                                     "is the instance overloaded or shutting down?",
                                     where(), what, options.timeout, unanswered));
    }

    // Post (or, with an empty plugin, remove) memos; returns the ids that failed
    // with their reasons, and fills `posted` with the ids that succeeded.
    std::map<JobId, std::string> post_memos(const std::vector<JobMark>& marks,
                                            std::vector<JobId>& posted) {
        std::map<JobId, std::string> failed;
        flux_session::Session session(h);
        double time = now_seconds();
        std::size_t next = 0;
        std::function<void()> pump = [&] {
            while (next < marks.size() && session.in_flight() < options.window) {
                const JobMark mark = marks[next++];
                session.send("job-manager.memo",
                             proto::memo_request(mark.id, mark.plugin, time, controller()).dump(),
                             0, [&, id = mark.id](const flux_session::Response& r) {
                                 if (r.ok())
                                     posted.push_back(id);
                                 else
                                     failed[id] = r.error;
                                 pump();
                                 return false;
                             });
            }
        };
        pump();
        if (!session.run(options.timeout)) {
            for (std::size_t i = 0; i < marks.size(); ++i) {
                bool answered = failed.count(marks[i].id) || std::find(posted.begin(), posted.end(),
                                                                       marks[i].id) != posted.end();
                if (!answered)
                    failed[marks[i].id] = fmt::format("no answer within {} s", options.timeout);
            }
        }
        return failed;
    }
};

FluxQueue::FluxQueue(const std::string& uri) : FluxQueue(uri, Options{}) {}

FluxQueue::FluxQueue(const std::string& uri, Options options) : impl_(std::make_unique<Impl>()) {
    check_options(options);
    impl_->options = std::move(options);
    const char* env = std::getenv("FLUX_URI");
    impl_->uri =
        !uri.empty() ? uri : (env && *env ? env : "the default instance, FLUX_URI being unset");
    flux_error_t error{};
    flux_t* h = flux_open_ex(uri.empty() ? nullptr : uri.c_str(), 0, &error);
    if (!h) {
        throw QueueError(
            ErrorCode::unreachable,
            fmt::format(
                "cannot connect to the Flux instance at '{}': {}; is the instance running? Run "
                "flux-burst inside it (flux burst ...) or set FLUX_URI to its URI",
                impl_->uri, error.text[0] ? error.text : std::strerror(errno)));
    }
    impl_->h = h;
    impl_->owned = true;
    impl_->open_uri = uri;
    std::uint32_t size = 0;
    if (flux_get_size(h, &size) < 0) {
        throw QueueError(ErrorCode::unreachable,
                         fmt::format("cannot talk to the Flux instance at '{}': {}", impl_->uri,
                                     std::strerror(errno)));
    }
    if (uri.empty() && !(env && *env)) {
        if (const char* local = flux_attr_get(h, "local-uri")) impl_->uri = local;
    }
}

FluxQueue::FluxQueue(flux_t* handle) : FluxQueue(handle, Options{}) {}

FluxQueue::FluxQueue(flux_t* handle, Options options) : impl_(std::make_unique<Impl>()) {
    if (!handle) throw QueueError("FluxQueue: the Flux handle must not be null");
    check_options(options);
    impl_->options = std::move(options);
    impl_->h = handle;
    impl_->owned = false;
    const char* local = flux_attr_get(handle, "local-uri");
    const char* env = std::getenv("FLUX_URI");
    impl_->uri = local ? local : (env ? env : "(borrowed handle)");
    impl_->open_uri = local ? local : "";
}

FluxQueue::~FluxQueue() = default;

flux_t* FluxQueue::handle() const {
    return impl_->h;
}
const std::string& FluxQueue::uri() const {
    return impl_->uri;
}
const FluxQueue::Options& FluxQueue::options() const {
    return impl_->options;
}

std::string FluxQueue::describe() const {
    return impl_->where();
}

void FluxQueue::for_each_job(const std::function<void(JobPtr job)>& visit,
                             const std::function<void(QueueProblem problem)>& problem) {
    scan_jobs(visit, problem, nullptr);
}

std::size_t FluxQueue::scan_jobs(const std::function<void(JobPtr job)>& visit,
                                 const std::function<void(QueueProblem problem)>& problem,
                                 const JobWanted& want) {
    const Options& o = impl_->options;
    std::size_t entries = 0;
    // Burstable jobs the journal announced: listed below even when job-list has
    // not caught up with them yet (job-list.list-id waits until it has).
    std::vector<JobId> fresh;
    if (impl_->channel) {
        impl_->read_channel();
        fresh = impl_->channel->take_fresh();
    }
    std::unordered_set<JobId> listed_ids;
    if (!impl_->early.started.empty()) impl_->drop_early();  // a cycle left unfinished
    flux_session::Session session(impl_->h);
    proto::JobListReader reader;

    // Jobs listed but not yet looked up, and the reorder buffer that hands jobs
    // to `visit` in job-list's order as their lookups complete.
    std::deque<nlohmann::json> listed;
    struct Slot {
        nlohmann::json job;
        std::optional<QueueProblem> problem;
        bool ready = false;
    };
    std::deque<Slot> slots;
    std::uint64_t first_seq = 0;
    std::size_t lookups = 0;

    // Where the jobspecs come from (Options::journal): decided once the listing
    // and the job manager's count of active jobs are in; jobs wait in `listed`
    // meanwhile. From the journal's backlog, one streaming request answers for
    // every active job; a job it did not show is looked up.
    enum class Specs { deciding, journal, lookups };
    Specs specs = o.journal ? Specs::deciding : Specs::lookups;
    bool listing_done = false;
    bool stats_answered = !o.journal;
    std::optional<std::size_t> active_jobs;
    bool backlog_done = false;
    std::uint32_t journal_tag = 0;
    std::unordered_map<JobId, nlohmann::json> journal_specs;

    auto deliver = [&] {
        while (!slots.empty() && slots.front().ready) {
            Slot slot = std::move(slots.front());
            slots.pop_front();
            ++first_seq;
            ++entries;
            if (slot.problem) {
                problem(std::move(*slot.problem));
                continue;
            }
            JobPtr job;
            try {
                job = Job::from_json(std::move(slot.job));
            } catch (const JobError& e) {
                problem(QueueProblem{"job-list entry " + std::to_string(first_seq - 1), e.what()});
                continue;
            }
            visit(std::move(job));
        }
    };

    std::function<void()> pump = [&] {
        if (specs == Specs::deciding || (specs == Specs::journal && !backlog_done)) return;
        while (!listed.empty() && lookups < o.window) {
            std::uint64_t seq = first_seq + slots.size();
            slots.push_back(Slot{std::move(listed.front()), std::nullopt, false});
            listed.pop_front();
            Slot& slot = slots.back();
            auto id_it = slot.job.find("id");
            if (id_it == slot.job.end() || !id_it->is_number_unsigned()) {
                slot.problem = QueueProblem{"job-list entry " + std::to_string(seq),
                                            "job-list returned a job without an integer id: " +
                                                text::shorten(slot.job.dump(), 120)};
                slot.ready = true;
                continue;
            }
            JobId id = id_it->get<JobId>();
            if (want && !want(JobSummary{true, has_memo(slot.job)})) {
                slots.pop_back();  // marked already: no lookup, not visited
                ++entries;
                continue;
            }
            if (specs == Specs::journal) {
                auto known = journal_specs.find(id);
                if (known != journal_specs.end()) {
                    slot.job["spec"] = std::move(known->second);
                    journal_specs.erase(known);
                    prepare_spec(slot.job["spec"]);
                    slot.ready = true;
                    deliver();  // at once: the jobs are not all held
                    continue;
                }
            }
            ++lookups;
            session.send(
                "job-info.lookup", proto::jobspec_lookup_request(id).dump(), 0,
                [&, seq, id](const flux_session::Response& r) {
                    Slot& s = slots[seq - first_seq];
                    if (r.ok()) {
                        try {
                            s.job["spec"] = proto::parse_jobspec_response(std::string(r.payload));
                            prepare_spec(s.job["spec"]);
                        } catch (const QueueError& e) {
                            s.problem = QueueProblem{job_label(id), e.what()};
                        }
                    } else if (r.errnum == ENOENT) {
                        s.problem = QueueProblem{
                            job_label(id),
                            fmt::format("vanished between the listing and the lookup of its "
                                        "jobspec ({}); skipped",
                                        r.error)};
                    } else {
                        s.problem = QueueProblem{
                            job_label(id), fmt::format("cannot read its jobspec: {}", r.error)};
                    }
                    s.ready = true;
                    --lookups;
                    deliver();
                    pump();
                    return false;
                });
        }
        deliver();
    };

    // The journal's backlog: each active job's submit event and jobspec, then a
    // sentinel (id -1), then live events until the cancel lands (ENODATA). An
    // error before the sentinel (a guest may not read it) means lookups.
    auto start_journal = [&] {
        journal_tag = session.send(
            "job-manager.events-journal", R"({"allow": {"submit": 1}})", FLUX_RPC_STREAMING,
            [&](const flux_session::Response& r) {
                if (!r.ok()) {
                    if (!backlog_done) {
                        logger()->debug("{}: the job manager's journal: {}; looking up jobspecs",
                                        impl_->where(), r.error);
                        journal_specs.clear();
                        specs = Specs::lookups;
                        pump();
                    }
                    return false;
                }
                if (backlog_done) return true;  // a live event before the cancel
                nlohmann::json j = nlohmann::json::parse(r.payload, nullptr, false);
                auto id = j.is_object() ? j.find("id") : j.end();
                if (id == j.end() || !id->is_number_integer()) return true;
                if (id->get<std::int64_t>() == -1) {
                    backlog_done = true;
                    session.notify("job-manager.events-journal-cancel",
                                   nlohmann::json{{"matchtag", journal_tag}}.dump());
                    pump();
                    return true;
                }
                auto spec = j.find("jobspec");
                if (!id->is_number_unsigned() || spec == j.end() || !spec->is_object())
                    return true;
                if (listed_ids.count(id->get<JobId>()))
                    journal_specs[id->get<JobId>()] = std::move(*spec);
                return true;
            });
    };
    auto decide = [&] {
        if (specs != Specs::deciding || !listing_done || !stats_answered) return;
        // The jobs whose jobspec is wanted: not those `want` turns down by their
        // job-list entry (a controller's queue holds many jobs it marked already).
        std::size_t to_read = 0;
        for (const auto& job : listed)
            if (!want || want(JobSummary{true, has_memo(job)})) ++to_read;
        bool journal =
            active_jobs && to_read > 0 && *active_jobs <= journal_active_ratio * to_read;
        logger()->debug("{}: {} to read, {} active: jobspecs from {}", impl_->where(), to_read,
                        active_jobs ? std::to_string(*active_jobs) : "?",
                        journal ? "the journal" : "job-info lookups");
        specs = journal ? Specs::journal : Specs::lookups;
        if (journal) start_journal();
        pump();
    };
    if (o.journal)
        session.send("job-manager.stats-get", "{}", 0, [&](const flux_session::Response& r) {
            if (r.ok()) {
                nlohmann::json j = nlohmann::json::parse(r.payload, nullptr, false);
                auto n = j.is_object() ? j.find("active_jobs") : j.end();
                if (n != j.end() && n->is_number_unsigned()) active_jobs = n->get<std::size_t>();
            }
            stats_answered = true;
            decide();
            return false;
        });

    // After the listing: the announced jobs it did not show, if still pending.
    // (Only for the default constraint: a job fetched so is not filtered by one.)
    std::function<void()> fetch_fresh = [&] {
        std::vector<JobId> ids = std::move(fresh);
        fresh.clear();
        if (!o.constraint.is_null()) return;
        for (JobId id : ids) {
            if (listed_ids.count(id)) continue;
            session.send(
                "job-list.list-id", proto::list_id_request(id, o.attrs).dump(), 0,
                [&, id](const flux_session::Response& r) {
                    if (!r.ok()) {  // gone meanwhile: nothing to burst
                        logger()->debug("{}: {}: {}", impl_->where(), job_label(id), r.error);
                        return false;
                    }
                    nlohmann::json job = proto::parse_list_id_response(std::string(r.payload));
                    if (!pending_state(job)) return false;
                    logger()->debug(
                        "{}: {} added to the listing (job-list had not "
                        "caught up)",
                        impl_->where(), job_label(id));
                    listed.push_back(std::move(job));
                    pump();
                    return false;
                });
        }
    };

    nlohmann::json request = proto::list_request(o.states, o.attrs, o.constraint);
    session.send(
        "job-list.list", request.dump(), o.streaming ? FLUX_RPC_STREAMING : 0,
        [&](const flux_session::Response& r) {
            try {
                if (!r.ok()) {
                    reader.on_error(r.errnum, r.error);  // throws unless the stream ended
                    listing_done = true;
                    fetch_fresh();  // a streamed listing ends with an error response
                    decide();
                    return false;
                }
                for (auto& job : reader.on_response(std::string(r.payload))) {
                    auto id = job.find("id");
                    if (id != job.end() && id->is_number_unsigned())
                        listed_ids.insert(id->get<JobId>());
                    listed.push_back(std::move(job));
                }
            } catch (const QueueError& e) {
                throw QueueError(fmt::format("{}: listing jobs: {}", impl_->where(), e.what()));
            }
            if (reader.done()) {
                listing_done = true;
                fetch_fresh();
                decide();
            }
            pump();
            return !reader.done();
        });
    impl_->early.session = &session;
    try {
        if (!session.run(o.timeout)) impl_->timed_out("listing jobs", session.in_flight());
    } catch (...) {
        impl_->early.session = nullptr;
        impl_->drop_early();  // the cycle fails: nothing is recorded
        throw;
    }
    impl_->early.session = nullptr;
    logger()->debug("{}: listed {} job(s) (job-list protocol version {})", impl_->where(),
                    reader.count(), reader.version());
    return entries;
}

JobPtr FluxQueue::lookup(JobId id) {
    flux_session::Session session(impl_->h);
    nlohmann::json job, spec;
    std::optional<flux_session::Response> list_error, info_error;
    auto keep_error = [](const flux_session::Response& r) {
        flux_session::Response e;
        e.errnum = r.errnum;
        e.error = r.error;
        return e;
    };
    session.send("job-list.list-id", proto::list_id_request(id, impl_->options.attrs).dump(), 0,
                 [&](const flux_session::Response& r) {
                     if (r.ok())
                         job = proto::parse_list_id_response(std::string(r.payload));
                     else
                         list_error = keep_error(r);
                     return false;
                 });
    session.send("job-info.lookup", proto::jobspec_lookup_request(id).dump(), 0,
                 [&](const flux_session::Response& r) {
                     if (r.ok())
                         spec = proto::parse_jobspec_response(std::string(r.payload));
                     else
                         info_error = keep_error(r);
                     return false;
                 });
    if (!session.run(impl_->options.timeout))
        impl_->timed_out("looking up " + job_label(id), session.in_flight());
    for (const auto* e : {&list_error, &info_error}) {
        if (!*e) continue;
        if ((*e)->errnum == ENOENT) return nullptr;
        throw QueueError(
            fmt::format("{}: cannot look up {}: {}", impl_->where(), job_label(id), (*e)->error));
    }
    drop_submitter_mark(spec);
    job["spec"] = std::move(spec);
    try {
        return Job::from_json(std::move(job));
    } catch (const JobError& e) {
        throw QueueError(fmt::format("{}: {}: {}", impl_->where(), job_label(id), e.what()));
    }
}

std::optional<std::string> FluxQueue::state(JobId id) {
    flux_session::Session session(impl_->h);
    std::optional<std::string> result;
    std::string error;
    int errnum = 0;
    session.send("job-list.list-id", proto::list_id_request(id, {"state"}).dump(), 0,
                 [&](const flux_session::Response& r) {
                     if (!r.ok()) {
                         errnum = r.errnum;
                         error = r.error;
                         return false;
                     }
                     nlohmann::json job = proto::parse_list_id_response(std::string(r.payload));
                     if (job.contains("state") && job["state"].is_number_integer())
                         result =
                             job_state_name(job_state_from_flux(job["state"].get<std::int64_t>()));
                     return false;
                 });
    if (!session.run(impl_->options.timeout))
        impl_->timed_out("reading the state of " + job_label(id), 1);
    if (errnum == ENOENT) return std::nullopt;
    if (errnum)
        throw QueueError(fmt::format("{}: cannot read the state of {}: {}", impl_->where(),
                                     job_label(id), error));
    return result;
}

void FluxQueue::mark_scheduled(const std::vector<JobMark>& marks) {
    if (marks.empty()) return;
    for (const auto& m : marks) {
        if (m.plugin.empty())
            throw QueueError(fmt::format("{}: cannot mark {} scheduled: the plugin name is empty",
                                         impl_->where(), job_label(m.id)));
    }
    // At most once: with the journal, a job someone else marked meanwhile (a memo
    // that is not this controller's) is refused before anything is posted.
    if (impl_->channel && impl_->channel->claimed()) {
        impl_->read_channel();
        const auto& memos = impl_->channel->memos();
        std::vector<std::string> taken;
        for (const auto& m : marks) {
            auto it = memos.find(m.id);
            if (it != memos.end() && it->second != impl_->controller())
                taken.push_back(fmt::format("{} (memo by {})", job_label(m.id),
                                            it->second.empty() ? "someone else" : it->second));
        }
        if (!taken.empty()) {
            impl_->drop_early();
            throw QueueError(fmt::format(
                "{}: {} marked meanwhile: {}; nothing was marked", impl_->where(),
                taken.size() == 1 ? "a job was" : "jobs were", text::join(taken, ", ")));
        }
    }
    // Memos posted early count as posted; the others are posted now.
    Impl::Early early = std::move(impl_->early);
    impl_->early = Impl::Early{};
    std::vector<JobMark> rest;
    std::map<JobId, bool> wanted;
    for (const auto& m : marks) {
        wanted[m.id] = true;
        auto it = early.started.find(m.id);
        if (it == early.started.end() || it->second != m.plugin) rest.push_back(m);
    }
    std::vector<JobId> posted;
    std::map<JobId, std::string> failed;
    for (JobId id : early.posted) {
        if (wanted.count(id) && !failed.count(id)) posted.push_back(id);
    }
    for (const auto& [id, why] : early.failed) {
        if (wanted.count(id)) failed[id] = why;
    }
    std::vector<JobMark> stray;  // started early but no longer wanted: take back
    for (const auto& [id, plugin] : early.started) {
        if (!wanted.count(id)) stray.push_back(JobMark{id, ""});
    }
    if (!stray.empty()) {
        std::vector<JobId> removed;
        impl_->post_memos(stray, removed);
    }
    std::map<JobId, std::string> late = impl_->post_memos(rest, posted);
    failed.insert(late.begin(), late.end());
    if (failed.empty()) return;

    // All or nothing: take back the memos that were posted.
    std::vector<JobMark> undo;
    for (JobId id : posted) undo.push_back(JobMark{id, ""});
    std::vector<JobId> removed;
    std::map<JobId, std::string> undo_failed;
    if (!undo.empty()) undo_failed = impl_->post_memos(undo, removed);
    std::vector<std::string> reasons;
    for (const auto& [id, why] : failed) {
        if (reasons.size() == 5) {
            reasons.push_back(fmt::format("and {} more", failed.size() - 5));
            break;
        }
        reasons.push_back(fmt::format("{}: {}", job_label(id), why));
    }
    std::string undo_text =
        undo.empty() ? "no memo was posted"
        : undo_failed.empty()
            ? fmt::format("the {} memo(s) already posted were removed", removed.size())
            : fmt::format("{} of the {} memo(s) already posted could not be removed",
                          undo_failed.size(), undo.size());
    throw QueueError(fmt::format(
        "{}: cannot record {} of {} job(s) as scheduled (job-manager.memo "
        "failed: {}); {}; nothing is recorded for this cycle",
        impl_->where(), failed.size(), marks.size(), text::join(reasons, "; "), undo_text));
}

void FluxQueue::mark_early(const JobMark& mark) {
    Impl::Early& early = impl_->early;
    if (!early.session || mark.plugin.empty() || early.in_flight >= impl_->options.window ||
        early.started.count(mark.id))
        return;  // mark_scheduled() posts it
    if (impl_->channel && impl_->channel->memos().count(mark.id))
        return;  // marked by someone: mark_scheduled() refuses it
    early.session->send(
        "job-manager.memo",
        proto::memo_request(mark.id, mark.plugin, now_seconds(), impl_->controller()).dump(), 0,
        [this, id = mark.id](const flux_session::Response& r) {
            Impl::Early& e = impl_->early;
            --e.in_flight;
            if (r.ok())
                e.posted.push_back(id);
            else
                e.failed[id] = r.error;
            return false;
        });
    early.started[mark.id] = mark.plugin;
    ++early.in_flight;
}

std::size_t FluxQueue::clear_marks(const std::vector<JobId>& ids) {
    std::vector<JobMark> undo;
    for (JobId id : ids) undo.push_back(JobMark{id, ""});
    std::vector<JobId> removed;
    impl_->post_memos(undo, removed);
    return removed.size();
}

FluxQueue::WaitResult FluxQueue::wait_inactive(const std::vector<JobId>& ids, double timeout) {
    WaitResult result;
    if (ids.empty()) return result;
    flux_session::Session session(impl_->h);
    std::map<JobId, bool> answered;
    for (JobId id : ids) {
        if (answered.count(id)) continue;
        answered[id] = false;
        session.send(
            "job-list.list-id", proto::list_id_request(id, {"state"}, proto::STATE_INACTIVE).dump(),
            0, [&, id](const flux_session::Response& r) {
                answered[id] = true;
                if (!r.ok()) {
                    result.problems.push_back(QueueProblem{
                        job_label(id), r.errnum == ENOENT ? "unknown to the instance" : r.error});
                    return false;
                }
                nlohmann::json job = proto::parse_list_id_response(std::string(r.payload));
                if (job.value("state", 0) == proto::STATE_INACTIVE)
                    result.inactive.push_back(id);
                else
                    result.active.push_back(id);  // not expected: job-list waits for the state
                return false;
            });
    }
    session.run(timeout);
    for (const auto& [id, done] : answered)
        if (!done) result.active.push_back(id);
    return result;
}

void FluxQueue::unmark_scheduled(const std::vector<JobPtr>& jobs) {
    std::vector<JobId> ids;
    for (const auto& job : jobs) ids.push_back(job->id());
    clear_marks(ids);
}

namespace {

class FluxClaim : public QueueClaim {
public:
    explicit FluxClaim(std::shared_ptr<flux_control::Channel> channel)
        : channel_(std::move(channel)) {}
    ~FluxClaim() override { channel_->release(); }

private:
    std::shared_ptr<flux_control::Channel> channel_;
};

}  // namespace

std::unique_ptr<QueueClaim> FluxQueue::claim(const std::string& holder) {
    if (impl_->channel && impl_->channel->claimed())
        throw QueueBusyError(fmt::format("{} already has a controller: {}; stop it first",
                                         impl_->where(), impl_->channel->holder()));
    auto channel = std::make_shared<flux_control::Channel>(impl_->open_uri, impl_->where());
    channel->claim(holder, std::min(impl_->options.timeout, 10.0));
    impl_->channel = channel;
    return std::make_unique<FluxClaim>(std::move(channel));
}

std::vector<JobId> FluxQueue::finished_jobs(const std::vector<JobId>& ids) {
    std::vector<JobId> out;
    if (ids.size() > impl_->options.window) {
        // Many served jobs: one listing of the active jobs' ids (a served job not
        // in it ended, or was purged) costs far less than a request per job.
        std::unordered_set<JobId> active = impl_->active_ids();
        for (JobId id : ids)
            if (!active.count(id)) out.push_back(id);
        return out;
    }
    impl_->list_ids(
        ids, {"state"},
        [&](JobId id, const nlohmann::json& job) {
            if (job.value("state", 0) == proto::STATE_INACTIVE) out.push_back(id);
        },
        [&](JobId id) { out.push_back(id); });
    return out;
}

int FluxQueue::event_fd() {
    return impl_->channel && impl_->channel->claimed() ? impl_->channel->fd() : -1;
}

QueueEvents FluxQueue::read_events() {
    if (!impl_->channel) return {};
    impl_->channel->read();
    flux_control::Channel::Events e = impl_->channel->take();
    QueueEvents out;
    out.changed = e.changed;
    out.finished = std::move(e.finished);
    return out;
}

bool FluxQueue::follow(const std::vector<JobId>& ids, bool on) {
    return impl_->channel && impl_->channel->follow(ids, on);
}

ResourceStatus FluxQueue::resources() {
    flux_session::Session session(impl_->h);
    std::optional<nlohmann::json> sched, module;
    std::string sched_error, module_error;
    auto ask = [&](const char* topic, std::optional<nlohmann::json>& out, std::string& error) {
        session.send(
            topic, "{}", 0,
            [&, topic](const flux_session::Response& r) {
                if (!r.ok()) {
                    error = r.error;
                    return false;
                }
                try {
                    out = nlohmann::json::parse(r.payload);
                } catch (const nlohmann::json::exception& e) {
                    error = std::string(topic) + " response is not JSON: " + e.what();
                }
                return false;
            },
            0);  // both services live on rank 0
    };
    ask("sched.resource-status", sched, sched_error);
    ask("resource.status", module, module_error);
    if (!session.run(impl_->options.timeout))
        impl_->timed_out("reading resources", session.in_flight());
    if (!sched && !module) {
        throw QueueError(
            fmt::format("{}: cannot read the resources: sched.resource-status: {}; "
                        "resource.status: {}",
                        impl_->where(), sched_error, module_error));
    }
    try {
        ResourceStatus status;
        if (sched)
            status = proto::parse_sched_resource_status(*sched);
        else
            logger()->info("{}: no scheduler answered ({}); using resource.status only",
                           impl_->where(), sched_error);
        if (module) proto::add_resource_module_status(status, *module);
        return status;
    } catch (const QueueError& e) {
        throw QueueError(fmt::format("{}: {}", impl_->where(), e.what()));
    }
}

}  // namespace fluxburst
