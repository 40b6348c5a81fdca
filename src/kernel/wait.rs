// SPDX-License-Identifier: GPL-2.0

//! A value published from a task's stack frame to the other users of an inode, with a
//! wait queue in the same frame that they can wait on until it is unpublished:
//! `shmem_falloc` and `shmem_falloc_waitq` of mm/shmem.c, in generic form.
//!
//! The queue is on the publisher's stack (`DECLARE_WAIT_QUEUE_HEAD_ONSTACK`), so the
//! whole protocol is about nothing referring to it once the publisher returns:
//! - prepare: a waiter finds the publication under the inode's `i_lock`, and queues
//!   itself before it lets go of `i_lock`;
//! - synchronous wake: the publisher clears the slot under `i_lock` and wakes every
//!   waiter with a wake function that also dequeues it, so that when the wake-up returns
//!   no entry refers to the queue, and no new waiter can find it;
//! - finish: the waiter takes `i_lock` again for `finish_wait`, which does not touch the
//!   queue once the entry was dequeued, and otherwise runs while the queue still lives.
//!
//! Locks: `i_lock` (a spinlock, a leaf) covers the slot's pointer and a waiter's
//! queueing and dequeueing against the final wake-up; the queue's own lock is taken
//! inside the wait-queue calls, under `i_lock`.

use crate::kapi::bindings;
use crate::kapi::fs::inode::Inode;
use crate::kapi::fs::inode_cache::FsInode;
use crate::kapi::fs::FileSystem;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::c_str;
use kernel::types::Opaque;

/// What a slot points to while a value is published: the value and the queue, in the
/// publisher's frame.
struct Publication<P> {
    value: P,
    waitq: Opaque<bindings::wait_queue_head>,
}

/// The slot in which one value at a time is published to the users of the inode whose
/// data holds the slot. It is one pointer.
///
/// # Invariants
///
/// The pointer is null or points to a live `Publication<P>` in the frame of a task inside
/// [`publish`] on the inode whose data holds the slot, which clears it, under that
/// inode's `i_lock`, before its frame goes. It is written only under that `i_lock`.
pub struct StackSlot<P>(AtomicPtr<Publication<P>>);

impl<P> StackSlot<P> {
    /// Nothing published.
    pub const fn new() -> Self {
        Self(AtomicPtr::new(core::ptr::null_mut()))
    }

    /// Whether nothing is published: a lockless hint, which may be stale at once, as
    /// shmem reads `i_private` without `i_lock`.
    #[inline]
    pub fn is_empty_hint(&self) -> bool {
        self.0.load(Ordering::Relaxed).is_null()
    }
}

