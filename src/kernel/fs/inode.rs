// SPDX-License-Identifier: GPL-2.0

//! `struct inode`: creating inodes and reading and updating their attributes.

use crate::kapi::bindings;
use crate::kapi::cred::{Kgid, Kuid};
use crate::kapi::fs::attr::{Idmap, Timespec};
use crate::kapi::fs::inode_cache::FsInode;
use crate::kapi::fs::super_block::SuperBlock;
use crate::kapi::fs::{FileSystem, Operations};
use crate::kapi::mm::mapping::Mapping;
use crate::kapi::mm::PAGE_SHIFT;
use crate::kapi::sync::spinlock::RawSpinLock;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::prelude::*;
use kernel::types::{AlwaysRefCounted, Opaque};

/// Whether `ino_t` (an `unsigned long`) holds 64-bit inode numbers: on 64-bit kernels.
pub const INO_64BIT: bool = core::mem::size_of::<kernel::ffi::c_ulong>() >= 8;

/// The type of an inode, from its mode.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// A regular file.
    Regular,
    /// A directory.
    Directory,
    /// A symbolic link.
    Symlink,
    /// A device, fifo or socket.
    Special,
}

/// The inode flags (`i_flags`) that the VFS enforces: `S_*`.
pub mod inode_flags {
    use crate::kapi::bindings;

    /// `S_NOATIME`: reads do not update the access time.
    pub const NOATIME: u32 = bindings::S_NOATIME;
    /// `S_APPEND`: only appending writes; no truncation, punching, unlinking, linking.
    pub const APPEND: u32 = bindings::S_APPEND;
    /// `S_IMMUTABLE`: no change at all.
    pub const IMMUTABLE: u32 = bindings::S_IMMUTABLE;
}

/// The type bits of a mode (`S_IF*`).
pub mod mode {
    use crate::kapi::bindings;

    /// `S_IFMT`: the mask of the type bits.
    pub const S_IFMT: u16 = bindings::S_IFMT as u16;
    /// `S_IFREG`: a regular file.
    pub const S_IFREG: u16 = bindings::S_IFREG as u16;
    /// `S_IFDIR`: a directory.
    pub const S_IFDIR: u16 = bindings::S_IFDIR as u16;
    /// `S_IFLNK`: a symbolic link.
    pub const S_IFLNK: u16 = bindings::S_IFLNK as u16;
}

impl FileType {
    /// The type that mode `mode` names.
    pub fn of(mode: u16) -> Self {
        match mode & mode::S_IFMT {
            mode::S_IFREG => Self::Regular,
            mode::S_IFDIR => Self::Directory,
            mode::S_IFLNK => Self::Symlink,
            _ => Self::Special,
        }
    }
}

/// An inode of filesystem `T`.
#[repr(transparent)]
pub struct Inode<T: FileSystem>(Opaque<bindings::inode>, PhantomData<T>);

