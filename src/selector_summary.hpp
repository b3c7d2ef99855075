// What a selector can decide from a job's summary (private to the library).
//
// The built-in selectors only look at fields a queue knows before it makes the
// job (burstable, already scheduled): a queue given this test skips making the
// jobs they would reject. It is a property of the selector, found from the
// selector itself; a custom selector has none and sees every job.
#pragma once

#include <fluxburst/queue.hpp>
#include <fluxburst/selectors.hpp>

namespace fluxburst::detail {

/// A test every job the selector selects passes, or an empty function when the
/// selector needs the whole job.
JobWanted summary_filter(const Selector& selector);

/// True when `selector` is selectors::burstable().
bool is_default_selector(const Selector& selector);

}  // namespace fluxburst::detail
