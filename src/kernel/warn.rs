// SPDX-License-Identifier: GPL-2.0

//! `WARN_ON_ONCE`: a live check of a condition that only a bug can make true, which
//! reports it in the kernel log (and to the test rig's splat scan) and lets the kernel
//! go on, where `debug_assert!` would be compiled out and `assert!` would kill the task.

use crate::kapi::bindings;

/// Warns, once for the whole module, if `cond` holds; returns `cond`, so that the
/// caller can back out of what would be unsafe to go on with.
pub fn warn_on_once(cond: bool) -> bool {
    if !cond {
        return false;
    }
    // SAFETY: `rshmem_warn_on_once` is the header's wrapper of `WARN_ON_ONCE`, callable
    // from any context.
    unsafe { bindings::rshmem_warn_on_once(true) }
}
