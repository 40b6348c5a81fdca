// SPDX-License-Identifier: GPL-2.0

//! `struct dentry`: names in the dcache, which is where rshmem's directories live.

use crate::kapi::bindings;
use crate::kapi::fs::inode::{Inode, NewInode};
use crate::kapi::fs::FileSystem;
use core::marker::PhantomData;
use kernel::prelude::*;
use kernel::types::{ARef, Opaque};

/// `rename` flags (`RENAME_*`).
pub mod rename_flags {
    use crate::kapi::bindings;

    /// `RENAME_NOREPLACE`: fail if the target exists.
    pub const NOREPLACE: u32 = bindings::RENAME_NOREPLACE;
    /// `RENAME_EXCHANGE`: swap the two names.
    pub const EXCHANGE: u32 = bindings::RENAME_EXCHANGE;
}

/// A dentry of filesystem `T`, as passed to directory operations.
#[repr(transparent)]
pub struct Dentry<T: FileSystem>(Opaque<bindings::dentry>, PhantomData<T>);

impl<T: FileSystem> Dentry<T> {
    /// # Safety
    ///
    /// `ptr` is a valid dentry of a superblock of type `T` that outlives `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::dentry) -> &'a Self {
        // SAFETY: `Dentry` is `repr(transparent)`; validity is the caller's promise.
        unsafe { &*ptr.cast() }
    }

    pub(crate) fn as_ptr(&self) -> *mut bindings::dentry {
        self.0.get()
    }

    /// The inode, or `None` for a negative dentry.
    pub fn inode(&self) -> Option<&Inode<T>> {
        // SAFETY: The dentry is valid; its inode changes only under the parent's
        // `i_rwsem`, which the VFS holds for directory operations.
        let inode = unsafe { (*self.as_ptr()).d_inode };
        // SAFETY: A dentry of `T` points to an inode of `T`, pinned by the dentry.
        (!inode.is_null()).then(|| unsafe { Inode::from_raw(inode) })
    }

    /// Makes a negative dentry point to a new inode, and pins the dentry in the dcache:
    /// it is the only record of the name.
    pub fn instantiate(&self, inode: NewInode<T>) {
        // SAFETY: The dentry is negative and locked by the VFS; `d_instantiate` takes over
        // the inode's reference. The extra dentry reference is dropped by `unpin`.
        unsafe {
            bindings::d_instantiate(self.as_ptr(), inode.into_raw());
            bindings::dget(self.as_ptr());
        }
    }

    /// Makes a negative dentry a new link to `inode`, pinned like `instantiate`; the
    /// dentry takes over the reference.
    pub fn instantiate_link(&self, inode: ARef<Inode<T>>) {
        let inode = ARef::into_raw(inode);
        // SAFETY: As in `instantiate`; the reference `inode` held is handed over.
        unsafe {
            bindings::d_instantiate(self.as_ptr(), inode.as_ptr().cast());
            bindings::dget(self.as_ptr());
        }
    }

    /// Drops the pin `instantiate` took, when the name is removed.
    pub fn unpin(&self) {
        // SAFETY: The dentry was pinned by `instantiate` or `instantiate_link`.
        unsafe { bindings::dput(self.as_ptr()) };
    }

    /// Whether a directory's dentry has no children (or the dentry is negative).
    pub fn is_empty_dir(&self) -> bool {
        // SAFETY: The dentry is valid.
        unsafe { bindings::simple_empty(self.as_ptr()) != 0 }
    }

    /// Swaps the names `self` (in `old_dir`) and `new` (in `new_dir`), with their
    /// links and timestamps, as RENAME_EXCHANGE asks.
    pub fn exchange(&self, old_dir: &Inode<T>, new_dir: &Inode<T>, new: &Self) -> Result {
        // SAFETY: All are valid and locked by the VFS's rename locking.
        kernel::error::to_result(unsafe {
            bindings::simple_rename_exchange(
                old_dir.as_ptr(),
                self.as_ptr(),
                new_dir.as_ptr(),
                new.as_ptr(),
            )
        })
    }

    /// Updates the times of a rename: both directories, and the moved inodes' ctime.
    pub fn rename_timestamps(&self, old_dir: &Inode<T>, new_dir: &Inode<T>, new: &Self) {
        // SAFETY: All are valid and locked by the VFS's rename locking.
        unsafe {
            bindings::simple_rename_timestamp(
                old_dir.as_ptr(),
                self.as_ptr(),
                new_dir.as_ptr(),
                new.as_ptr(),
            )
        };
    }
}
