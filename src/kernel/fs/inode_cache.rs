// SPDX-License-Identifier: GPL-2.0

//! The slab cache of a filesystem's inodes: each object is a `struct inode` followed by
//! a directory's offset map and the filesystem's own per-inode data, as
//! `shmem_inode_info` embeds `vfs_inode` and `dir_offsets`.

use crate::kapi::bindings;
use crate::kapi::fs::dir_offsets::DirOffsets;
use crate::kapi::fs::FileSystem;
use core::ffi::c_void;
use core::ptr::NonNull;
use kernel::init::PinInit;
use kernel::prelude::*;
use kernel::types::Opaque;

/// An inode of filesystem `T`: the VFS inode, the offset map it has if it is a
/// directory (every inode has one, empty unless it is a directory's, as in
/// `shmem_inode_info`), then `T`'s data.
///
/// # Invariants
///
/// `offsets` is initialised from `alloc_inode` until `destroy_inode`, and `data` from
/// `alloc_inode` until `free_inode`; both are pinned.
#[repr(C)]
pub struct FsInode<T: FileSystem> {
    vfs: Opaque<bindings::inode>,
    offsets: DirOffsets,
    data: core::mem::MaybeUninit<T::InodeData>,
}

impl<T: FileSystem> FsInode<T> {
    /// The filesystem's data of the inode at `inode`.
    ///
    /// # Safety
    ///
    /// `inode` is a live inode of a superblock of type `T` and outlives `'a`.
    pub(crate) unsafe fn data<'a>(inode: *mut bindings::inode) -> &'a T::InodeData {
        // SAFETY: Inodes of `T` are allocated by `alloc_inode::<T>` as the `vfs` field
        // (at offset 0, `repr(C)`) of an `FsInode<T>`, whose `data` is initialised.
        unsafe { (*inode.cast::<Self>()).data.assume_init_ref() }
    }

    /// The offset map of the inode at `inode`.
    ///
    /// # Safety
    ///
    /// `inode` is a live inode of a superblock of type `T` and outlives `'a`.
    pub(crate) unsafe fn offsets<'a>(inode: *mut bindings::inode) -> &'a DirOffsets {
        // SAFETY: As in `data`: the inode is the `vfs` field of an `FsInode<T>`, whose map
        // is initialised until the inode is destroyed, after its last use.
        unsafe { &(*inode.cast::<Self>()).offsets }
    }
}

/// The inode cache of a filesystem type, created by its registration.
///
/// # Invariants
///
/// `0` is a valid cache of `FsInode<T>` objects, destroyed only by `drop`.
pub struct InodeCache(NonNull<bindings::kmem_cache>);

// SAFETY: A `kmem_cache` may be used from any thread.
unsafe impl Send for InodeCache {}
// SAFETY: As above; all its operations are thread-safe.
unsafe impl Sync for InodeCache {}

impl InodeCache {
    /// Creates the cache named `name` (as /proc/slabinfo shows it) for `T`'s inodes.
    pub fn new<T: FileSystem>(name: &'static CStr) -> Result<Self> {
        // SAFETY: All-zero is a valid `struct kmem_cache_args`.
        let mut args: bindings::kmem_cache_args = unsafe { core::mem::zeroed() };
        args.ctor = Some(init_once);
        let size = u32::try_from(core::mem::size_of::<FsInode<T>>()).map_err(|_| EINVAL)?;
        // SAFETY: `name` is static, `args` is valid for the call; the constructor
        // initialises objects that are `FsInode<T>`, whose `struct inode` is first.
        let cache = unsafe {
            bindings::__kmem_cache_create_args(
                name.as_char_ptr(),
                size,
                &mut args,
                bindings::RSHMEM_INODE_CACHE_FLAGS,
            )
        };
        // INVARIANT: A non-null return is a valid cache.
        NonNull::new(cache).map(Self).ok_or(ENOMEM)
    }

    pub(crate) fn as_ptr(&self) -> *mut bindings::kmem_cache {
        self.0.as_ptr()
    }
}

impl Drop for InodeCache {
    fn drop(&mut self) {
        // SAFETY: Inodes are freed after an RCU grace period (`free_inode`); wait for
        // those callbacks, then no object of the cache is in use and it can go.
        unsafe {
            bindings::rcu_barrier();
            bindings::kmem_cache_destroy(self.0.as_ptr());
        }
    }
}

