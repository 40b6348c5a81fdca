// SPDX-License-Identifier: GPL-2.0

//! `struct super_block`: one mounted instance of a filesystem.

use crate::kapi::bindings;
use crate::kapi::fs::attr::StatFs;
use crate::kapi::fs::fs_context::to_errno;
use crate::kapi::fs::inode::{Inode, NewInode};
use crate::kapi::fs::inode_cache;
use crate::kapi::fs::{FileSystem, Operations};
use crate::kapi::seq_file::SeqFile;
use core::ffi::c_int;
use core::marker::PhantomData;
use kernel::error::VTABLE_DEFAULT_ERROR;
use kernel::prelude::*;
use kernel::types::Opaque;

/// The state of a superblock that `fill_super` is setting up: alone, under `s_umount`,
/// invisible to everyone else. Only in this state may its fixed parameters and root
/// be set.
pub struct New;

/// The state of a superblock that is set up and may be in use by anyone.
pub struct Ready;

/// A superblock of filesystem `T`, in state `S` ([`New`] or [`Ready`]).
///
/// # Invariants
///
/// `s_fs_info` points to a `T::Info` that lives until `kill_sb`: superblocks are handed
/// out only from the moment `fill_super` has set it. A `SuperBlock<T, New>` is only
/// made by the `fill_super` trampoline, for the superblock it sets up.
#[repr(transparent)]
pub struct SuperBlock<T: FileSystem, S = Ready>(Opaque<bindings::super_block>, PhantomData<(T, S)>);

impl<T: FileSystem> core::ops::Deref for SuperBlock<T, New> {
    type Target = SuperBlock<T>;

    /// What any superblock offers (its info, creating inodes) a new one offers too.
    fn deref(&self) -> &SuperBlock<T> {
        // SAFETY: The same superblock; `SuperBlock` is `repr(transparent)` whatever its
        // state, and everything `Ready` allows is valid during `fill_super`.
        unsafe { SuperBlock::from_raw(self.0.get()) }
    }
}

/// The fixed parameters of a superblock.
pub struct SuperParams {
    /// `s_magic`, as statfs reports it.
    pub magic: kernel::ffi::c_ulong,
    /// The largest file size, `s_maxbytes`.
    pub maxbytes: i64,
    /// log2 of the block size.
    pub blocksize_bits: u8,
    /// Timestamp granularity in nanoseconds.
    pub time_gran: u32,
    /// Whether a write may skip looking for set-id bits and security capabilities to
    /// drop once an inode is known to have none (`SB_NOSEC`, as tmpfs sets it: the VFS
    /// then keeps `S_NOSEC` per inode and clears it when the mode changes).
    pub nosec: bool,
    /// Whether the VFS counts changes in `i_version` (`SB_I_VERSION`), for NFS and
    /// overlayfs, as on tmpfs.
    pub i_version: bool,
}

impl<T: FileSystem> SuperBlock<T> {
    /// # Safety
    ///
    /// `ptr` is a valid superblock of type `T` that outlives `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::super_block) -> &'a Self {
        // SAFETY: `SuperBlock` is `repr(transparent)`; validity is the caller's promise.
        unsafe { &*ptr.cast() }
    }

    /// The raw superblock, for the wrappers of objects that belong to it.
    pub(crate) fn as_ptr(&self) -> *mut bindings::super_block {
        self.0.get()
    }

    /// The minor number of the instance's anonymous device (`MINOR(sb->s_dev)`), as
    /// kernel messages name an instance.
    pub fn dev_minor(&self) -> u32 {
        // SAFETY: `s_dev` is set before `fill_super` and does not change.
        let dev = unsafe { (*self.0.get()).s_dev };
        dev & ((1 << bindings::MINORBITS) - 1)
    }

    /// Calls `f` on each inode of the instance that is neither being set up nor being
    /// freed, oldest first, holding a reference on it for the call, until `f` returns
    /// `false`: the walk of `drop_pagecache_sb`. `f` may sleep, and may take any lock an
    /// inode's reference holder may (no list lock is held while it runs); an inode
    /// created during the walk may be missed. Each reference is dropped after the next
    /// inode is found, which may evict an inode unlinked meanwhile, so the caller must
    /// not hold a lock eviction takes (a folio lock, this instance's locks) across the
    /// call.
    pub fn for_each_inode(&self, mut f: impl FnMut(&Inode<T>) -> bool) {
        let mut prev: *mut bindings::inode = core::ptr::null_mut();
        loop {
            // SAFETY: The superblock is valid (it outlives `self`); `prev` is null or an
            // inode of it on which we hold the reference the last call took.
            let next = unsafe { bindings::rshmem_sb_next_inode(self.as_ptr(), prev) };
            if !prev.is_null() {
                // SAFETY: We hold a reference on `prev`, no longer needed to find `next`.
                unsafe { bindings::iput(prev) };
            }
            if next.is_null() {
                return;
            }
            prev = next;
            // SAFETY: `next` is an inode of this superblock, of type `T` (all of its
            // inodes come from `T`'s inode cache), and our reference keeps it alive for
            // the call, which cannot keep the borrow past it.
            let inode = unsafe { Inode::<T>::from_raw(next) };
            if !f(inode) {
                // SAFETY: Ours, taken by `rshmem_sb_next_inode`, and not used after.
                unsafe { bindings::iput(prev) };
                return;
            }
        }
    }

    /// The instance's state.
    pub fn info(&self) -> &T::Info {
        // SAFETY: By the type invariant, `s_fs_info` is a live `T::Info`: superblocks are
        // handed out only from `fill_super` on.
        unsafe { &*(*self.0.get()).s_fs_info.cast::<T::Info>() }
    }
}

