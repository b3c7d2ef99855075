#include "empty_queue.hpp"

#include <vector>

#include <nlohmann/json.hpp>

namespace fluxburst {

EmptyQueue::EmptyQueue() : MockQueue(std::vector<nlohmann::json>{}) {}

std::string EmptyQueue::describe() const {
    return "no queue (the Client was created without one: give it a JobQueue)";
}

}  // namespace fluxburst
