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
//! instead of instantiating a page, and the punch completes.
//!
//! Locks: `inode->i_lock` (a spinlock, a leaf in the order of `fault.rs`) covers the
//! inode's published pointer, and the waiters' (de)queueing against the final wake-up.
//! A fault may be just past its check when the punch publishes: then that one fault
//! races with the punch, which is harmless (the punch removes what it finds under the
//! folio lock; a page the fault adds behind the punching cursor holds data written
//! during the punch, which may remain: a punch guarantees only that the data in the
//! hole when it starts is gone when it ends, as `shmem_undo_range` does, and
//! `tests/race/punch_invariant.c` pins that). The point is only that racing faults
//! become rare ("we just need to make racing faults a rare case", mm/shmem.c).

use crate::bindings;
use crate::inode::Inode;
use crate::vfs::FileSystem;
use crate::vm_fault::{FaultResult, VmFault};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::c_str;
use kernel::types::Opaque;

/// A punch in progress: its page range `[start, next)` and the queue faults wait on.
#[repr(C)]
struct Punch {
    start: u64,
    next: u64,
    waitq: Opaque<bindings::wait_queue_head>,
}

/// The pointer an inode grows by: the punch in progress on it, if any. It points into
/// the stack of the punching task, and is read and written under `i_lock` only.
pub struct PunchSlot(AtomicPtr<Punch>);

impl PunchSlot {
    /// No punch in progress.
    pub const fn new() -> Self {
        Self(AtomicPtr::new(core::ptr::null_mut()))
    }
}

impl Default for PunchSlot {
    fn default() -> Self {
        Self::new()
    }
}

/// The lockdep class of every punch's wait queue (lockdep wants it static).
struct WaitqKey(Opaque<bindings::lock_class_key>);
// SAFETY: Only lockdep touches the key, with its own locking.
unsafe impl Sync for WaitqKey {}
static WAITQ_KEY: WaitqKey = WaitqKey(Opaque::uninit());

/// Runs `work` (the punch of pages `[start, next)`) with the range published to the
/// inode's faults, then wakes every fault that waited.
pub fn punch_published<T: FileSystem, R>(
    inode: &Inode<T>,
    start: u64,
    next: u64,
    work: impl FnOnce() -> R,
) -> R {
    // The punch lives in this stack frame, which outlives its publication: it is
    // unpublished before this function returns, and it is never moved.
    let punch = Punch {
        start,
        next,
        waitq: Opaque::uninit(),
    };
    let p = &punch as *const Punch as *mut Punch;
    // SAFETY: Initialises the on-stack queue (DECLARE_WAIT_QUEUE_HEAD_ONSTACK) with a
    // static lockdep key.
    unsafe {
        bindings::__init_waitqueue_head(
            punch.waitq.get(),
            c_str!("rshmem_punch_waitq").as_char_ptr(),
            WAITQ_KEY.0.get(),
        )
    };
    let slot = T::punch_slot(inode.data());
    let ilock = inode.i_lock();
    {
        let _g = ilock.lock();
        slot.0.store(p, Ordering::Relaxed);
    }
    let r = work();
    let _g = ilock.lock();
    slot.0.store(core::ptr::null_mut(), Ordering::Relaxed);
    // Each waiter's entry uses `synchronous_wake`, which takes the entry off the queue
    // as it wakes it, so when this returns no entry refers to the queue; waiters that
    // have not yet queued cannot find the punch any more (`i_lock` orders them after
    // the store above). This is the synchronous wake-up tmpfs learned it needs under
    // trinity.
    // SAFETY: The queue is valid (this frame) and initialised.
    unsafe {
        bindings::__wake_up(
            punch.waitq.get(),
            bindings::RSHMEM_TASK_NORMAL,
            0,
            core::ptr::null_mut(),
        );
    }
    // A waiter left on the queue would be woken, later, through a dangling pointer into
    // this frame: shmem_fallocate checks this with a live WARN_ON_ONCE, and so do we.
    // SAFETY: The queue is valid; its lock is not needed to see that it is empty, as no
    // one can queue on it any more (see above).
    crate::warn::warn_on_once(unsafe {
        bindings::list_empty(&raw const (*punch.waitq.get()).head) == 0
    });
    r
}