// SAFETY: The reference count is `ihold`/`iput`'s; the inode is evicted and freed only
// when its last reference goes.
unsafe impl<T: FileSystem> AlwaysRefCounted for Inode<T> {
    fn inc_ref(&self) {
        // SAFETY: The inode is valid and referenced by the caller.
        unsafe { bindings::ihold(self.as_ptr()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller gives up a reference it holds.
        unsafe { bindings::iput(obj.as_ptr().cast()) };
    }
}

impl<T: FileSystem> Inode<T> {
    /// # Safety
    ///
    /// `ptr` is a valid inode of a superblock of type `T` that outlives `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::inode) -> &'a Self {
        // SAFETY: `Inode` is `repr(transparent)`; validity is the caller's promise.
        unsafe { &*ptr.cast() }
    }

    pub(crate) fn as_ptr(&self) -> *mut bindings::inode {
        self.0.get()
    }

    /// The filesystem's own data of the inode.
    pub fn data(&self) -> &T::InodeData {
        // SAFETY: Inodes of `T` come from `T`'s inode cache (type invariant of `from_raw`).
        unsafe { FsInode::<T>::data(self.as_ptr()) }
    }

    /// The superblock the inode belongs to.
    pub fn super_block(&self) -> &SuperBlock<T> {
        // SAFETY: `i_sb` is set for the inode's lifetime, and the superblock outlives it.
        unsafe { SuperBlock::from_raw((*self.as_ptr()).i_sb) }
    }

    /// The inode's page cache.
    pub fn mapping(&self) -> &Mapping {
        // SAFETY: `i_mapping` is set for the inode's lifetime.
        unsafe { Mapping::from_raw((*self.as_ptr()).i_mapping) }
    }

    /// The mode: type and permission bits.
    pub fn mode(&self) -> u16 {
        // SAFETY: Reading the mode of a valid inode; it changes only under `i_rwsem`.
        unsafe { (*self.as_ptr()).i_mode }
    }

    /// The type of the inode.
    pub fn file_type(&self) -> FileType {
        FileType::of(self.mode())
    }

    /// The file size, `i_size_read`.
    pub fn size(&self) -> i64 {
        // On 64-bit, `i_size_read` is `smp_load_acquire(&inode->i_size)`, pairing with
        // `i_size_write`'s `smp_store_release`: the same acquire load, written out here so
        // that every fault and read does not call the out-of-line wrapper.
        #[cfg(CONFIG_64BIT)]
        {
            // SAFETY: The inode is valid, so `i_size` is a live, aligned `loff_t`. Its
            // writers store it with `smp_store_release` and lockless readers load it with
            // `smp_load_acquire`: marked accesses, as an atomic load is.
            let size = unsafe {
                core::sync::atomic::AtomicI64::from_ptr(core::ptr::addr_of_mut!(
                    (*self.as_ptr()).i_size
                ))
            };
            size.load(core::sync::atomic::Ordering::Acquire)
        }
        // On 32-bit it is a seqcount read.
        #[cfg(not(CONFIG_64BIT))]
        // SAFETY: The inode is valid; `i_size_read` is safe against concurrent writers.
        unsafe {
            bindings::i_size_read(self.as_ptr())
        }
    }

    /// The last modification time.
    pub fn mtime(&self) -> Timespec {
        // SAFETY: Reading the fields of a valid inode, as `inode_get_mtime` does: they
        // change under `i_rwsem`, and a racing reader may see the seconds of one time
        // and the nanoseconds of another, as in C.
        let (sec, nsec) = unsafe { ((*self.as_ptr()).i_mtime_sec, (*self.as_ptr()).i_mtime_nsec) };
        Timespec {
            sec,
            nsec: nsec.into(),
        }
    }

    /// The link count.
    pub fn nlink(&self) -> u32 {
        // SAFETY: Reading a field of a valid inode.
        unsafe { (*self.as_ptr()).__bindgen_anon_1.i_nlink }
    }

    /// Adds a link.
    pub fn inc_nlink(&self) {
        // SAFETY: The inode is valid; the VFS holds `i_rwsem` of the inode or its parent.
        unsafe { bindings::inc_nlink(self.as_ptr()) };
    }

    /// Drops a link.
    pub fn drop_nlink(&self) {
        // SAFETY: As in `inc_nlink`.
        unsafe { bindings::drop_nlink(self.as_ptr()) };
    }

    /// Sets ctime to now, and mtime to the same time.
    pub fn touch_mtime_ctime(&self) {
        // SAFETY: The inode is valid.
        unsafe {
            let now = bindings::inode_set_ctime_current(self.as_ptr());
            bindings::inode_set_mtime_to_ts(self.as_ptr(), now);
        }
    }

    /// Sets ctime to now.
    pub fn touch_ctime(&self) {
        // SAFETY: The inode is valid.
        unsafe { bindings::inode_set_ctime_current(self.as_ptr()) };
    }

    /// Bumps the change counter (for NFS and overlayfs).
    pub fn inc_iversion(&self) {
        // SAFETY: The inode is valid.
        unsafe { bindings::inode_inc_iversion(self.as_ptr()) };
    }

    /// Whether the file may grow to `size` bytes: RLIMIT_FSIZE (which also sends
    /// SIGXFSZ) and `s_maxbytes` (EFBIG).
    pub fn newsize_ok(&self, size: i64) -> Result {
        // SAFETY: The inode is valid.
        kernel::error::to_result(unsafe { bindings::inode_newsize_ok(self.as_ptr(), size) })
    }

    /// The inode's `i_lock`, a spinlock for the few fields the VFS gives no other lock.
    pub fn i_lock(&self) -> &RawSpinLock {
        // SAFETY: `i_lock` is initialised as the inode is set up (`inode_init_always`),
        // before any operation sees it, and lives as long as the inode.
        unsafe { RawSpinLock::from_raw(&raw mut (*self.as_ptr()).i_lock) }
    }

    /// Takes the inode's `i_rwsem` for writing, until the guard is dropped.
    pub fn lock(&self) -> InodeLockGuard<'_, T> {
        // SAFETY: The inode is valid. The guard unlocks it.
        unsafe { bindings::inode_lock(self.as_ptr()) };
        InodeLockGuard(self)
    }

    /// Takes the inode's `i_rwsem` for writing if no one holds it, without waiting.
    pub fn try_lock(&self) -> Option<InodeLockGuard<'_, T>> {
        // SAFETY: The inode is valid. On success the guard unlocks it.
        if unsafe { bindings::inode_trylock(self.as_ptr()) } != 0 {
            Some(InodeLockGuard(self))
        } else {
            None
        }
    }

    /// Sets `st_blocks` to `pages` pages.
    pub fn set_blocks(&self, pages: u64) {
        // SAFETY: The inode is valid; `i_blocks` is written under the caller's per-inode
        // accounting lock, and read locklessly by stat, as on tmpfs.
        unsafe { (*self.as_ptr()).i_blocks = pages << (PAGE_SHIFT - 9) };
    }
}

