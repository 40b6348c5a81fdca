// SPDX-License-Identifier: GPL-2.0

//! `struct iattr` (attribute changes), `struct kstat` (what `stat` and `statx` report of
//! an inode), `struct fileattr` (`chattr`'s flags), `struct timespec64` and `struct
//! kstatfs` (filesystem statistics).

use crate::kapi::bindings;
use crate::kapi::fs::dentry::Dentry;
use crate::kapi::fs::inode::Inode;
use crate::kapi::fs::super_block::SuperBlock;
use crate::kapi::fs::FileSystem;
use kernel::prelude::*;
use kernel::types::Opaque;

/// The idmapping of the mount an operation came through.
///
/// # Invariants
///
/// `0` is a valid idmapping: one the VFS passed with an operation, or the identity.
#[derive(Clone, Copy)]
pub struct Idmap(pub(crate) *mut bindings::mnt_idmap);

impl Idmap {
    /// The identity mapping, for inodes made without a mount (the root directory).
    pub fn identity() -> Self {
        // INVARIANT: `nop_mnt_idmap` is static.
        Self(&raw mut bindings::nop_mnt_idmap)
    }

    pub(crate) fn as_ptr(self) -> *mut bindings::mnt_idmap {
        self.0
    }
}

/// An attribute change, as `chmod`, `chown`, `utimes` and `truncate` ask for it.
#[repr(transparent)]
pub struct Iattr(Opaque<bindings::iattr>);

/// `ATTR_SIZE`: the change includes a new size.
const ATTR_SIZE: u32 = bindings::ATTR_SIZE;
/// `ATTR_MODE`: the change includes a new mode.
const ATTR_MODE: u32 = bindings::ATTR_MODE;

impl Iattr {
    /// # Safety
    ///
    /// `ptr` is a valid attribute change that outlives `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::iattr) -> &'a Self {
        // SAFETY: `Iattr` is `repr(transparent)`; validity is the caller's promise.
        unsafe { &*ptr.cast() }
    }

    /// The new size, if the change sets one.
    pub fn size(&self) -> Option<i64> {
        // SAFETY: The iattr is valid.
        let a = unsafe { &*self.0.get() };
        (a.ia_valid & ATTR_SIZE != 0).then_some(a.ia_size)
    }

    /// Whether the change sets the mode (`chmod`).
    pub fn changes_mode(&self) -> bool {
        // SAFETY: The iattr is valid.
        unsafe { (*self.0.get()).ia_valid & ATTR_MODE != 0 }
    }

    /// Checks that the caller may make the change (`setattr_prepare`): ownership,
    /// permissions, and for a size, the file size limits.
    pub fn prepare<T: FileSystem>(&self, idmap: Idmap, dentry: &Dentry<T>) -> Result {
        // SAFETY: All are valid; the VFS holds the inode's `i_rwsem`.
        kernel::error::to_result(unsafe {
            bindings::setattr_prepare(idmap.0, dentry.as_ptr(), self.0.get())
        })
    }

    /// Copies the changed attributes other than the size into the inode (`setattr_copy`).
    pub fn copy_to<T: FileSystem>(&self, idmap: Idmap, inode: &Inode<T>) {
        // SAFETY: As in `prepare`.
        unsafe { bindings::setattr_copy(idmap.0, inode.as_ptr(), self.0.get()) };
    }
}

/// A point in time, as the kernel keeps inode times: seconds and nanoseconds since the
/// epoch (`struct timespec64`).
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Timespec {
    /// Seconds.
    pub sec: i64,
    /// Nanoseconds, below 10^9.
    pub nsec: i64,
}

/// `STATX_BTIME`: the birth time is asked for, and given.
pub const STATX_BTIME: u32 = bindings::STATX_BTIME;

/// `STATX_ATTR_*`: the file attributes `statx` reports.
pub mod statx_attr {
    use crate::kapi::bindings;

    /// `STATX_ATTR_APPEND`: the file can only be appended to.
    pub const APPEND: u64 = bindings::STATX_ATTR_APPEND as u64;
    /// `STATX_ATTR_IMMUTABLE`: the file cannot be changed.
    pub const IMMUTABLE: u64 = bindings::STATX_ATTR_IMMUTABLE as u64;
    /// `STATX_ATTR_NODUMP`: the file is not to be backed up.
    pub const NODUMP: u64 = bindings::STATX_ATTR_NODUMP as u64;
}

/// What `stat` and `statx` report of an inode, as `getattr` fills it in: after
/// `generic_fillattr` has copied the inode's attributes, the filesystem adds its own.
#[repr(transparent)]
pub struct Kstat(Opaque<bindings::kstat>);

