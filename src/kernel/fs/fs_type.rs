// SPDX-License-Identifier: GPL-2.0

//! `struct file_system_type` and its registration with the VFS.

use crate::kapi::bindings;
use crate::kapi::fs::fs_context;
use crate::kapi::fs::fs_parser::ParamTable;
use crate::kapi::fs::inode_cache::InodeCache;
use crate::kapi::fs::super_block;
use crate::kapi::fs::{FileSystem, Operations};
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::error::to_result;
use kernel::prelude::*;
use kernel::types::Opaque;

/// `FS_USERNS_MOUNT`: the type may be mounted in a user namespace.
pub const FS_USERNS_MOUNT: core::ffi::c_int = bindings::FS_USERNS_MOUNT as core::ffi::c_int;

/// A filesystem type, as the VFS sees it, and the cache its inodes come from.
///
/// # Invariants
///
/// Values of this type live in static storage: lockdep requires that of the lock class
/// keys embedded in `struct file_system_type`, and the VFS links registered types into a
/// global list. `raw` is written only before it is registered. While it is registered,
/// `inode_cache` is the valid cache of its [`Registration`].
#[repr(C)]
pub struct FileSystemType {
    raw: Opaque<bindings::file_system_type>,
    inode_cache: AtomicPtr<bindings::kmem_cache>,
}

// SAFETY: After registration only the VFS writes the struct, under `file_systems_lock`
// and `sb_lock`; before it, `Registration::new` writes it once, with no other user.
unsafe impl Sync for FileSystemType {}

impl FileSystemType {
    /// A filesystem type whose callbacks are `T`'s and whose mount parameters are `params`.
    pub const fn new<T: Operations, const N: usize>(params: &'static ParamTable<N>) -> Self {
        // SAFETY: `struct file_system_type` is valid all-zero: null pointers, no flags.
        let mut t: bindings::file_system_type = unsafe { core::mem::zeroed() };
        t.name = T::NAME.as_char_ptr();
        t.fs_flags = T::FS_FLAGS;
        t.init_fs_context = Some(fs_context::init_fs_context::<T>);
        t.parameters = params.as_ptr();
        t.kill_sb = Some(super_block::kill_sb::<T>);
        Self {
            raw: Opaque::new(t),
            inode_cache: AtomicPtr::new(core::ptr::null_mut()),
        }
    }

    /// The inode cache of the type of superblock `sb`.
    ///
    /// # Safety
    ///
    /// `sb` is a live superblock whose type is a registered `FileSystemType`.
    pub(crate) unsafe fn inode_cache_of(
        sb: *mut bindings::super_block,
    ) -> *mut bindings::kmem_cache {
        // SAFETY: `s_type` points to the `raw` field, at offset 0 of `repr(C)`
        // `FileSystemType`; the type is registered, so (invariant) its cache is valid.
        unsafe {
            let fs = (*sb).s_type.cast::<FileSystemType>();
            (*fs).inode_cache.load(Ordering::Acquire)
        }
    }
}

/// Keeps a [`FileSystemType`] registered, with its inode cache; unregisters it when
/// dropped, then destroys the cache.
pub struct Registration {
    fs: &'static FileSystemType,
    _inode_cache: InodeCache,
}

impl Registration {
    /// Registers `fs`, owned by `module`: a mounted instance holds a reference on
    /// the module, so the module cannot be unloaded while it is mounted.
    pub fn new<T: FileSystem>(
        fs: &'static FileSystemType,
        module: &'static ThisModule,
    ) -> Result<Self> {
        let inode_cache = InodeCache::new::<T>(T::INODE_CACHE_NAME)?;
        fs.inode_cache
            .store(inode_cache.as_ptr(), Ordering::Release);
        // SAFETY: `fs` is not registered yet (`Registration` is its only registrar and is
        // created once, at module init), so nothing else reads or writes it now.
        unsafe { (*fs.raw.get()).owner = module.as_ptr().cast() };
        // SAFETY: `fs` is fully initialised and, by the type invariant, static.
        // INVARIANT: Its cache is set, and outlives the registration (field order and
        // `drop`).
        to_result(unsafe { bindings::register_filesystem(fs.raw.get()) })?;
        Ok(Self {
            fs,
            _inode_cache: inode_cache,
        })
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: `self.fs` was registered by `Registration::new`. The module cannot be
        // unloaded while a superblock of this type exists, so no superblock remains.
        unsafe { bindings::unregister_filesystem(self.fs.raw.get()) };
        // `_inode_cache` is dropped after this: no inode of the type is left.
    }
}
