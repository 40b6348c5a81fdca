// SPDX-License-Identifier: GPL-2.0

//! POSIX ACLs kept in the inode's ACL cache (`i_acl`, `i_default_acl`), as tmpfs keeps
//! them: the cache is the only copy, so an inode starts with "no ACL" cached
//! (`cache_no_acl`, in [`NewInode::new`]), a new inode takes its ACLs from its
//! directory's default ACL, `setfacl` stores into the cache, and `chmod` rewrites the
//! access ACL. 6.12 does not export libfs's `simple_set_acl` and `simple_acl_create`,
//! so their few lines are here, over the exported `posix_acl_*` and `set_cached_acl`.
//!
//! All of it needs a kernel with CONFIG_FS_POSIX_ACL; without, an instance has no
//! ACLs, and the umask applies as on any filesystem without them.
//!
//! An instance has ACLs when its superblock has `SB_POSIXACL`
//! ([`crate::kapi::fs::super_block::SuperBlock::enable_posix_acl`]). Then the VFS does
//! not apply the umask to a new inode's mode: [`NewInode::acl_create`] does, unless the
//! directory has a default ACL.

use crate::kapi::bindings;
use crate::kapi::fs::attr::Idmap;
use crate::kapi::fs::dentry::Dentry;
use crate::kapi::fs::inode::{Inode, NewInode};
use crate::kapi::fs::super_block::{New, SuperBlock};
use crate::kapi::fs::FileSystem;
use core::ffi::c_int;
use kernel::prelude::*;

impl<T: FileSystem> SuperBlock<T, New> {
    /// Turns POSIX ACLs on for the instance (`SB_POSIXACL`); `T::POSIX_ACL` gives its
    /// inodes `set_acl`.
    pub fn enable_posix_acl(&self) {
        // Without CONFIG_FS_POSIX_ACL the VFS would skip the umask and find no ACL.
        #[cfg(CONFIG_FS_POSIX_ACL)]
        // SAFETY: The superblock is being set up by `fill_super`, alone, under `s_umount`
        // (the state is `New`).
        unsafe {
            (*self.as_ptr()).s_flags |= bindings::RSHMEM_SB_POSIXACL
        };
    }
}

impl<T: FileSystem> NewInode<T> {
    /// Gives a new inode (not a symlink) in `dir` its ACLs and its final mode from
    /// `dir`'s default ACL, or applies the umask if there is none (`posix_acl_create`).
    #[cfg(CONFIG_FS_POSIX_ACL)]
    pub fn acl_create(&mut self, dir: &Inode<T>) -> Result {
        let inode = self.inode().as_ptr();
        let mut default_acl: *mut bindings::posix_acl = core::ptr::null_mut();
        let mut acl: *mut bindings::posix_acl = core::ptr::null_mut();
        // SAFETY: The inode is new and only ours, so its mode may be written; `dir` is
        // valid and its cached default ACL is read under the function's own rules.
        kernel::error::to_result(unsafe {
            bindings::posix_acl_create(
                dir.as_ptr(),
                &raw mut (*inode).i_mode,
                &mut default_acl,
                &mut acl,
            )
        })?;
        // SAFETY: Each ACL is null or one `posix_acl_create` returned a reference to;
        // `set_cached_acl` takes a reference of its own, and ours is dropped after.
        unsafe {
            bindings::set_cached_acl(inode, bindings::ACL_TYPE_DEFAULT as c_int, default_acl);
            bindings::set_cached_acl(inode, bindings::ACL_TYPE_ACCESS as c_int, acl);
            bindings::posix_acl_release(default_acl);
            bindings::posix_acl_release(acl);
        }
        Ok(())
    }

    /// Without CONFIG_FS_POSIX_ACL, nothing: the VFS applied the umask.
    #[cfg(not(CONFIG_FS_POSIX_ACL))]
    pub fn acl_create(&mut self, _dir: &Inode<T>) -> Result {
        Ok(())
    }
}

impl<T: FileSystem> Dentry<T> {
    /// After a `chmod` of the dentry's inode to `mode`, rewrites its access ACL to match
    /// (`posix_acl_chmod`); nothing if it has none or the instance has no ACLs.
    pub fn acl_chmod(&self, idmap: Idmap, mode: u16) -> Result {
        // SAFETY: The dentry is positive and valid, its inode's `i_rwsem` held by the
        // caller (`setattr`), as `posix_acl_chmod` requires; `idmap` is valid.
        kernel::error::to_result(unsafe {
            bindings::posix_acl_chmod(idmap.as_ptr(), self.as_ptr(), mode)
        })
    }
}

/// The `set_acl` of regular files, directories and special files, where the kernel
/// has ACLs.
#[cfg(CONFIG_FS_POSIX_ACL)]
pub(crate) const SET_ACL: SetAcl = Some(set_acl);
/// The same, without CONFIG_FS_POSIX_ACL: none.
#[cfg(not(CONFIG_FS_POSIX_ACL))]
pub(crate) const SET_ACL: SetAcl = None;

type SetAcl = Option<
    unsafe extern "C" fn(
        *mut bindings::mnt_idmap,
        *mut bindings::dentry,
        *mut bindings::posix_acl,
        c_int,
    ) -> c_int,
>;

/// `set_acl` of regular files, directories and special files: `setfacl` and the
/// `system.posix_acl_*` xattrs, as libfs's `simple_set_acl` does it. An access ACL
/// that the mode can say alone is dropped and folded into the mode
/// (`posix_acl_update_mode`, which also clears the setgid bit as `chmod` would).
///
/// # Safety
///
/// Called by `vfs_set_acl`, `vfs_remove_acl` or `posix_acl_chmod` with a positive dentry
/// whose inode's `i_rwsem` is held, and an ACL (or null, to remove it) that the caller
/// keeps its own reference to.
#[cfg(CONFIG_FS_POSIX_ACL)]
unsafe extern "C" fn set_acl(
    idmap: *mut bindings::mnt_idmap,
    dentry: *mut bindings::dentry,
    acl: *mut bindings::posix_acl,
    kind: c_int,
) -> c_int {
    // SAFETY: The dentry is positive and pinned for the call.
    let inode = unsafe { (*dentry).d_inode };
    let mut acl = acl;
    if kind == bindings::ACL_TYPE_ACCESS as c_int {
        // SAFETY: The inode's `i_rwsem` is held, which serialises its mode.
        let err = unsafe {
            bindings::posix_acl_update_mode(idmap, inode, &raw mut (*inode).i_mode, &mut acl)
        };
        if err != 0 {
            return err;
        }
    }
    // SAFETY: As above; `set_cached_acl` takes a reference of its own to `acl`.
    unsafe {
        bindings::inode_set_ctime_current(inode);
        bindings::inode_inc_iversion(inode);
        bindings::set_cached_acl(inode, kind, acl);
    }
    0
}