impl Kstat {
    /// # Safety
    ///
    /// `ptr` is a valid `struct kstat`, used by nothing else for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::kstat) -> &'a mut Self {
        // SAFETY: `Kstat` is `repr(transparent)`; validity is the caller's promise.
        unsafe { &mut *ptr.cast() }
    }

    /// Reports the birth time.
    pub fn set_btime(&mut self, t: Timespec) {
        // SAFETY: The struct is ours for the call.
        let s = unsafe { &mut *self.0.get() };
        s.result_mask |= STATX_BTIME;
        s.btime.tv_sec = t.sec;
        s.btime.tv_nsec = t.nsec as _;
    }

    /// Reports `size` as the preferred I/O size (`st_blksize`) in place of
    /// `generic_fillattr`'s.
    pub fn set_blksize(&mut self, size: u32) {
        // SAFETY: The struct is ours for the call.
        let s = unsafe { &mut *self.0.get() };
        s.blksize = size;
    }

    /// Reports the `STATX_ATTR_*` attributes `set` of those in `supported`, the ones the
    /// filesystem knows (`stx_attributes_mask`).
    pub fn add_attributes(&mut self, set: u64, supported: u64) {
        // SAFETY: The struct is ours for the call.
        let s = unsafe { &mut *self.0.get() };
        s.attributes |= set & supported;
        s.attributes_mask |= supported;
    }
}

/// `FS_*_FL`: the inode flags of `FS_IOC_GETFLAGS` and `FS_IOC_SETFLAGS` (`chattr`).
pub mod fs_flags {
    use crate::kapi::bindings;

    /// `FS_IMMUTABLE_FL`: `chattr +i`.
    pub const IMMUTABLE: u32 = bindings::FS_IMMUTABLE_FL;
    /// `FS_APPEND_FL`: `chattr +a`.
    pub const APPEND: u32 = bindings::FS_APPEND_FL;
    /// `FS_NODUMP_FL`: `chattr +d`.
    pub const NODUMP: u32 = bindings::FS_NODUMP_FL;
    /// `FS_NOATIME_FL`: `chattr +A`.
    pub const NOATIME: u32 = bindings::FS_NOATIME_FL;
    /// `FS_FL_USER_VISIBLE`: the flags `FS_IOC_GETFLAGS` may report.
    pub const USER_VISIBLE: u32 = bindings::FS_FL_USER_VISIBLE;
}

/// A file attribute change (`FS_IOC_SETFLAGS`, `FS_IOC_FSSETXATTR`), as the VFS has
/// merged it into `struct fileattr`: the flags, and whether it asks for what only the
/// xfs-style interface has.
#[repr(transparent)]
pub struct FileAttr(Opaque<bindings::fileattr>);

impl FileAttr {
    /// # Safety
    ///
    /// `ptr` is a valid `struct fileattr` that outlives `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::fileattr) -> &'a Self {
        // SAFETY: `FileAttr` is `repr(transparent)`; validity is the caller's promise.
        unsafe { &*ptr.cast() }
    }

    /// The `FS_*_FL` flags asked for (the VFS fills them in from either interface).
    pub fn flags(&self) -> u32 {
        // SAFETY: The struct is valid.
        unsafe { (*self.0.get()).flags }
    }

    /// Whether the change asks for extended attributes that the flags cannot express
    /// (`fileattr_has_fsx`: xflags outside the common ones, extent sizes, a project).
    pub fn has_fsx(&self) -> bool {
        // SAFETY: The struct is valid.
        unsafe { bindings::fileattr_has_fsx(self.0.get()) }
    }
}

/// The statistics `statfs` fills in.
#[repr(transparent)]
pub struct StatFs(Opaque<bindings::kstatfs>);

impl StatFs {
    /// # Safety
    ///
    /// `ptr` is a valid `struct kstatfs`, used by nothing else for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::kstatfs) -> &'a mut Self {
        // SAFETY: `StatFs` is `repr(transparent)`; validity is the caller's promise.
        unsafe { &mut *ptr.cast() }
    }

    /// Sets type, block size and name length.
    pub fn set_basics(&mut self, magic: u64, bsize: u64, namelen: u64) {
        // SAFETY: The struct is ours for the call.
        let s = unsafe { &mut *self.0.get() };
        s.f_type = magic as _;
        s.f_bsize = bsize as _;
        s.f_namelen = namelen as _;
    }

    /// Sets total and free blocks (free and available are the same).
    pub fn set_blocks(&mut self, total: u64, free: u64) {
        // SAFETY: The struct is ours for the call.
        let s = unsafe { &mut *self.0.get() };
        s.f_blocks = total;
        s.f_bfree = free;
        s.f_bavail = free;
    }

    /// Sets total and free inodes.
    pub fn set_files(&mut self, total: u64, free: u64) {
        // SAFETY: The struct is ours for the call.
        let s = unsafe { &mut *self.0.get() };
        s.f_files = total;
        s.f_ffree = free;
    }

    /// Sets the filesystem id from the instance's uuid, as tmpfs does (`uuid_to_fsid`).
    pub fn set_fsid_from_uuid<T: FileSystem>(&mut self, sb: &SuperBlock<T>) {
        // SAFETY: The struct is ours for the call; the uuid was set before the
        // superblock was handed out and is not written again.
        unsafe {
            (*self.0.get()).f_fsid = bindings::uuid_to_fsid((*sb.as_ptr()).s_uuid.b.as_mut_ptr());
        }
    }
}
