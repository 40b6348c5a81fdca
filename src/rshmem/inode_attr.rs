// SPDX-License-Identifier: GPL-2.0

//! What `stat` reports of an inode beyond the VFS's own fields, and the `chattr` flags,
//! as tmpfs has them (`shmem_getattr`, `shmem_fileattr_get`, `shmem_fileattr_set`, with
//! CONFIG_TMPFS_XATTR, under which tmpfs puts them).
//!
//! The flags are immutable (`+i`), append-only (`+a`), nodump (`+d`) and noatime (`+A`),
//! kept in the inode's data (`RshmemInode::fsflags`). Three of them become the inode
//! flags the VFS enforces (`S_IMMUTABLE`, `S_APPEND`, `S_NOATIME`): may_open, notify_change,
//! vfs_fallocate, may_delete, vfs_link, do_mmap and touch_atime refuse or skip what they
//! forbid, for rshmem as for any filesystem, before rshmem's own operations are called.
//! Nodump is only kept and shown. Who may change which flag (the owner; immutable and
//! append-only only with CAP_LINUX_IMMUTABLE) is the VFS's check (`vfs_fileattr_set`).
//! Regular files and directories have them (only their tables have `fileattr_get` and
//! `fileattr_set`); nodump and noatime pass from a directory to the inodes made in it.
//!
//! Locks: `i_rwsem` of the inode, held by the VFS around `fileattr_set`; readers take
//! none (see `RshmemInode::fsflags`).

#![deny(unsafe_code)]

use crate::kapi::error;
use crate::kapi::fs::attr::{fs_flags, statx_attr, FileAttr, Idmap, Kstat, STATX_BTIME};
use crate::kapi::fs::inode::{inode_flags, FileType, Inode, LockedInode};
use crate::kapi::fs::xattr::{NameList, SecurityXattrs, ValueOut};
use crate::kapi::fs::InodeOperations;
use crate::kapi::mm::{HPAGE_PMD_ORDER, PAGE_SIZE};
use crate::rshmem::filesystem::Rshmem;
use crate::rshmem::rshmem_inode::{large_order, Want};
use crate::rshmem::xattr;
use kernel::prelude::*;

/// The flags `chattr` may change (`SHMEM_FL_USER_MODIFIABLE`).
const MODIFIABLE: u32 =
    fs_flags::IMMUTABLE | fs_flags::APPEND | fs_flags::NODUMP | fs_flags::NOATIME;

/// The flags a new inode takes from its directory (`SHMEM_FL_INHERITED`).
const INHERITED: u32 = fs_flags::NODUMP | fs_flags::NOATIME;

/// The `STATX_ATTR_*` attributes rshmem knows: tmpfs reports them in
/// `stx_attributes_mask` whether or not a file has them.
const STATX_ATTRS: u64 = statx_attr::APPEND | statx_attr::IMMUTABLE | statx_attr::NODUMP;

/// The inode flags the VFS enforces for `fsflags` (`shmem_set_inode_flags`).
fn inode_flags_of(fsflags: u32) -> u32 {
    let mut flags = 0;
    if fsflags & fs_flags::NOATIME != 0 {
        flags |= inode_flags::NOATIME;
    }
    if fsflags & fs_flags::APPEND != 0 {
        flags |= inode_flags::APPEND;
    }
    if fsflags & fs_flags::IMMUTABLE != 0 {
        flags |= inode_flags::IMMUTABLE;
    }
    flags
}

/// Sets `fsflags` and the inode flags that follow from them.
fn apply(inode: &LockedInode<Rshmem>, fsflags: u32) {
    inode.data().set_fsflags(fsflags);
    inode.set_flags(
        inode_flags_of(fsflags),
        inode_flags::NOATIME | inode_flags::APPEND | inode_flags::IMMUTABLE,
    );
}

/// Gives a new inode the flags it inherits from `dir`, its directory (none for the
/// root), as shmem_get_inode does for every kind of inode.
pub fn inherit(inode: &LockedInode<Rshmem>, dir: Option<&Inode<Rshmem>>) {
    let inherited = dir.map_or(0, |d| d.data().fsflags() & INHERITED);
    if inherited != 0 {
        apply(inode, inherited);
    }
}

/// `stat`/`statx`, `chattr`/`lsattr` and extended attributes (`xattr.rs`), as tmpfs
/// answers them.
#[vtable]
impl InodeOperations for Rshmem {
    /// Adds the attributes tmpfs reports, and the birth time when asked for.
    fn getattr(inode: &Inode<Rshmem>, stat: &mut Kstat, request_mask: u32) {
        let fsflags = inode.data().fsflags();
        let mut set = 0;
        if fsflags & fs_flags::APPEND != 0 {
            set |= statx_attr::APPEND;
        }
        if fsflags & fs_flags::IMMUTABLE != 0 {
            set |= statx_attr::IMMUTABLE;
        }
        if fsflags & fs_flags::NODUMP != 0 {
            set |= statx_attr::NODUMP;
        }
        stat.add_attributes(set, STATX_ATTRS);
        // A regular file whose first page would get a PMD-size folio from a write of
        // nothing (`always`; `within_size` once the size covers the first 2 MiB) shows
        // that size as its preferred I/O size, as `shmem_getattr` does.
        if inode.file_type() == FileType::Regular
            && large_order(inode, 0, Want::Write { end: 0 }) != 0
        {
            stat.set_blksize((PAGE_SIZE as u32) << HPAGE_PMD_ORDER);
        }
        if request_mask & STATX_BTIME != 0 {
            stat.set_btime(inode.data().birth_time());
        }
    }

    /// The flags, as `FS_IOC_GETFLAGS` reports them.
    fn fileattr_get(inode: &Inode<Rshmem>) -> u32 {
        inode.data().fsflags() & fs_flags::USER_VISIBLE
    }

    /// Sets the four flags rshmem has; anything else is EOPNOTSUPP and changes nothing,
    /// as on tmpfs. The change takes ctime and the change counter with it.
    fn fileattr_set(_idmap: Idmap, inode: &LockedInode<Rshmem>, attr: &FileAttr) -> Result {
        if attr.has_fsx() || attr.flags() & !MODIFIABLE != 0 {
            return Err(error::EOPNOTSUPP());
        }
        let old = inode.data().fsflags();
        apply(inode, (old & !MODIFIABLE) | (attr.flags() & MODIFIABLE));
        inode.touch_ctime();
        inode.inc_iversion();
        Ok(())
    }

    fn xattr_get(inode: &Inode<Rshmem>, name: &CStr, out: ValueOut<'_>) -> Result<usize> {
        xattr::get(inode, name, out)
    }

    fn xattr_set(inode: &Inode<Rshmem>, name: &CStr, value: Option<&[u8]>, flags: i32) -> Result {
        xattr::set(inode, name, value, flags)
    }

    fn listxattr(inode: &Inode<Rshmem>, list: &mut NameList<'_>) -> Result {
        xattr::list(inode, list)
    }

    fn init_security_xattrs(inode: &Inode<Rshmem>, xattrs: SecurityXattrs<'_>) -> Result {
        xattr::init_security(inode, xattrs)
    }
}