impl<P> Default for StackSlot<P> {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether `slot` lies in the data of `inode`, and so pairs with its `i_lock`: what makes
/// the protocol sound whatever slot a caller passes.
fn holds<T: FileSystem, P>(inode: &Inode<T>, slot: &StackSlot<P>) -> bool {
    let offset = (slot as *const StackSlot<P> as usize).wrapping_sub(inode.as_ptr() as usize);
    // An address below the inode wraps to a huge offset, and fails too.
    offset
        <= core::mem::size_of::<FsInode<T>>().saturating_sub(core::mem::size_of::<StackSlot<P>>())
}

/// The lockdep class of every on-stack queue (lockdep wants it static).
struct WaitqKey(Opaque<bindings::lock_class_key>);
// SAFETY: Only lockdep touches the key, with its own locking.
unsafe impl Sync for WaitqKey {}
static WAITQ_KEY: WaitqKey = WaitqKey(Opaque::uninit());

/// Runs `work` with `value` published in `slot` (which lies in `inode`'s data), then
/// unpublishes it and wakes every task that waited on it. When this returns nothing
/// refers to the publication. A slot that is not `inode`'s is a bug of the caller: it
/// warns, and runs `work` with nothing published.
pub fn publish<T: FileSystem, P: Sync, R>(
    inode: &Inode<T>,
    slot: &StackSlot<P>,
    value: P,
    work: impl FnOnce() -> R,
) -> R {
    if crate::kapi::warn::warn_on_once(!holds(inode, slot)) {
        return work();
    }
    // The publication lives in this stack frame, which outlives its publication: it is
    // unpublished before this function returns, and it is never moved.
    let publication = Publication {
        value,
        waitq: Opaque::uninit(),
    };
    let p = &publication as *const Publication<P> as *mut Publication<P>;
    // SAFETY: Initialises the on-stack queue (DECLARE_WAIT_QUEUE_HEAD_ONSTACK) with a
    // static lockdep key.
    unsafe {
        bindings::__init_waitqueue_head(
            publication.waitq.get(),
            c_str!("rshmem_stack_waitq").as_char_ptr(),
            WAITQ_KEY.0.get(),
        )
    };
    let ilock = inode.i_lock();
    {
        let _g = ilock.lock();
        // INVARIANT: Under `i_lock` of the inode that holds the slot (checked above);
        // the publication lives until the store of null below.
        slot.0.store(p, Ordering::Relaxed);
    }
    let r = work();
    let _g = ilock.lock();
    // INVARIANT: Under `i_lock`. Whatever another publisher of the slot stored since, the
    // slot now points to no frame.
    slot.0.store(core::ptr::null_mut(), Ordering::Relaxed);
    // Each waiter's entry uses `synchronous_wake`, which takes the entry off the queue
    // as it wakes it, so when this returns no entry refers to the queue; waiters that
    // have not yet queued cannot find the publication any more (`i_lock` orders them
    // after the store above). This is the synchronous wake-up tmpfs learned it needs
    // under trinity.
    // SAFETY: The queue is valid (this frame) and initialised.
    unsafe {
        bindings::__wake_up(
            publication.waitq.get(),
            bindings::RSHMEM_TASK_NORMAL,
            0,
            core::ptr::null_mut(),
        );
    }
    // A waiter left on the queue would be woken, later, through a dangling pointer into
    // this frame: shmem_fallocate checks this with a live WARN_ON_ONCE, and so do we.
    // SAFETY: The queue is valid; its lock is not needed to see that it is empty, as no
    // one can queue on it any more (see above).
    crate::kapi::warn::warn_on_once(unsafe {
        bindings::list_empty(&raw const (*publication.waitq.get()).head) == 0
    });
    r
}

/// Wakes a waiter and takes its entry off the queue, so that the queue (in the
/// publisher's stack) is never touched again on the waiter's behalf.
///
/// # Safety
///
/// Called by `__wake_up` with the queue's lock held, on an entry of a publication's
/// queue.
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

/// If a value is published in `slot` (which lies in `inode`'s data) and `concerns` says
/// it concerns the caller, waits, uninterruptibly, until it is unpublished. Once
/// committed to the wait, and before sleeping, it calls `before_wait(state)` with
/// `i_lock` held (it must not sleep: a fault releases its lock there, as shmem does) and
/// returns what that returned. `Err(state)`: nothing to wait for.
///
/// `inode` must stay alive until this returns: the caller holds a reference.
///
/// Inlined, so that the common case costs its caller no call.
#[inline(always)]
pub fn wait_published<T: FileSystem, P: Sync, S, R>(
    inode: &Inode<T>,
    slot: &StackSlot<P>,
    state: S,
    concerns: impl FnOnce(&P) -> bool,
    before_wait: impl FnOnce(S) -> R,
) -> Result<R, S> {
    // The common case, nothing published, costs one load and no lock: a caller that reads
    // null just before a value is published goes on, as if it had come first.
    if slot.is_empty_hint() {
        return Err(state);
    }
    if crate::kapi::warn::warn_on_once(!holds(inode, slot)) {
        return Err(state);
    }
    let g = inode.i_lock().lock();
    let p = slot.0.load(Ordering::Relaxed);
    // SAFETY: A non-null pointer read under the `i_lock` that pairs with the slot
    // (checked above) is a live publication, until its publisher takes `i_lock` again
    // (type invariant of `StackSlot`).
    if p.is_null() || !concerns(unsafe { &(*p).value }) {
        drop(g);
        return Err(state);
    }
    let r = before_wait(state);
    // SAFETY: All-zero, then `init_wait_entry`, gives a valid entry for this task; it
    // lives in this frame until `finish_wait` below.
    let mut entry: bindings::wait_queue_entry = unsafe { core::mem::zeroed() };
    // SAFETY: `p` is live (see above) while we hold `i_lock`; the entry is queued with
    // the synchronous wake function, so a wake-up dequeues it.
    let waitq = unsafe {
        bindings::init_wait_entry(&mut entry, 0);
        entry.func = Some(synchronous_wake);
        let waitq = (*p).waitq.get();
        bindings::prepare_to_wait(
            waitq,
            &mut entry,
            bindings::RSHMEM_TASK_UNINTERRUPTIBLE as _,
        );
        waitq
    };
    drop(g);
    // SAFETY: We are queued in TASK_UNINTERRUPTIBLE; the publisher wakes us as it ends.
    unsafe { bindings::schedule() };
    let g = inode.i_lock().lock();
    // `waitq` points into the publisher's stack and is usually gone by now, but
    // `finish_wait` does not dereference it when our entry was dequeued (by
    // `synchronous_wake`). If we woke for another reason the entry is still queued,
    // and then the value is still published and its frame alive: unpublishing needs the
    // `i_lock` we hold. So `i_lock` is needed here, lest we race with the wake-up.
    // SAFETY: As just said, `waitq` is valid or not dereferenced; `entry` is ours.
    unsafe { bindings::finish_wait(waitq, &mut entry) };
    drop(g);
    Ok(r)
}
