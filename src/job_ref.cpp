#include "job_ref.hpp"

#include <fmt/format.h>

namespace fluxburst {

std::string job_ref(JobId id) {
    return fmt::format("{} ({})", job_id_f58(id), id);
}

std::string job_label(JobId id) {
    return "job " + job_ref(id);
}

}  // namespace fluxburst
