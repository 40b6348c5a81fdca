// SPDX-License-Identifier: GPL-2.0

//! `struct inode`: creating the inodes of a filesystem.

use crate::bindings;
use crate::cred::{Kgid, Kuid};
use crate::fs_context::FileSystem;
use crate::super_block::SuperBlock;
use kernel::prelude::*;

/// A new inode, not yet visible to anyone, holding one reference.
///
/// # Invariants
///
/// `0` is a valid inode from `new_inode` on which this value holds a reference.
pub struct NewInode(*mut bindings::inode);

impl NewInode {
    /// Allocates an inode of `sb` with a fresh inode number.
    pub fn new<T: FileSystem>(sb: &SuperBlock<T>) -> Result<Self> {
        // SAFETY: `sb` is a valid superblock.
        let inode = unsafe { bindings::new_inode(sb.as_ptr()) };
        if inode.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: The inode is new and only ours.
        unsafe { (*inode).i_ino = bindings::get_next_ino() as _ };
        // INVARIANT: `new_inode` returned a valid inode with one reference.
        Ok(Self(inode))
    }

    /// Sets the mode (type and permissions) and the owner of a directory root, with
    /// every timestamp set to now.
    pub fn init_root_dir(&mut self, perm: u16, uid: Kuid, gid: Kgid) {
        let inode = self.0;
        // SAFETY: The inode is new and only ours; `nop_mnt_idmap` is the identity map.
        unsafe {
            bindings::inode_init_owner(
                &raw mut bindings::nop_mnt_idmap,
                inode,
                core::ptr::null_mut(),
                bindings::S_IFDIR as u16 | perm,
            );
            (*inode).i_uid = uid.into_raw();
            (*inode).i_gid = gid.into_raw();
            bindings::simple_inode_init_ts(inode);
            // "." and the entry in the parent (the root is its own parent).
            bindings::set_nlink(inode, 2);
        }
    }

    /// Gives a directory the libfs operations of an empty, read-only directory.
    pub fn set_simple_dir_ops(&mut self) {
        // SAFETY: The inode is new and only ours; the libfs tables are static.
        unsafe {
            (*self.0).i_op = &raw const bindings::simple_dir_inode_operations;
            (*self.0).__bindgen_anon_3.i_fop = &raw const bindings::simple_dir_operations;
        }
    }

    /// Gives up ownership of the reference, to a function that takes it.
    pub(crate) fn into_raw(self) -> *mut bindings::inode {
        let inode = self.0;
        core::mem::forget(self);
        inode
    }
}

impl Drop for NewInode {
    fn drop(&mut self) {
        // SAFETY: By the type invariant this value holds a reference; the inode is not
        // hashed or linked, so the final `iput` frees it.
        unsafe { bindings::iput(self.0) };
    }
}
