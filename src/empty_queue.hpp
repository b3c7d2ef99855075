// The queue of a Client created without one: it never holds a job, so a cycle
// sees nothing and runs no plugin (private to the library).
#pragma once

#include <string>

#include <fluxburst/queue.hpp>

namespace fluxburst {

class EmptyQueue final : public MockQueue {
public:
    EmptyQueue();
    std::string describe() const override;
};

}  // namespace fluxburst