/// An inode whose `i_rwsem` its holder may act under: the view through which the fields
/// that `i_rwsem` serialises are changed. The trampolines make one where the VFS holds
/// the lock (Documentation/filesystems/locking.rst), [`Inode::lock`] where the
/// filesystem takes it, and [`NewInode`] for an inode no one else can reach yet.
///
/// # Invariants
///
/// For as long as the reference exists, the inode's `i_rwsem` is held for writing on
/// behalf of its holder, or the inode is new and only its holder's.
#[repr(transparent)]
pub struct LockedInode<T: FileSystem>(Inode<T>);

impl<T: FileSystem> LockedInode<T> {
    /// # Safety
    ///
    /// `ptr` is a valid inode of `T` that outlives `'a`, whose `i_rwsem` is held for
    /// writing for `'a` on behalf of the caller.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::inode) -> &'a Self {
        // SAFETY: `LockedInode` is `repr(transparent)`; validity is the caller's promise.
        // INVARIANT: The caller's promise.
        unsafe { &*ptr.cast() }
    }

    /// Sets the file size, `i_size_write`, whose writers `i_rwsem` serialises.
    pub fn set_size(&self, size: i64) {
        // SAFETY: The inode is valid, and its `i_rwsem` held (type invariant); on 64-bit
        // the write is a single store, which `i_size_read` takes as it is.
        unsafe { bindings::i_size_write(self.as_ptr(), size) };
    }

    /// Sets the inode flags in `mask` to those of `flags` (`inode_set_flags`); the VFS
    /// enforces them from then on (see [`inode_flags`]).
    pub fn set_flags(&self, flags: u32, mask: u32) {
        // SAFETY: The inode is valid, and its `i_rwsem` held (type invariant), as
        // `inode_set_flags` asks of a change to several flags at once.
        unsafe { bindings::inode_set_flags(self.as_ptr(), flags, mask) };
    }

    /// Adds `delta` to a directory's size (tmpfs's bogus entry sizes).
    pub fn add_dir_size(&self, delta: i64) {
        // SAFETY: The inode is valid, and its `i_rwsem` held (type invariant).
        unsafe { (*self.as_ptr()).i_size += delta };
    }
}

impl<T: FileSystem> core::ops::Deref for LockedInode<T> {
    type Target = Inode<T>;

    fn deref(&self) -> &Inode<T> {
        &self.0
    }
}

/// Holds an inode's `i_rwsem` for writing; gives the [`LockedInode`] view.
pub struct InodeLockGuard<'a, T: FileSystem>(&'a Inode<T>);

impl<T: FileSystem> core::ops::Deref for InodeLockGuard<'_, T> {
    type Target = LockedInode<T>;

    fn deref(&self) -> &LockedInode<T> {
        // SAFETY: The guard holds the inode's `i_rwsem` for writing until it is dropped,
        // and the returned reference borrows the guard, so it cannot outlive the lock.
        unsafe { LockedInode::from_raw(self.0.as_ptr()) }
    }
}

impl<T: FileSystem> Drop for InodeLockGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: `Inode::lock` took the lock this guard stands for.
        unsafe { bindings::inode_unlock(self.0.as_ptr()) };
    }
}

/// What kind of inode to create, with what it needs.
pub enum NewKind<'a> {
    /// A regular file.
    Regular,
    /// A directory.
    Directory,
    /// A symbolic link to this target.
    Symlink(&'a CStr),
    /// A device, fifo or socket, with its device number.
    Special(u32),
}

/// A new inode, not yet visible to anyone, holding one reference.
///
/// # Invariants
///
/// `0` is a valid inode from `new_inode` on which this value holds a reference.
pub struct NewInode<T: FileSystem>(*mut bindings::inode, PhantomData<T>);

impl<T: FileSystem> NewInode<T> {
    /// Allocates an inode of `sb` with inode number `ino` (see [`INO_64BIT`]) and every
    /// time set to now.
    pub fn new(sb: &SuperBlock<T>, ino: u64) -> Result<Self> {
        // SAFETY: `sb` is a valid superblock.
        let inode = unsafe { bindings::new_inode(sb.as_ptr()) };
        if inode.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: The inode is new and only ours.
        unsafe {
            // `ino` fits: the filesystem gives numbers above 2^32 only where `ino_t` holds
            // them (`INO_64BIT`).
            (*inode).i_ino = ino as _;
            (*inode).i_generation = bindings::get_random_u32();
            bindings::simple_inode_init_ts(inode);
            // No ACL, cached: the cache is where an inode's ACLs live (`fs/acl.rs`).
            bindings::cache_no_acl(inode);
        }
        // INVARIANT: `new_inode` returned a valid inode with one reference.
        Ok(Self(inode, PhantomData))
    }

