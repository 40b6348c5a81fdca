// SPDX-License-Identifier: GPL-2.0

//! `struct file`: an open file, and the constants of the file operations rshmem
//! implements itself.

use crate::kapi::bindings;
use crate::kapi::fs::inode::{Inode, NewInode};
use crate::kapi::fs::FileSystem;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::prelude::*;
use kernel::types::{AlwaysRefCounted, Opaque};

/// `lseek`'s `whence` values that a filesystem implements itself.
pub mod whence {
    use crate::kapi::bindings;

    /// `SEEK_SET`: the offset itself.
    pub const SEEK_SET: i32 = bindings::SEEK_SET as i32;
    /// `SEEK_CUR`: the offset from the current position.
    pub const SEEK_CUR: i32 = bindings::SEEK_CUR as i32;
    /// `SEEK_DATA`: the next data at or after the offset.
    pub const SEEK_DATA: i32 = bindings::SEEK_DATA as i32;
    /// `SEEK_HOLE`: the next hole at or after the offset.
    pub const SEEK_HOLE: i32 = bindings::SEEK_HOLE as i32;
}

/// `fallocate(2)` modes (`FALLOC_FL_*`).
pub mod falloc {
    use crate::kapi::bindings;

    /// `FALLOC_FL_KEEP_SIZE`: the file size stays.
    pub const KEEP_SIZE: i32 = bindings::FALLOC_FL_KEEP_SIZE as i32;
    /// `FALLOC_FL_PUNCH_HOLE`: free the range.
    pub const PUNCH_HOLE: i32 = bindings::FALLOC_FL_PUNCH_HOLE as i32;
    /// `FALLOC_FL_ZERO_RANGE`: zero the range, allocated.
    pub const ZERO_RANGE: i32 = bindings::FALLOC_FL_ZERO_RANGE as i32;
}

/// An open file of filesystem `T`.
///
/// # Invariants
///
/// The file is open (`f_inode` is set, for its lifetime) and its inode is an inode of
/// `T`: instances are made only for files that `T`'s own operations are called on.
#[repr(transparent)]
pub struct File<T: FileSystem>(Opaque<bindings::file>, PhantomData<T>);

// SAFETY: The reference count is `get_file`/`fput`'s; the file is freed only when its
// last reference goes.
unsafe impl<T: FileSystem> AlwaysRefCounted for File<T> {
    fn inc_ref(&self) {
        // SAFETY: The file is valid and referenced by the caller.
        unsafe { bindings::get_file(self.as_ptr()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller gives up a reference it holds.
        unsafe { bindings::fput(obj.as_ptr().cast()) };
    }
}

impl<T: FileSystem> File<T> {
    /// # Safety
    ///
    /// `ptr` is a valid open file of a `T` inode that outlives `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::file) -> &'a Self {
        // SAFETY: `File` is `repr(transparent)`; validity is the caller's promise.
        // INVARIANT: The caller's promise.
        unsafe { &*ptr.cast() }
    }

    pub(crate) fn as_ptr(&self) -> *mut bindings::file {
        self.0.get()
    }

    /// The file's inode.
    pub fn inode(&self) -> &Inode<T> {
        // SAFETY: `f_inode` (what `file_inode` reads) is set before the file is opened and
        // never changes; it is pinned by the open file, and is an inode of `T` (type
        // invariant).
        unsafe { Inode::from_raw((*self.as_ptr()).f_inode) }
    }

    /// Updates the access time, as reads and mmap do.
    pub fn accessed(&self) {
        // SAFETY: The file is valid.
        unsafe { bindings::file_accessed(self.as_ptr()) };
    }

    /// Drops set-uid and set-gid bits and security capabilities, as a modification
    /// does. The caller holds the inode's `i_rwsem` (`notify_change` requires it).
    pub fn remove_privs(&self) -> Result {
        // SAFETY: The file is valid; the caller holds its inode's `i_rwsem`.
        kernel::error::to_result(unsafe { bindings::file_remove_privs(self.as_ptr()) })
    }

    /// Updates mtime and ctime after a modification that is done, when an error could
    /// no longer be reported: on rshmem it cannot fail (`generic_update_time`).
    pub fn update_times(&self) {
        // The result is dropped on purpose, as shmem_fallocate drops file_modified's.
        let _ = self.update_time();
    }

    /// Updates mtime and ctime, as writes do.
    pub fn update_time(&self) -> Result {
        // SAFETY: The file is valid.
        kernel::error::to_result(unsafe { bindings::file_update_time(self.as_ptr()) })
    }

    /// The file position. The VFS serialises its changes on a shared file (`f_pos_lock`,
    /// which `lseek` and `getdents` take); read atomically all the same, so that a reader
    /// racing with a writer is no data race.
    pub fn pos(&self) -> i64 {
        #[cfg(CONFIG_64BIT)]
        {
            // SAFETY: `f_pos` is an aligned `loff_t` of the valid file, which C writes as a
            // whole word.
            let pos =
                unsafe { core::sync::atomic::AtomicI64::from_ptr(&raw mut (*self.as_ptr()).f_pos) };
            pos.load(core::sync::atomic::Ordering::Relaxed)
        }
        // SAFETY: The file is valid; a volatile read, as C's `READ_ONCE`.
        #[cfg(not(CONFIG_64BIT))]
        unsafe {
            core::ptr::read_volatile(&raw const (*self.as_ptr()).f_pos)
        }
    }

    /// Sets the file position to `pos`, which must not exceed `max`.
    pub fn set_pos(&self, pos: i64, max: i64) -> Result<i64> {
        // SAFETY: The file is valid; `vfs_setpos` checks the bounds.
        let r = unsafe { bindings::vfs_setpos(self.as_ptr(), pos, max) };
        if r < 0 {
            Err(Error::from_errno(r as i32))
        } else {
            Ok(r)
        }
    }

    /// `generic_file_llseek`: SEEK_SET, SEEK_CUR and SEEK_END.
    pub fn generic_llseek(&self, offset: i64, whence: i32) -> i64 {
        // SAFETY: The file is valid.
        unsafe { bindings::generic_file_llseek(self.as_ptr(), offset, whence) }
    }
}

/// A file being opened by `->tmpfile`: it has no inode yet, so it offers only
/// [`TmpFile::instantiate`].
///
/// # Invariants
///
/// The file is being opened by a `tmpfile` operation of `T`.
#[repr(transparent)]
pub struct TmpFile<T: FileSystem>(Opaque<bindings::file>, PhantomData<T>);

impl<T: FileSystem> TmpFile<T> {
    /// # Safety
    ///
    /// `ptr` is the file that a `tmpfile` operation of `T` got, valid for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::file) -> &'a Self {
        // SAFETY: `TmpFile` is `repr(transparent)`; validity is the caller's promise.
        // INVARIANT: The caller's promise.
        unsafe { &*ptr.cast() }
    }

    /// Makes a new unnamed inode the file's, for O_TMPFILE (`d_tmpfile`).
    pub fn instantiate(&self, inode: NewInode<T>) {
        // SAFETY: The file is being opened by `->tmpfile` (type invariant), as
        // `d_tmpfile` requires; it takes over the inode's reference.
        unsafe { bindings::d_tmpfile(self.0.get(), inode.into_raw()) };
    }
}
