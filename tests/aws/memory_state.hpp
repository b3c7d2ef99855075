// A state kept in memory with the StateFile contract (change, then the state
// written), for the tests of the eks lifecycle.
#pragma once

#include <functional>

#include <nlohmann/json.hpp>

#include "eks_cluster.hpp"

namespace test {

struct MemoryState {
    nlohmann::json state = nlohmann::json::object();
    fluxburst::eks::StateUpdate update() {
        return [this](const std::function<void(nlohmann::json&)>& change) {
            nlohmann::json copy = state;
            change(copy);  // a change that throws leaves the state as it was
            state = copy;
            return state;
        };
    }
};

}  // namespace test