    /// The inode, to read or update like any other; a new inode is only ours, so it
    /// may be changed as if its `i_rwsem` were held.
    pub fn inode(&self) -> &LockedInode<T> {
        // SAFETY: The inode is valid (type invariant) and belongs to a superblock of `T`;
        // no one else can reach it until it is handed over, which consumes `self`.
        unsafe { LockedInode::from_raw(self.0) }
    }

    /// Sets the mode and owner as `inode_init_owner` does: owner from the caller's fs
    /// ids through the mount's idmapping, group from a setgid parent.
    pub fn init_owner(&mut self, idmap: Idmap, dir: Option<&Inode<T>>, mode: u16) {
        let dir = dir.map_or(core::ptr::null_mut(), |d| d.as_ptr());
        // SAFETY: The inode is new and only ours; `idmap` is valid (its invariant) and so
        // is `dir`.
        unsafe { bindings::inode_init_owner(idmap.as_ptr(), self.0, dir, mode) };
    }

    /// Sets the owner explicitly (the root directory's, from the mount options).
    pub fn set_owner(&mut self, uid: Kuid, gid: Kgid) {
        // SAFETY: The inode is new and only ours.
        unsafe {
            (*self.0).i_uid = uid.into_raw();
            (*self.0).i_gid = gid.into_raw();
        }
    }

    /// Gives the inode the operations of its kind (see [`crate::kapi::fs`]) and what the
    /// kind needs: a directory its "." link, a symlink its target, a
    /// special file its device number, a regular file an unevictable page cache.
    pub fn init_kind(&mut self, kind: NewKind<'_>) -> Result
    where
        T: Operations,
    {
        let inode = self.0;
        match kind {
            NewKind::Regular => {
                // SAFETY: The inode is new and only ours; the tables are static.
                unsafe {
                    (*inode).i_op = crate::kapi::fs::file_inode_ops::<T>();
                    (*inode).__bindgen_anon_3.i_fop = crate::kapi::fs::file_ops::<T>();
                    (*(*inode).i_mapping).a_ops = crate::kapi::fs::address_space_ops::<T>();
                }
                let mapping = self.inode().mapping();
                mapping.set_unevictable();
                // Whether a file gets large folios is decided at each allocation
                // (`huge=`, which a remount may change), so every regular file may hold them.
                if crate::kapi::mm::thp_supported() {
                    mapping.set_large_folios();
                }
            }
            NewKind::Directory => {
                // SAFETY: The inode is new and only ours; the tables are static. The
                // entries live in the dcache, each pinned by its entry in the inode's
                // offset map (`dir_offsets.rs`), which readdir positions refer to.
                unsafe {
                    (*inode).i_op = crate::kapi::fs::dir_inode_ops::<T>();
                    (*inode).__bindgen_anon_3.i_fop = crate::kapi::fs::dir_file_ops::<T>();
                    bindings::inc_nlink(inode);
                }
            }
            NewKind::Symlink(target) => {
                let len = target.len();
                // SAFETY: `target` is valid for `len` bytes and a NUL; the copy is freed by
                // `free_inode`, after an RCU grace period, as `simple_get_link` requires.
                let link = unsafe {
                    bindings::kmemdup_nul(target.as_char_ptr(), len, bindings::RSHMEM_GFP_KERNEL)
                };
                if link.is_null() {
                    return Err(ENOMEM);
                }
                // SAFETY: The inode is new and only ours.
                unsafe {
                    (*inode).__bindgen_anon_4.i_link = link;
                    (*inode).i_op = crate::kapi::fs::symlink_inode_ops::<T>();
                    (*inode).i_size = len as i64;
                }
            }
            NewKind::Special(dev) => {
                // SAFETY: The inode is new and only ours.
                unsafe {
                    bindings::init_special_inode(inode, (*inode).i_mode, dev);
                    (*inode).i_op = crate::kapi::fs::special_inode_ops::<T>();
                }
            }
        }
        Ok(())
    }

    /// Gives up ownership of the reference, to a function that takes it.
    pub(crate) fn into_raw(self) -> *mut bindings::inode {
        let inode = self.0;
        core::mem::forget(self);
        inode
    }
}

impl<T: FileSystem> Drop for NewInode<T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant this value holds a reference; the inode is not
        // linked anywhere (nlink is what `init_kind` set, but no dentry points to it), so
        // the final `iput` evicts and frees it.
        unsafe {
            bindings::clear_nlink(self.0);
            bindings::iput(self.0);
        }
    }
}
