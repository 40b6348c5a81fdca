// SPDX-License-Identifier: GPL-2.0

//! A `spinlock_t` that a C object embeds, borrowed from that object: the lock of the
//! kernel crate's `SpinLock<T>` for data the kernel crate does not own (6.12's crate
//! has no `Lock::from_raw`).

use crate::kapi::bindings;
use core::marker::PhantomData;
use kernel::types::Opaque;

/// A spinlock embedded in a C object, such as an inode's `i_lock`.
///
/// # Invariants
///
/// The lock is initialised: references to it are only made from live objects that
/// embed it.
#[repr(transparent)]
pub struct RawSpinLock(Opaque<bindings::spinlock_t>);

impl RawSpinLock {
    /// # Safety
    ///
    /// `ptr` is an initialised spinlock that outlives `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::spinlock_t) -> &'a Self {
        // SAFETY: `RawSpinLock` is `repr(transparent)`; validity is the caller's promise.
        // INVARIANT: The caller's promise.
        unsafe { &*ptr.cast() }
    }

    /// Takes the lock, spinning, until the guard is dropped.
    pub fn lock(&self) -> RawSpinLockGuard<'_> {
        // SAFETY: The lock is initialised (type invariant); the guard releases it.
        unsafe { bindings::spin_lock(self.0.get()) };
        RawSpinLockGuard(self, PhantomData)
    }
}

/// Holds a [`RawSpinLock`]; releases it when dropped.
///
/// # Invariants
///
/// The lock is held by this guard.
#[must_use = "the lock unlocks immediately when the guard is unused"]
pub struct RawSpinLockGuard<'a>(&'a RawSpinLock, PhantomData<*mut ()>);

impl Drop for RawSpinLockGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: The guard holds the lock (type invariant).
        unsafe { bindings::spin_unlock(self.0 .0.get()) };
    }
}
