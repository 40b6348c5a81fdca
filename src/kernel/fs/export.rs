// SPDX-License-Identifier: GPL-2.0

//! `struct export_operations`: file handles (`name_to_handle_at`, `open_by_handle_at`,
//! NFS), as tmpfs makes them (`shmem_export_ops`).
//!
//! A handle is three 32-bit words of type `FILEID_INO32_GEN`: the inode's generation
//! (random, set by [`NewInode::new`](crate::kapi::fs::inode::NewInode::new)) and its
//! inode number, low word first. An inode is hashed under `i_ino + i_generation` the
//! first time a handle names it, and a handle finds it only while it is in memory
//! with the same number and generation: once it is evicted the handle is stale.
//! Handles carry no parent: a filesystem in memory keeps every dentry connected.
//!
//! Locks: `encode_fh` takes a static spinlock of its own, under nothing of the
//! filesystem's, and under it `__insert_inode_hash` takes `inode_hash_lock` and the
//! inode's `i_lock` (the module's order is in `rshmem/fault.rs`).

use crate::kapi::bindings;
use crate::kapi::fs::super_block::{New, SuperBlock};
use crate::kapi::fs::FileSystem;
use kernel::ffi::{c_int, c_ulong, c_void};

/// The length of a handle, in 32-bit words.
const FH_WORDS: c_int = 3;

/// The key an inode is hashed under for handles, as shmem's.
fn hashval(ino: u64, generation: u32) -> c_ulong {
    ino.wrapping_add(u64::from(generation)) as c_ulong
}

/// The inode number a handle names.
fn handle_ino(fh: &[u32; 3]) -> u64 {
    (u64::from(fh[2]) << 32) | u64::from(fh[1])
}

const EXPORT_OPS: bindings::export_operations = {
    // SAFETY: All-zero is a valid `struct export_operations`: no callbacks.
    let mut ops: bindings::export_operations = unsafe { core::mem::zeroed() };
    ops.encode_fh = Some(encode_fh);
    ops.fh_to_dentry = Some(fh_to_dentry);
    ops.get_parent = Some(get_parent);
    ops
};

impl<T: FileSystem> SuperBlock<T, New> {
    /// Lets file handles name the instance's inodes (`s_export_op`), as on tmpfs.
    pub fn enable_file_handles(&self) {
        // SAFETY: The superblock is being set up by `fill_super`, alone, under `s_umount`
        // (the state is `New`); the table is static.
        unsafe { (*self.as_ptr()).s_export_op = &EXPORT_OPS };
    }
}

/// `shmem_encode_fh`.
///
/// # Safety
///
/// Called by exportfs with a referenced inode, a buffer of `*len` words and `len`.
unsafe extern "C" fn encode_fh(
    inode: *mut bindings::inode,
    fh: *mut u32,
    len: *mut c_int,
    _parent: *mut bindings::inode,
) -> c_int {
    // SAFETY: `len` is valid for the call.
    let len = unsafe { &mut *len };
    if *len < FH_WORDS {
        *len = FH_WORDS;
        return bindings::RSHMEM_FILEID_INVALID;
    }
    // SAFETY: The inode is referenced by the caller: its number and generation are
    // fixed from its creation on.
    let (ino, generation) = unsafe { ((*inode).i_ino as u64, (*inode).i_generation) };
    // SAFETY: `inode_unhashed` reads the hash link, which changes only under the lock
    // taken below or at eviction, which the caller's reference excludes. Hashing is
    // done once, under the static lock: `__insert_inode_hash` is not idempotent.
    unsafe {
        if bindings::inode_unhashed(inode) != 0 {
            let lock = bindings::rshmem_export_hash_lock();
            bindings::spin_lock(lock);
            if bindings::inode_unhashed(inode) != 0 {
                bindings::__insert_inode_hash(inode, hashval(ino, generation));
            }
            bindings::spin_unlock(lock);
        }
    }
    // SAFETY: `fh` has room for `*len` >= 3 words.
    let fh = unsafe { &mut *fh.cast::<[u32; 3]>() };
    *fh = [generation, ino as u32, (ino >> 32) as u32];
    *len = FH_WORDS;
    bindings::RSHMEM_FILEID_INO32_GEN
}

/// `shmem_match`: whether `inode` is the one handle `data` names.
///
/// # Safety
///
/// Called by `ilookup5` with a valid inode and the handle of at least three words.
unsafe extern "C" fn matches(inode: *mut bindings::inode, data: *mut c_void) -> c_int {
    // SAFETY: `data` is the handle `fh_to_dentry` passed, of at least three words.
    let fh = unsafe { &*data.cast::<[u32; 3]>() };
    // SAFETY: `inode` is valid; its number and generation are fixed.
    let (ino, generation) = unsafe { ((*inode).i_ino as u64, (*inode).i_generation) };
    c_int::from(ino == handle_ino(fh) && generation == fh[0])
}

/// `shmem_fh_to_dentry`: a dentry of the inode in memory that the handle names, or
/// NULL (stale).
///
/// # Safety
///
/// Called by exportfs with a superblock of this filesystem and a handle of `fh_len`
/// words.
unsafe extern "C" fn fh_to_dentry(
    sb: *mut bindings::super_block,
    fid: *mut bindings::fid,
    fh_len: c_int,
    _fh_type: c_int,
) -> *mut bindings::dentry {
    if fh_len < FH_WORDS {
        return core::ptr::null_mut();
    }
    // SAFETY: A `struct fid` is a union over the raw words of the handle, which has
    // `fh_len` >= 3 of them.
    let fh = unsafe { &*fid.cast::<[u32; 3]>() };
    // SAFETY: `sb` is valid; `matches` reads only the handle, which outlives the call.
    let inode = unsafe {
        bindings::ilookup5(
            sb,
            hashval(handle_ino(fh), fh[0]),
            Some(matches),
            fid.cast(),
        )
    };
    if inode.is_null() {
        return core::ptr::null_mut();
    }
    // SAFETY: `ilookup5` returned the inode with a reference, dropped here once a
    // dentry (which holds its own) is found or not; prefer a hashed alias, as shmem.
    unsafe {
        let mut dentry = bindings::d_find_alias(inode);
        if dentry.is_null() {
            dentry = bindings::d_find_any_alias(inode);
        }
        bindings::iput(inode);
        dentry
    }
}

/// `shmem_get_parent`: never asked for, as every dentry is connected; stale.
///
/// # Safety
///
/// Called by exportfs with a directory's dentry.
unsafe extern "C" fn get_parent(_child: *mut bindings::dentry) -> *mut bindings::dentry {
    // `ERR_PTR(-ESTALE)`.
    (-(bindings::ESTALE as isize)) as *mut bindings::dentry
}
