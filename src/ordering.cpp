#include <fluxburst/ordering.hpp>

#include <fluxburst/error.hpp>
#include <fluxburst/job.hpp>
#include <fluxburst/plugin.hpp>

#include <algorithm>

#include <fmt/format.h>

#include "closest_match.hpp"

#include "text.hpp"

namespace fluxburst::ordering {

Ordering in_order() {
    return [](const std::vector<BurstPlugin*>& plugins, const Job&) { return plugins; };
}

Ordering by_priority(std::map<std::string, int> priorities) {
    return [priorities = std::move(priorities)](const std::vector<BurstPlugin*>& plugins,
                                                const Job&) {
        auto priority = [&](const BurstPlugin* p) -> std::int64_t {
            if (auto it = priorities.find(p->name()); it != priorities.end()) return it->second;
            const auto& values = p->params().json();
            auto it = values.find("priority");
            if (it != values.end() && it->is_number_integer()) return it->get<std::int64_t>();
            return 0;
        };
        std::vector<BurstPlugin*> out = plugins;
        std::stable_sort(out.begin(), out.end(), [&](const BurstPlugin* a, const BurstPlugin* b) {
            return priority(a) > priority(b);
        });
        return out;
    };
}

Ordering least_waste() {
    return [](const std::vector<BurstPlugin*>& plugins, const Job& job) {
        std::int64_t need = job.nodes();
        std::vector<std::pair<std::int64_t, BurstPlugin*>> known;
        std::vector<BurstPlugin*> unknown;
        for (BurstPlugin* p : plugins) {
            std::optional<std::int64_t> free = p->free_nodes();
            if (!free)
                unknown.push_back(p);
            else if (*free >= need)
                known.emplace_back(*free - need, p);
        }
        std::stable_sort(known.begin(), known.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<BurstPlugin*> out;
        for (auto& [waste, p] : known) out.push_back(p);
        out.insert(out.end(), unknown.begin(), unknown.end());
        return out;
    };
}

std::vector<std::string> names() {
    return {"in_order", "priority", "least_waste"};
}

Ordering from_name(const std::string& name) {
    if (name == "in_order") return in_order();
    if (name == "priority") return by_priority();
    if (name == "least_waste") return least_waste();
    std::string close = closest_match(name, names());
    throw Error(ErrorCode::usage,
                fmt::format("unknown ordering '{}'; {}", name,
                            close.empty() ? "expected one of: " + text::join(names(), ", ")
                                          : "did you mean '" + close + "'?"));
}

}  // namespace fluxburst::ordering
