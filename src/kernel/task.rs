// SPDX-License-Identifier: GPL-2.0

//! The current task: fatal signals and voluntary rescheduling in long loops.

use crate::kapi::bindings;

/// Whether the current task has a fatal signal pending (it is being killed).
pub fn fatal_signal_pending() -> bool {
    // SAFETY: `get_current` is the running task, valid while it runs.
    unsafe { bindings::fatal_signal_pending(bindings::get_current()) != 0 }
}

/// Lets other tasks run, if one should, in a long loop.
pub fn cond_resched() {
    // SAFETY: Called in process context without spinlocks held.
    unsafe { bindings::__cond_resched() };
}
