// Where each job is in a jobs file, by id (private to the library).
//
// A listing of a million jobs records a million positions: kept in one array
// with an open-addressing index over it (no allocation per job), the first
// position of an id wins, as the file queue's rules say.
#pragma once

#include <fluxburst/job.hpp>

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace fluxburst::job_file {

/// One job's element in the file.
struct Position {
    JobId id = 0;
    std::size_t index = 0;   ///< its index in the jobs array
    std::size_t offset = 0;  ///< where its text starts
    std::size_t length = 0;  ///< its text's length
    bool marked = false;     ///< already scheduled when listed (listings only)
};

class Positions {
public:
    /// Room for about `count` jobs without growing.
    void reserve(std::size_t count) {
        all_.reserve(count);
        if (slots_.size() < 2 * count) rehash(2 * count);
    }

    /// Record `p` unless its id is already held. Returns the position held for
    /// the id, and whether `p` was recorded.
    std::pair<const Position*, bool> add(const Position& p) {
        if (2 * (all_.size() + 1) > slots_.size()) rehash(2 * (all_.size() + 1));
        std::size_t slot = home(p.id);
        for (; slots_[slot] != 0; slot = (slot + 1) & mask_) {
            const Position& held = all_[slots_[slot] - 1];
            if (held.id == p.id) return {&held, false};
        }
        all_.push_back(p);
        slots_[slot] = all_.size();
        return {&all_.back(), true};
    }

    /// The position of `id`, or nullptr.
    const Position* find(JobId id) const {
        if (slots_.empty()) return nullptr;
        for (std::size_t slot = home(id); slots_[slot] != 0; slot = (slot + 1) & mask_) {
            const Position& held = all_[slots_[slot] - 1];
            if (held.id == id) return &held;
        }
        return nullptr;
    }

    std::size_t size() const { return all_.size(); }

private:
    std::size_t home(JobId id) const {
        // Fibonacci hashing: the high bits of id * 2^64/phi, spread for sequential ids.
        return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ull) >> shift_);
    }

    void rehash(std::size_t at_least) {
        std::size_t size = 16;
        int bits = 4;
        while (size < at_least) {
            size *= 2;
            ++bits;
        }
        if (size <= slots_.size()) return;
        slots_.assign(size, 0);
        mask_ = size - 1;
        shift_ = 64 - bits;
        for (std::size_t i = 0; i < all_.size(); ++i) {
            std::size_t slot = home(all_[i].id);
            while (slots_[slot] != 0) slot = (slot + 1) & mask_;
            slots_[slot] = i + 1;
        }
    }

    std::vector<Position> all_;       ///< in the order added
    std::vector<std::size_t> slots_;  ///< 1 + an index into all_, 0 when free
    std::size_t mask_ = 0;
    int shift_ = 64;
};

}  // namespace fluxburst::job_file
