// SPDX-License-Identifier: GPL-2.0

//! `struct file`: an open file.

use crate::bindings;
use crate::inode::{Inode, NewInode};
use crate::vfs::FileSystem;
use kernel::prelude::*;
use kernel::types::Opaque;

/// An open file.
#[repr(transparent)]
pub struct File(Opaque<bindings::file>);

impl File {
    /// # Safety
    ///
    /// `ptr` is a valid file that outlives `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::file) -> &'a Self {
        // SAFETY: `File` is `repr(transparent)`; validity is the caller's promise.
        unsafe { &*ptr.cast() }
    }

    pub(crate) fn as_ptr(&self) -> *mut bindings::file {
        self.0.get()
    }

    /// The file's inode, of filesystem `T`.
    ///
    /// # Safety
    ///
    /// The file is a file of filesystem `T` (true of every file a `T` operation gets).
    pub unsafe fn inode<T: FileSystem>(&self) -> &Inode<T> {
        // SAFETY: `f_inode` is pinned by the open file; the caller vouches for `T`.
        unsafe { Inode::from_raw(bindings::file_inode(self.as_ptr())) }
    }

    /// Makes a new unnamed inode the file's, for O_TMPFILE (`d_tmpfile`).
    pub fn instantiate_tmpfile<T: FileSystem>(&self, inode: NewInode<T>) {
        // SAFETY: The file is being opened by `->tmpfile`, as `d_tmpfile` requires; it
        // takes over the inode's reference.
        unsafe { bindings::d_tmpfile(self.as_ptr(), inode.into_raw()) };
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
