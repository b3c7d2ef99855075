// FluxQueue: the live job queue of a Flux instance (built only with libflux-core).
#include <flux/core.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fluxburst/error.hpp>
#include <fluxburst/flux_queue.hpp>
#include <fluxburst/log.hpp>
#include <map>

#include "flux_session.hpp"
#include "text.hpp"

namespace fluxburst {

namespace proto = flux_protocol;

namespace {

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string job_where(JobId id) {
    return fmt::format("job {} ({})", job_id_f58(id), id);
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
    Options options;

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
        throw QueueError(
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
                             proto::memo_request(mark.id, mark.plugin, time).dump(), 0,
                             [&, id = mark.id](const flux_session::Response& r) {
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
        throw QueueError(fmt::format(
            "cannot connect to the Flux instance at '{}': {}; is the instance running? Run "
            "flux-burst inside it (flux burst ...) or set FLUX_URI to its URI",
            impl_->uri, error.text[0] ? error.text : std::strerror(errno)));
    }
    impl_->h = h;
    impl_->owned = true;
    std::uint32_t size = 0;
    if (flux_get_size(h, &size) < 0) {
        throw QueueError(fmt::format("cannot talk to the Flux instance at '{}': {}", impl_->uri,
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
    const Options& o = impl_->options;
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

    auto deliver = [&] {
        while (!slots.empty() && slots.front().ready) {
            Slot slot = std::move(slots.front());
            slots.pop_front();
            ++first_seq;
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
            ++lookups;
            session.send(
                "job-info.lookup", proto::jobspec_lookup_request(id).dump(), 0,
                [&, seq, id](const flux_session::Response& r) {
                    Slot& s = slots[seq - first_seq];
                    if (r.ok()) {
                        try {
                            s.job["spec"] = proto::parse_jobspec_response(std::string(r.payload));
                        } catch (const QueueError& e) {
                            s.problem = QueueProblem{job_where(id), e.what()};
                        }
                    } else if (r.errnum == ENOENT) {
                        s.problem = QueueProblem{
                            job_where(id),
                            fmt::format("vanished between the listing and the lookup of its "
                                        "jobspec ({}); skipped",
                                        r.error)};
                    } else {
                        s.problem = QueueProblem{
                            job_where(id), fmt::format("cannot read its jobspec: {}", r.error)};
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

    nlohmann::json request = proto::list_request(o.states, o.attrs, o.constraint);
    session.send(
        "job-list.list", request.dump(), o.streaming ? FLUX_RPC_STREAMING : 0,
        [&](const flux_session::Response& r) {
            try {
                if (!r.ok()) {
                    reader.on_error(r.errnum, r.error);  // throws unless the stream ended
                    return false;
                }
                for (auto& job : reader.on_response(std::string(r.payload)))
                    listed.push_back(std::move(job));
            } catch (const QueueError& e) {
                throw QueueError(fmt::format("{}: listing jobs: {}", impl_->where(), e.what()));
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
        impl_->timed_out("looking up " + job_where(id), session.in_flight());
    for (const auto* e : {&list_error, &info_error}) {
        if (!*e) continue;
        if ((*e)->errnum == ENOENT) return nullptr;
        throw QueueError(
            fmt::format("{}: cannot look up {}: {}", impl_->where(), job_where(id), (*e)->error));
    }
    job["spec"] = std::move(spec);
    try {
        return Job::from_json(std::move(job));
    } catch (const JobError& e) {
        throw QueueError(fmt::format("{}: {}: {}", impl_->where(), job_where(id), e.what()));
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
        impl_->timed_out("reading the state of " + job_where(id), 1);
    if (errnum == ENOENT) return std::nullopt;
    if (errnum)
        throw QueueError(fmt::format("{}: cannot read the state of {}: {}", impl_->where(),
                                     job_where(id), error));
    return result;
}

void FluxQueue::mark_scheduled(const std::vector<JobMark>& marks) {
    if (marks.empty()) return;
    for (const auto& m : marks) {
        if (m.plugin.empty())
            throw QueueError(fmt::format("{}: cannot mark {} scheduled: the plugin name is empty",
                                         impl_->where(), job_where(m.id)));
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
        reasons.push_back(fmt::format("{}: {}", job_where(id), why));
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
    early.session->send("job-manager.memo",
                        proto::memo_request(mark.id, mark.plugin, now_seconds()).dump(), 0,
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
                        job_where(id), r.errnum == ENOENT ? "unknown to the instance" : r.error});
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
