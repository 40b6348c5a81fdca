// SPDX-License-Identifier: GPL-2.0

//! `struct dentry`: names in the dcache, which is where rshmem's directories live. A
//! name is pinned there, and given its directory offset, through its directory's offset
//! map (`fs/dir_offsets.rs`).

use crate::kapi::bindings;
use crate::kapi::fs::inode::Inode;
use crate::kapi::fs::FileSystem;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::prelude::*;
use kernel::types::{AlwaysRefCounted, Opaque};

/// `rename` flags (`RENAME_*`).
pub mod rename_flags {
    use crate::kapi::bindings;

    /// `RENAME_NOREPLACE`: fail if the target exists.
    pub const NOREPLACE: u32 = bindings::RENAME_NOREPLACE;
    /// `RENAME_EXCHANGE`: swap the two names.
    pub const EXCHANGE: u32 = bindings::RENAME_EXCHANGE;
    /// `RENAME_WHITEOUT`: leave a whiteout at the old name (for overlayfs).
    pub const WHITEOUT: u32 = bindings::RENAME_WHITEOUT;
}

/// A whiteout, as overlayfs reads it (`IS_WHITEOUT`): a character device with device
/// number `WHITEOUT_DEV` and mode bits `WHITEOUT_MODE`.
pub mod whiteout {
    use crate::kapi::bindings;

    /// The whole mode of a whiteout: `S_IFCHR | WHITEOUT_MODE`.
    pub const MODE: u16 = (bindings::S_IFCHR | bindings::WHITEOUT_MODE) as u16;
    /// Its device number, `WHITEOUT_DEV`.
    pub const DEV: u32 = bindings::WHITEOUT_DEV;
}

/// A dentry of filesystem `T`, as passed to directory operations.
#[repr(transparent)]
pub struct Dentry<T: FileSystem>(Opaque<bindings::dentry>, PhantomData<T>);

// SAFETY: The reference count is `dget`/`dput`'s; the dentry is freed only after its
// last reference goes.
unsafe impl<T: FileSystem> AlwaysRefCounted for Dentry<T> {
    fn inc_ref(&self) {
        // SAFETY: The dentry is valid and referenced by the caller.
        unsafe { bindings::dget(self.as_ptr()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller gives up a reference it holds.
        unsafe { bindings::dput(obj.as_ptr().cast()) };
    }
}

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

    /// Whether a directory's dentry has no children (or the dentry is negative).
    pub fn is_empty_dir(&self) -> bool {
        // SAFETY: The dentry is valid.
        unsafe { bindings::simple_empty(self.as_ptr()) != 0 }
    }

    /// A new dentry with the name and parent of this one, negative and unhashed, so that
    /// no lookup finds it until [`NewDentry::rehash`]: the whiteout that takes this name
    /// over when a rename moves it away. The caller holds the parent's `i_rwsem` (as the
    /// VFS does around `rename`), which keeps this dentry's name and parent still.
    pub fn alloc_sibling(&self) -> Result<NewDentry<T>> {
        // SAFETY: The dentry is valid, and its parent and name stable under the parent's
        // `i_rwsem`, which the caller holds; `d_alloc` copies the name and takes a
        // reference to the parent.
        let d = unsafe { bindings::d_alloc((*self.as_ptr()).d_parent, &(*self.as_ptr()).d_name) };
        // INVARIANT: `d_alloc` returned a new dentry with one reference, or NULL.
        NonNull::new(d)
            .map(|d| NewDentry(d, PhantomData))
            .ok_or(ENOMEM)
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

/// A dentry allocated here ([`Dentry::alloc_sibling`]), holding one reference, which is
/// dropped (`dput`) with it. Until [`NewDentry::rehash`] it is unhashed: only ours.
///
/// # Invariants
///
/// `0` is a valid dentry of `T`'s superblock on which this value holds a reference.
pub struct NewDentry<T: FileSystem>(NonNull<bindings::dentry>, PhantomData<T>);

impl<T: FileSystem> NewDentry<T> {
    /// Makes the dentry visible to lookups (`d_rehash`), and drops our reference. A
    /// lookup of its name may find it or a dentry of the same name still hashed (the one
    /// a rename is about to move); as in shmem_whiteout, either is right until the rename
    /// completes. A positive dentry stays: its offset entry pins it.
    pub fn rehash(self) {
        // SAFETY: The dentry is valid (type invariant) and unhashed: it was allocated
        // unhashed, and this, the one method that hashes it, consumes the value.
        unsafe { bindings::d_rehash(self.0.as_ptr()) };
    }
}

impl<T: FileSystem> core::ops::Deref for NewDentry<T> {
    type Target = Dentry<T>;

    fn deref(&self) -> &Dentry<T> {
        // SAFETY: The dentry is valid for as long as we hold our reference (type
        // invariant), and belongs to `T`'s superblock.
        unsafe { Dentry::from_raw(self.0.as_ptr()) }
    }
}

impl<T: FileSystem> Drop for NewDentry<T> {
    fn drop(&mut self) {
        // SAFETY: The reference this value holds (type invariant), dropped once. A
        // dentry made positive keeps the pin its offset entry holds.
        unsafe { bindings::dput(self.0.as_ptr()) };
    }
}