/// Wakes a waiter and takes its entry off the queue, so that the queue (in the
/// puncher's stack) is never touched again on the waiter's behalf.
///
/// # Safety
///
/// Called by `__wake_up` with the queue's lock held, on an entry of a punch's queue.
unsafe extern "C" fn synchronous_wake(
    entry: *mut bindings::wait_queue_entry,
    mode: core::ffi::c_uint,
    sync: core::ffi::c_int,
    key: *mut core::ffi::c_void,
) -> core::ffi::c_int {
    // SAFETY: As the function's contract says; the queue lock protects the list.
    unsafe {
        let ret = bindings::default_wake_function(entry, mode, sync, key);
        bindings::list_del_init(&raw mut (*entry).entry);
        ret
    }
}

/// If a punch covers the faulting page, waits for it to end and says how to answer
/// the fault: `VM_FAULT_RETRY` if the fault lock was dropped for the wait (the first
/// attempt of a fault that allows retry and waiting), `VM_FAULT_NOPAGE` if not. `Err`:
/// no punch covers the page; the fault is given back to go on with.
///
/// Dropping the fault lock (mmap_lock, or the per-VMA lock) is `maybe_unlock_mmap_for_io`
/// (not exported): [`VmFault::release_lock`] pins the file first, as the VMA may go once
/// the lock is gone, and keeps it pinned until the handler returns.
pub fn wait_for_punch<T: FileSystem>(vmf: VmFault<'_, T>) -> Result<FaultResult, VmFault<'_, T>> {
    let index = vmf.pgoff();
    // Valid until the handler returns, whether or not the fault lock is released below.
    let inode = vmf.inode();
    let slot = T::punch_slot(inode.data());
    // The common case, no punch, costs one load and no lock: a fault that reads null
    // just before a punch publishes is the harmless race described above.
    if slot.0.load(Ordering::Relaxed).is_null() {
        return Err(vmf);
    }
    let g = inode.i_lock().lock();
    let p = slot.0.load(Ordering::Relaxed);
    // SAFETY: A non-null pointer read under `i_lock` is a published punch, whose frame
    // is alive until the puncher takes `i_lock` again to unpublish it.
    if p.is_null() || unsafe { index < (*p).start || index >= (*p).next } {
        drop(g);
        return Err(vmf);
    }
    // SAFETY: Non-null, just checked.
    let p = unsafe { NonNull::new_unchecked(p) };
    // From here the VMA may go (if the lock is released); the file pinned by the release
    // keeps the inode, and so `i_lock`, alive.
    let released = vmf.release_lock();
    // SAFETY: All-zero, then `init_wait_entry`, gives a valid entry for this task; it
    // lives in this frame until `finish_wait` below.
    let mut entry: bindings::wait_queue_entry = unsafe { core::mem::zeroed() };
    // SAFETY: `p` is valid (see above) while we hold `i_lock`; the entry is queued with
    // the synchronous wake function, so a wake-up dequeues it.
    let waitq = unsafe {
        bindings::init_wait_entry(&mut entry, 0);
        entry.func = Some(synchronous_wake);
        let waitq = (*p.as_ptr()).waitq.get();
        bindings::prepare_to_wait(
            waitq,
            &mut entry,
            bindings::RSHMEM_TASK_UNINTERRUPTIBLE as _,
        );
        waitq
    };
    drop(g);
    // SAFETY: We are queued in TASK_UNINTERRUPTIBLE; the puncher wakes us as it ends.
    unsafe { bindings::schedule() };
    let g = inode.i_lock().lock();
    // `waitq` points into the puncher's stack and is usually gone by now, but
    // `finish_wait` does not dereference it when our entry was dequeued (by
    // `synchronous_wake`). If we woke for another reason the entry is still queued,
    // and then the punch is still published and its frame alive: unpublishing needs the
    // `i_lock` we hold. So `i_lock` is needed here, lest we race with the wake-up.
    // SAFETY: As just said, `waitq` is valid or not dereferenced; `entry` is ours.
    unsafe { bindings::finish_wait(waitq, &mut entry) };
    drop(g);
    // The file is unpinned (`fput`) after the handler returns, with `i_lock` released.
    Ok(match released {
        Ok(released) => released.retry(),
        Err(_vmf) => FaultResult::NOPAGE,
    })
}