impl<T: FileSystem> SuperBlock<T, New> {
    /// Sets the fixed parameters; `fill_super` does this first.
    pub fn set_params(&self, p: &SuperParams) {
        let sb = self.0.get();
        // SAFETY: The superblock is being set up by `fill_super`, alone, under `s_umount`
        // (type invariant: the state is `New`).
        unsafe {
            (*sb).s_magic = p.magic;
            (*sb).s_maxbytes = p.maxbytes;
            (*sb).s_blocksize_bits = p.blocksize_bits;
            (*sb).s_blocksize = 1 << p.blocksize_bits;
            (*sb).s_time_gran = p.time_gran;
            if p.nosec {
                (*sb).s_flags |= bindings::RSHMEM_SB_NOSEC;
            }
            if p.i_version {
                (*sb).s_flags |= bindings::RSHMEM_SB_I_VERSION;
            }
        }
    }

    /// Gives the instance a random uuid (`s_uuid`), as tmpfs does: overlayfs keys
    /// its layers by it, and `statfs` derives `f_fsid` from it.
    pub fn set_random_uuid(&self) {
        let mut uuid = bindings::uuid_t::default();
        // SAFETY: `uuid` is ours; the superblock is being set up by `fill_super`, alone,
        // under `s_umount` (the state is `New`), and the length is the uuid's.
        unsafe {
            bindings::uuid_gen(&mut uuid);
            bindings::super_set_uuid(self.as_ptr(), uuid.b.as_ptr(), uuid.b.len() as u32);
        }
    }

    /// Makes `inode` the root directory; `fill_super` does this last.
    pub fn set_root(&self, inode: NewInode<T>) -> Result {
        // SAFETY: `d_make_root` takes over the reference `inode` holds (and drops it on
        // failure); the superblock is being set up by `fill_super`, alone (type
        // invariant).
        unsafe {
            let root = bindings::d_make_root(inode.into_raw());
            if root.is_null() {
                return Err(ENOMEM);
            }
            (*self.0.get()).s_root = root;
        }
        Ok(())
    }
}

