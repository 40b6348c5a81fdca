// SPDX-License-Identifier: GPL-2.0

//! How a hole punch keeps faults out of its hole: `shmem_falloc`'s protocol, with its
//! on-stack wait queue, from the 2014 fixes for trinity's punch starvation
//! (CVE-2014-4171): "shmem: fix faulting into a hole while it's punched", then "shmem:
//! fix faulting into a hole, not taking i_mutex", which made the fault wait on a queue
//! in the puncher's stack instead of on `i_mutex`.
//!
//! Trinity showed that faults into a hole being punched can starve the punch: each new
//! page needs its own `unmap_mapping_range`, and with many mappings the i_mmap tree is
//! slow to scan. `tests/race/punch_starvation.c` pins this: with the fault side below
//! disabled its punches do not complete on rshmem. So the puncher publishes its range
//! and a wait queue that lives on its stack; a fault into the range waits on it
//! instead of instantiating a page, and the punch completes. The queue and its
//! publication are the generic mechanism of `kernel/wait.rs`; what is published, when, and
//! what a fault does about it is this module's policy.
//!
//! # The slot and its states
//!
//! Each inode grows by one pointer, its [`PunchSlot`]:
//! - none (null): no punch; faults go on, after one lockless load.
//! - published: it points to the puncher's [`PunchRange`] and queue, in the puncher's
//!   frame; a fault into the range queues itself and sleeps, dropping the fault lock
//!   when it may.
//! - unpublishing: the puncher, under `i_lock`, has set it back to null and wakes every
//!   waiter, dequeueing each (`kernel/wait.rs`); when it lets go of `i_lock`, nothing refers to
//!   its frame.
//!
//! Who serialises what: the pointer, `i_lock` (faults read it locklessly only as a hint);
//! the range, nothing, as the puncher writes it before publishing it and no one writes
//! it after; the punches themselves, `i_rwsem`, which fallocate holds exclusively, so
//! the slot has only one user at a time, as shmem's `i_private` has.
//!
//! A fault may be just past its check when the punch publishes: then that one fault
//! races with the punch, which is harmless (the punch removes what it finds under the
//! folio lock; a page the fault adds behind the punching cursor holds data written
//! during the punch, which may remain: a punch guarantees only that the data in the
//! hole when it starts is gone when it ends, as `shmem_undo_range` does, and
//! `tests/race/punch_invariant.c` pins that). The point is only that racing faults
//! become rare ("we just need to make racing faults a rare case", mm/shmem.c).

#![deny(unsafe_code)]

use crate::kapi::fs::inode::Inode;
use crate::kapi::mm::fault::{FaultResult, VmFault};
use crate::kapi::wait::{self, StackSlot};
use crate::rshmem::filesystem::Rshmem;

/// The pages `[start, next)` of a punch in progress.
pub struct PunchRange {
    start: u64,
    next: u64,
}

/// The punch in progress on an inode, if any (see the module's documentation).
pub struct PunchSlot(StackSlot<PunchRange>);

impl PunchSlot {
    /// No punch in progress.
    pub const fn new() -> Self {
        Self(StackSlot::new())
    }
}

impl Default for PunchSlot {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether a punch is published on the inode: a lockless hint (`StackSlot::is_empty_hint`),
/// which a caller that needs it ordered against a punch's walk orders with a fence of its
/// own (`rshmem_inode.rs`).
pub fn punch_in_progress(inode: &Inode<Rshmem>) -> bool {
    !inode.data().punch.0.is_empty_hint()
}

/// Runs `work` (the punch of pages `[start, next)`) with the range published to the
/// inode's faults, then wakes every fault that waited. The caller holds `i_rwsem`.
pub fn punch_published<R>(
    inode: &Inode<Rshmem>,
    start: u64,
    next: u64,
    work: impl FnOnce() -> R,
) -> R {
    wait::publish(
        inode,
        &inode.data().punch.0,
        PunchRange { start, next },
        work,
    )
}

/// If a punch covers the faulting page, waits for it to end and says how to answer
/// the fault: `VM_FAULT_RETRY` if the fault lock was dropped for the wait (the first
/// attempt of a fault that allows retry and waiting), `VM_FAULT_NOPAGE` if not. `Err`:
/// no punch covers the page; the fault is given back to go on with.
///
/// Dropping the fault lock (mmap_lock, or the per-VMA lock) is `maybe_unlock_mmap_for_io`
/// (not exported): [`VmFault::release_lock`] pins the file first, as the VMA may go once
/// the lock is gone, and keeps it pinned until the handler returns.
///
/// Inlined into the fault handler, so that the common case, no punch, costs no call.
#[inline(always)]
pub fn wait_for_punch(vmf: VmFault<'_, Rshmem>) -> Result<FaultResult<'_>, VmFault<'_, Rshmem>> {
    let index = vmf.pgoff();
    // Valid until the handler returns, whether or not the fault lock is released below.
    let inode = vmf.inode();
    let waited = wait::wait_published(
        inode,
        &inode.data().punch.0,
        vmf,
        |punch| index >= punch.start && index < punch.next,
        // Under `i_lock`, as shmem_falloc_wait releases the fault lock.
        |vmf| vmf.release_lock(),
    )?;
    // The file is unpinned (`fput`) after the handler returns, with `i_lock` released.
    Ok(match waited {
        Ok(released) => released.retry(),
        // The lock was kept: the fault is answered as one that holds it.
        Err(vmf) => vmf.nopage(),
    })
}