/// The slab constructor: what `inode_init_once` sets up survives free and reuse.
///
/// # Safety
///
/// Called by the slab allocator on a new object of an inode cache.
unsafe extern "C" fn init_once(obj: *mut c_void) {
    // SAFETY: Objects of the cache start with a `struct inode`.
    unsafe { bindings::inode_init_once(obj.cast()) };
}

/// `super_operations::alloc_inode`.
///
/// # Safety
///
/// Called by the VFS for a superblock of type `T` whose type was registered with a
/// cache (see [`crate::kapi::fs::fs_type::Registration`]).
pub(crate) unsafe extern "C" fn alloc_inode<T: FileSystem>(
    sb: *mut bindings::super_block,
) -> *mut bindings::inode {
    // SAFETY: `s_type` is the registered `FileSystemType`, which owns the cache.
    let cache = unsafe { crate::kapi::fs::fs_type::FileSystemType::inode_cache_of(sb) };
    // SAFETY: `cache` holds `FsInode<T>` objects; the lru is the superblock's own.
    let obj = unsafe {
        bindings::kmem_cache_alloc_lru_noprof(
            cache,
            &raw mut (*sb).s_inode_lru,
            bindings::RSHMEM_GFP_KERNEL,
        )
    }
    .cast::<FsInode<T>>();
    if obj.is_null() {
        return core::ptr::null_mut();
    }
    // INVARIANT: The map is initialised here and destroyed in `destroy_inode`; `data` is
    // initialised here and dropped in `free_inode`.
    // SAFETY: `obj` is a new object of the cache, ours until returned; the map and `data`
    // are initialised in place and never move (slab objects do not move).
    let init = unsafe {
        DirOffsets::init(&raw mut (*obj).offsets);
        T::init_inode_data().__pinned_init((*obj).data.as_mut_ptr())
    };
    if init.is_err() {
        // SAFETY: The object is still only ours; it goes back uninitialised (an empty map
        // owns no memory).
        unsafe { bindings::kmem_cache_free(cache, obj.cast()) };
        return core::ptr::null_mut();
    }
    obj.cast()
}

/// `super_operations::destroy_inode`: frees the offset map's nodes. Here rather than in
/// `free_inode`, which runs from an RCU callback: the map's lock is not taken with
/// softirqs off anywhere else.
///
/// # Safety
///
/// Called by the VFS, once, for an inode `alloc_inode::<T>` returned, as it goes.
pub(crate) unsafe extern "C" fn destroy_inode<T: FileSystem>(inode: *mut bindings::inode) {
    let obj = inode.cast::<FsInode<T>>();
    // SAFETY: The inode is being destroyed: no one uses it or its map any more; the map
    // was initialised by `alloc_inode`, and is destroyed once, here.
    unsafe { DirOffsets::destroy(&raw mut (*obj).offsets) };
}

/// `super_operations::free_inode`, run after an RCU grace period.
///
/// # Safety
///
/// Called by the VFS, once, for an inode `alloc_inode::<T>` returned.
pub(crate) unsafe extern "C" fn free_inode<T: FileSystem>(inode: *mut bindings::inode) {
    let obj = inode.cast::<FsInode<T>>();
    // The superblock may be gone already: umount's __put_super() frees it through
    // call_rcu() too, and on another CPU its callback can run before this one. So
    // nothing here may follow `i_sb` (KASAN caught this, with 2 CPUs, through the
    // inode cache pointer that `alloc_inode` finds there). kfree() takes objects from
    // kmem_cache_alloc() and finds their cache itself.
    //
    // SAFETY: The inode is dead and unreachable; its data was initialised by
    // `alloc_inode` and is dropped once, here. It goes back to the cache it came from.
    unsafe {
        (*obj).data.assume_init_drop();
        // A symlink's target (`NewInode::init_kind`), freed after the grace period that
        // RCU path walks reading it need.
        if (*inode).i_mode & bindings::S_IFMT as u16 == bindings::S_IFLNK as u16 {
            bindings::kfree((*inode).__bindgen_anon_4.i_link.cast());
        }
        bindings::kfree(obj.cast());
    }
}