/// The `super_operations` of a filesystem. Inodes come from the filesystem type's own
/// cache (`inode_cache.rs`) and are dropped with their last reference
/// (`generic_delete_inode`).
#[vtable]
pub trait SuperOperations: FileSystem {
    /// Fills in `statfs`.
    fn statfs(_sb: &SuperBlock<Self>, _buf: &mut StatFs) {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// Writes the instance's options, as /proc/mounts shows them, into `seq`.
    fn show_options(_sb: &SuperBlock<Self>, _seq: &mut SeqFile) -> core::fmt::Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// Releases what an inode holds, as its last reference goes.
    fn evict_inode(_inode: &Inode<Self>) {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
}

struct Tables<T>(PhantomData<T>);

impl<T: SuperOperations> Tables<T> {
    const SUPER_OPS: bindings::super_operations = {
        // SAFETY: All-zero is a valid `struct super_operations`: no callbacks.
        let mut ops: bindings::super_operations = unsafe { core::mem::zeroed() };
        ops.alloc_inode = Some(inode_cache::alloc_inode::<T>);
        ops.destroy_inode = Some(inode_cache::destroy_inode::<T>);
        ops.free_inode = Some(inode_cache::free_inode::<T>);
        ops.statfs = if T::HAS_STATFS {
            Some(statfs::<T>)
        } else {
            Some(bindings::simple_statfs)
        };
        ops.drop_inode = Some(bindings::generic_delete_inode);
        ops.evict_inode = if T::HAS_EVICT_INODE {
            Some(evict_inode::<T>)
        } else {
            None
        };
        ops.show_options = if T::HAS_SHOW_OPTIONS {
            Some(show_options::<T>)
        } else {
            None
        };
        ops
    };
}

/// `fill_super` for `get_tree_nodev`.
///
/// # Safety
///
/// Called by the VFS with a new superblock and the context `init_fs_context` set up.
pub(crate) unsafe extern "C" fn fill_super<T: Operations>(
    sb: *mut bindings::super_block,
    fc: *mut bindings::fs_context,
) -> c_int {
    // SAFETY: `fs_private` is the `T::Options` that `init_fs_context` put there.
    let opts = unsafe { &*(*fc).fs_private.cast::<T::Options>() };
    let info = match KBox::pin_init(T::new_info(opts), GFP_KERNEL) {
        Ok(info) => info,
        Err(e) => return e.to_errno(),
    };
    // SAFETY: The info stays where it is until `kill_sb` rebuilds the box from the raw
    // pointer and drops it in place: it is never moved.
    let info = unsafe { Pin::into_inner_unchecked(info) };
    // SAFETY: The superblock is new and ours to set up. If this returns an error, the
    // VFS still calls `kill_sb`, which frees `s_fs_info`.
    // INVARIANT: `s_fs_info` is a live `T::Info` from here until `kill_sb`.
    unsafe {
        (*sb).s_fs_info = KBox::into_raw(info).cast();
        (*sb).s_op = const { &Tables::<T>::SUPER_OPS };
    }
    // SAFETY: `sb` is valid and now has its info; it is new, and ours alone.
    // INVARIANT: The one `SuperBlock<T, New>`, made for the superblock set up here.
    let new = unsafe { &*sb.cast::<SuperBlock<T, New>>() };
    to_errno(T::fill_super(new, opts))
}

/// `file_system_type::kill_sb`.
///
/// # Safety
///
/// Called by the VFS, once, when the last reference to the superblock goes.
pub(crate) unsafe extern "C" fn kill_sb<T: FileSystem>(sb: *mut bindings::super_block) {
    // SAFETY: `sb` is valid until `kill_litter_super` returns.
    let info = unsafe { (*sb).s_fs_info.cast::<T::Info>() };
    // SAFETY: Drops the dentries this filesystem pins and evicts every inode; `info` is
    // still there for eviction to use.
    unsafe { bindings::kill_litter_super(sb) };
    if !info.is_null() {
        // SAFETY: `fill_super` leaked this (pinned) box; nothing refers to it any more, and
        // it is dropped where it is.
        drop(unsafe { KBox::from_raw(info) });
    }
}

/// # Safety
///
/// Called by the VFS with a sequence file and the root of a mounted instance.
unsafe extern "C" fn show_options<T: SuperOperations>(
    seq: *mut bindings::seq_file,
    root: *mut bindings::dentry,
) -> c_int {
    // SAFETY: `root` is pinned by the mount being shown, and it pins its superblock.
    let sb = unsafe { SuperBlock::<T>::from_raw((*root).d_sb) };
    // SAFETY: `seq` is valid for the call.
    let seq = unsafe { SeqFile::from_raw(seq) };
    // An overflowing buffer is not an error: seq_file retries with a larger one.
    let _ = T::show_options(sb, seq);
    0
}

/// # Safety
///
/// Called by the VFS with a dentry of a mounted instance and a buffer to fill.
unsafe extern "C" fn statfs<T: SuperOperations>(
    dentry: *mut bindings::dentry,
    buf: *mut bindings::kstatfs,
) -> c_int {
    // SAFETY: The dentry pins its superblock; the buffer is ours for the call.
    unsafe { T::statfs(SuperBlock::from_raw((*dentry).d_sb), StatFs::from_raw(buf)) };
    0
}

/// # Safety
///
/// Called by the VFS, once, when the last reference to an inode of `T` goes.
unsafe extern "C" fn evict_inode<T: SuperOperations>(inode: *mut bindings::inode) {
    // SAFETY: The inode is valid and being evicted; no one else uses it.
    T::evict_inode(unsafe { Inode::from_raw(inode) });
    // SAFETY: As above; `clear_inode` ends the eviction, as `evict_inode` must.
    unsafe { bindings::clear_inode(inode) };
}
