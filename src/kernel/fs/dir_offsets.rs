// SPDX-License-Identifier: GPL-2.0

//! Stable directory offsets, as tmpfs keeps them: libfs's `simple_offset_*` helpers and
//! `offset_readdir`, which 6.12 does not export, rebuilt over the maple tree's exported
//! calls.
//!
//! Each directory inode has an offset map ([`DirOffsets`], next to the VFS inode in
//! `FsInode`): a maple tree from offsets to the dentries of the directory's names. A
//! dentry in a map keeps its offset in `d_fsdata` (0: none), as libfs does. The map of
//! a directory is what readdir positions (`d_off`, `telldir`) mean: a listing that
//! stopped resumes at the entry with that offset, or the nearest one below it.
//!
//! # References
//!
//! Each entry holds one reference to its dentry, and that reference is the name's pin:
//! what keeps a name of a filesystem in memory in the dcache (tmpfs's extra `dget` at
//! creation). Pins are made and dropped here and nowhere else: a name is instantiated
//! only through the entry reserved for it ([`LockedInode::add_offset`], then
//! [`OffsetEntry::instantiate`]), unlinking removes the entry with its reference
//! ([`LockedInode::remove_offset`]), and a rename moves the entry, reference and all
//! ([`Dentry::rename_offset`], [`Dentry::exchange`]). So a pointer read from a map is a
//! live dentry. At umount, `kill_litter_super` drops every pin (`d_genocide`) and so
//! every entry's reference; a map is therefore destroyed (`destroy_inode`) without
//! looking at its entries.
//!
//! # Locking
//!
//! A directory's map changes only through a [`LockedInode`] of that directory (its
//! `i_rwsem` held for writing: the VFS holds it around every name operation, both
//! directories' for a rename), and is read only by `iterate_shared`, which the VFS calls
//! with it held for reading ([`ListedDir`]). The two never overlap, and writers are
//! serialised, so a change made of several calls (a rename's) is never seen half done.
//! The maple tree's own spinlock, taken inside each call, guards its nodes only.

use crate::kapi::bindings;
use crate::kapi::fs::dentry::Dentry;
use crate::kapi::fs::file::File;
use crate::kapi::fs::inode::{Inode, LockedInode, NewInode};
use crate::kapi::fs::FileSystem;
use crate::kapi::warn::warn_on_once;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::ffi::{c_int, c_uint, c_ulong};
use kernel::prelude::*;
use kernel::types::{ARef, Opaque};

/// A directory's offset map (libfs's `struct offset_ctx`): the maple tree, and where
/// the next cyclic allocation starts.
///
/// # Invariants
///
/// - `tree` is an initialised allocation-range maple tree; it does not move (its nodes
///   point back at it): it lives in its inode's slab object.
/// - Each entry is a dentry of the inode's filesystem on which the entry holds one
///   reference, until a call here removes or replaces the entry and drops or hands on
///   that reference, or `d_genocide` drops it at umount (after which the map is only
///   destroyed).
/// - The entries change only through a [`LockedInode`] of the map's inode, and are read
///   only with its `i_rwsem` held at least for reading (see the module documentation).
/// - `next` is read and written only by `mtree_alloc_cyclic`, under the tree's lock.
#[repr(C)]
pub(crate) struct DirOffsets {
    tree: Opaque<bindings::maple_tree>,
    next: Opaque<c_ulong>,
}

impl DirOffsets {
    /// Initialises the (empty) map of a new inode.
    ///
    /// # Safety
    ///
    /// `this` points to memory for a `DirOffsets` that is only the caller's, and that
    /// stays where it is until [`DirOffsets::destroy`].
    pub(crate) unsafe fn init(this: *mut Self) {
        // INVARIANT: An empty allocation-range tree; `next` at 0 (the range passed to
        // each allocation sets its floor).
        // SAFETY: The memory is the caller's; `mt_init_flags` sets every field of the
        // tree, and allocates nothing.
        unsafe {
            bindings::mt_init_flags(
                Opaque::raw_get(&raw const (*this).tree),
                bindings::RSHMEM_MT_FLAGS_ALLOC_RANGE,
            );
            Opaque::raw_get(&raw const (*this).next).write(0);
        }
    }

    /// Frees the map's nodes, as the inode goes. The entries' references are not
    /// dropped: a directory going with entries left is being unmounted, and
    /// `d_genocide` dropped them (see the type invariants).
    ///
    /// # Safety
    ///
    /// `this` was initialised by [`DirOffsets::init`], and its inode is being destroyed:
    /// nothing else uses the map.
    pub(crate) unsafe fn destroy(this: *mut Self) {
        // SAFETY: An initialised tree that only the caller uses; `mtree_destroy` takes its
        // lock and frees its nodes without looking at the entries, and leaves an empty
        // tree behind.
        unsafe { bindings::mtree_destroy(Opaque::raw_get(&raw const (*this).tree)) };
    }

    fn tree(&self) -> *mut bindings::maple_tree {
        self.tree.get()
    }

    /// The entry at `offset`, or null.
    fn load(&self, offset: u64) -> *mut bindings::dentry {
        // SAFETY: The tree is initialised (type invariant); `mtree_load` walks it under
        // the RCU read lock it takes itself.
        unsafe { bindings::mtree_load(self.tree(), offset as c_ulong) }.cast()
    }

    /// Stores `entry` (or null, to erase) at `offset`; allocates without failing, so a
    /// change that is already half made can always be finished.
    fn store(&self, offset: u64, entry: *mut bindings::dentry) -> Result {
        // SAFETY: The tree is initialised (type invariant); the caller hands over or
        // takes back the entries' references (see the callers). `mtree_store` takes the
        // tree's lock, and drops it only to allocate.
        kernel::error::to_result(unsafe {
            bindings::mtree_store(
                self.tree(),
                offset as c_ulong,
                entry.cast(),
                bindings::RSHMEM_GFP_KERNEL_NOFAIL,
            )
        })
    }
}

/// The `d_fsdata` of `dentry`, as an atomic word: written under the parent's `i_rwsem`
/// and read under it, so relaxed accesses suffice; atomic so that no access is a data
/// race whatever a caller does.
///
/// # Safety
///
/// `dentry` is valid for `'a`.
unsafe fn fsdata<'a>(dentry: *mut bindings::dentry) -> &'a AtomicUsize {
    // SAFETY: `d_fsdata` is a pointer-sized, aligned field of a valid dentry; this
    // filesystem owns it (the VFS never reads it), and only this module accesses it,
    // always through this atomic view.
    unsafe { AtomicUsize::from_ptr((&raw mut (*dentry).d_fsdata).cast()) }
}

impl<T: FileSystem> Dentry<T> {
    /// The name's offset in its directory, 0 if it has none.
    pub fn offset(&self) -> u64 {
        // SAFETY: The dentry is valid.
        unsafe { fsdata(self.as_ptr()) }.load(Ordering::Relaxed) as u64
    }

    fn set_offset(&self, offset: u64) {
        // SAFETY: The dentry is valid.
        unsafe { fsdata(self.as_ptr()) }.store(offset as usize, Ordering::Relaxed);
    }

    /// Moves this name's entry (`self`, in `old_dir`) to the offset of `new` in `new_dir`
    /// for a rename that replaces `new` (libfs's `simple_offset_rename`): the renamed
    /// name keeps the offset of the name it takes over, a target's, or the one
    /// `reserved` got for a new name. The target's entry, and the reference that pinned
    /// it, go. Both directories are locked, as the VFS locks them for `rename`.
    pub fn rename_offset(
        &self,
        old_dir: &LockedInode<T>,
        new_dir: &LockedInode<T>,
        new: &Dentry<T>,
        reserved: Option<OffsetEntry<'_, T>>,
    ) {
        if let Some(entry) = reserved {
            if core::ptr::eq(entry.dentry, new) {
                // Its slot is replaced below, its reference dropped there.
                core::mem::forget(entry);
            } else {
                warn_on_once(true);
                // Dropped: removed again.
            }
        }
        let new_offset = new.offset();
        if warn_on_once(new_offset == 0) {
            return;
        }
        // The pin for the entry at the new offset, taken before the old entry (and
        // its reference) goes.
        let pin = ARef::from(self);
        old_dir.remove_offset(self);
        new.set_offset(0);
        new_dir.put_entry(new_offset, pin);
    }

    /// Swaps the names `self` (in `old_dir`) and `new` (in `new_dir`), with their links
    /// and timestamps, as RENAME_EXCHANGE asks; each name keeps its offset, so its
    /// entry now holds the other dentry (libfs's `simple_offset_rename_exchange`).
    pub fn exchange(
        &self,
        old_dir: &LockedInode<T>,
        new_dir: &LockedInode<T>,
        new: &Self,
    ) -> Result {
        let (old_offset, new_offset) = (self.offset(), new.offset());
        if warn_on_once(old_offset == 0 || new_offset == 0) {
            return Err(EINVAL);
        }
        // Each `put_entry` drops the reference of the entry it replaces, the other
        // dentry's, for which the other call has taken a new one.
        let (pin_old, pin_new) = (ARef::from(self), ARef::from(new));
        new_dir.put_entry(new_offset, pin_old);
        old_dir.put_entry(old_offset, pin_new);
        // SAFETY: All are valid and locked by the VFS's rename locking (the directories'
        // `i_rwsem`, which the `LockedInode`s stand for, and the two inodes').
        kernel::error::to_result(unsafe {
            bindings::simple_rename_exchange(
                old_dir.as_ptr(),
                self.as_ptr(),
                new_dir.as_ptr(),
                new.as_ptr(),
            )
        })
    }
}

impl<T: FileSystem> Inode<T> {
    /// The inode's offset map.
    fn offsets(&self) -> &DirOffsets {
        // SAFETY: The inode is an inode of `T` (type invariant of `Inode`), so it lives in
        // an `FsInode<T>` whose map `alloc_inode` initialised.
        unsafe { crate::kapi::fs::inode_cache::FsInode::<T>::offsets(self.as_ptr()) }
    }
}

impl<T: FileSystem> LockedInode<T> {
    /// Gives `dentry`, a new name in this directory, an offset: the first free one in
    /// `first..=last` from where the last allocation stopped, wrapping around
    /// (`mtree_alloc_cyclic`, as libfs's `simple_offset_add`). The entry holds a
    /// reference to the dentry; [`OffsetEntry::instantiate`] makes it the name's pin,
    /// dropping the entry removes it again. Fails with `EBUSY` if the dentry has an
    /// offset already (a rename's existing target), `ENOSPC` if the range is full,
    /// `ENOMEM`.
    pub fn add_offset<'a>(
        &'a self,
        dentry: &'a Dentry<T>,
        first: u64,
        last: u64,
    ) -> Result<OffsetEntry<'a, T>> {
        if first == 0 || first > last {
            return Err(EINVAL);
        }
        if dentry.offset() != 0 {
            return Err(EBUSY);
        }
        let pin = ARef::from(dentry);
        let map = self.offsets();
        let mut offset: c_ulong = 0;
        // SAFETY: The tree is initialised, and its writers are serialised by this
        // directory's `i_rwsem`, held for writing (`LockedInode`); `next` is the map's,
        // used only here, under the tree's lock. The entry is a dentry of `T`.
        let ret = unsafe {
            bindings::mtree_alloc_cyclic(
                map.tree(),
                &mut offset,
                pin.as_ptr().cast(),
                first as c_ulong,
                last as c_ulong,
                map.next.get(),
                bindings::RSHMEM_GFP_KERNEL,
            )
        };
        if ret < 0 {
            // `pin` is dropped: the tree took nothing. A full range is ENOSPC, as libfs
            // reports it.
            return Err(if ret == EBUSY.to_errno() {
                ENOSPC
            } else {
                Error::from_errno(ret)
            });
        }
        // INVARIANT: The entry holds the reference `pin` took.
        let _ = ARef::into_raw(pin);
        dentry.set_offset(offset as u64);
        Ok(OffsetEntry {
            dir: self,
            dentry,
            offset: offset as u64,
        })
    }

    /// Removes the entry of `dentry`, a name of this directory, and with it the
    /// reference that pinned the name (libfs's `simple_offset_remove`, and tmpfs's
    /// `dput` of the pin): what unlink and rmdir do. Nothing, if it has no offset.
    pub fn remove_offset(&self, dentry: &Dentry<T>) {
        let offset = dentry.offset();
        if offset == 0 {
            return;
        }
        let map = self.offsets();
        let entry = map.load(offset);
        // Cannot fail: the allocation may not. If it did, the entry would stay, with
        // its reference.
        if warn_on_once(map.store(offset, core::ptr::null_mut()).is_err()) {
            return;
        }
        dentry.set_offset(0);
        if let Some(entry) = NonNull::new(entry) {
            warn_on_once(entry.as_ptr() != dentry.as_ptr());
            // SAFETY: The entry held this reference, and is gone.
            drop(unsafe { ARef::from_raw(entry.cast::<Dentry<T>>()) });
        }
    }

    /// Puts `pin`'s dentry at `offset` of this directory's map, replacing (and dropping
    /// the reference of) the entry there.
    fn put_entry(&self, offset: u64, pin: ARef<Dentry<T>>) {
        let map = self.offsets();
        let old = map.load(offset);
        if warn_on_once(map.store(offset, pin.as_ptr()).is_err()) {
            // The map is as it was; `pin` is dropped.
            return;
        }
        pin.set_offset(offset);
        // INVARIANT: The entry holds the reference `pin` held.
        let _ = ARef::into_raw(pin);
        if let Some(old) = NonNull::new(old) {
            // SAFETY: The replaced entry held this reference.
            drop(unsafe { ARef::from_raw(old.cast::<Dentry<T>>()) });
        }
    }
}

/// The new entry of a name in a directory's offset map, as [`LockedInode::add_offset`]
/// made it. [`OffsetEntry::instantiate`] keeps it, for the new name it stands for;
/// dropped, it is removed again with its reference, and the dentry has no offset.
pub struct OffsetEntry<'a, T: FileSystem> {
    dir: &'a LockedInode<T>,
    dentry: &'a Dentry<T>,
    offset: u64,
}

impl<T: FileSystem> OffsetEntry<'_, T> {
    /// The offset given to the name.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Makes the (negative) dentry point to a new inode. The entry stays, and the
    /// reference it holds pins the dentry in the dcache: it is the only record of the
    /// name.
    pub fn instantiate(self, inode: NewInode<T>) {
        let this = ManuallyDrop::new(self);
        // SAFETY: The dentry is negative and locked by the VFS (its parent's `i_rwsem`,
        // which `dir` stands for) or unhashed and only ours (`alloc_sibling`);
        // `d_instantiate` takes over the inode's reference.
        unsafe { bindings::d_instantiate(this.dentry.as_ptr(), inode.into_raw()) };
    }

    /// Makes the (negative) dentry a new link to `inode`, which it takes the reference
    /// of; the entry stays, as in [`OffsetEntry::instantiate`].
    pub fn instantiate_link(self, inode: ARef<Inode<T>>) {
        let this = ManuallyDrop::new(self);
        let inode = ARef::into_raw(inode);
        // SAFETY: As in `instantiate`; the reference `inode` held is handed over.
        unsafe { bindings::d_instantiate(this.dentry.as_ptr(), inode.as_ptr().cast()) };
    }
}

impl<T: FileSystem> Drop for OffsetEntry<'_, T> {
    fn drop(&mut self) {
        // The entry is still the dentry's, unless the caller removed it meanwhile;
        // either way `remove_offset` drops the reference of whatever it takes out.
        if self.dentry.offset() == self.offset {
            self.dir.remove_offset(self.dentry);
        }
    }
}

/// An open directory of `T` that `iterate_shared` lists: the VFS holds its inode's
/// `i_rwsem` for reading for the whole call (`iterate_dir`), so none of its names is
/// added, removed or renamed meanwhile, and its offset map does not change. Only
/// lookups may add negative dentries to its list of children (under its `d_lock`),
/// and dentries that are not names (negative ones) may leave it.
///
/// # Invariants
///
/// `file` is an open directory of `T` whose inode's `i_rwsem` is held at least for
/// reading for `'a`.
pub struct ListedDir<'a, T: FileSystem> {
    file: &'a File<T>,
}

/// Where a walk of a directory's children starts.
enum Start {
    /// At the first child.
    First,
    /// At this child, or the first one if it is null or not a child of the directory.
    At(*mut bindings::dentry),
    /// After this child; nowhere if it is not a child of the directory.
    After(*mut bindings::dentry),
}

impl<'a, T: FileSystem> ListedDir<'a, T> {
    /// # Safety
    ///
    /// `file` is an open directory of `T`, valid for `'a`, whose inode's `i_rwsem` is
    /// held at least for reading for `'a`.
    pub(crate) unsafe fn from_raw(file: *mut bindings::file) -> Self {
        // SAFETY: The caller's promise: an open file of `T`, valid for `'a`.
        let file = unsafe { File::from_raw(file) };
        // INVARIANT: The caller's promise.
        Self { file }
    }

    /// The open directory.
    pub fn file(&self) -> &'a File<T> {
        self.file
    }

    fn dentry(&self) -> *mut bindings::dentry {
        // SAFETY: An open file's path is fixed and pins its dentry.
        unsafe { (*self.file.as_ptr()).f_path.dentry }
    }

    /// The first name in the directory's list of children (the dcache's order: the
    /// most recently allocated dentry first, as dentries are added at the head).
    pub fn first(&self) -> Option<Child<'a, T>> {
        self.positive_from(Start::First)
    }

    /// The name after `prev` in that order.
    pub fn next(&self, prev: &Child<'a, T>) -> Option<Child<'a, T>> {
        self.positive_from(Start::After(prev.dentry.as_ptr()))
    }

    /// The first name, in the list's order, from the entry of the offset map at
    /// `offset` or the nearest one below it (itself if it is a name); from the first
    /// name if the map has no entry there (libfs's `offset_dir_lookup`).
    pub fn from_offset(&self, offset: u64) -> Option<Child<'a, T>> {
        let map = self.file.inode().offsets();
        // SAFETY: The map is initialised, and does not change while the directory's
        // `i_rwsem` is held (type invariant); the helper walks it under the RCU read
        // lock.
        let entry = unsafe { bindings::rshmem_mt_find_rev(map.tree(), offset as c_ulong, 0) };
        // The entry, if any, is a live dentry: its reference is the map's, and the map
        // does not change meanwhile.
        self.positive_from(Start::At(entry.cast()))
    }

    /// The first positive (named) child from `start` on, with a reference.
    fn positive_from(&self, start: Start) -> Option<Child<'a, T>> {
        let parent = self.dentry();
        let sib = core::mem::offset_of!(bindings::dentry, d_sib);
        // The dentry of a list node (`d_sib`), or null.
        let of = |node: *mut bindings::hlist_node| -> *mut bindings::dentry {
            if node.is_null() {
                core::ptr::null_mut()
            } else {
                node.wrapping_byte_sub(sib).cast()
            }
        };
        // The directory's dentry is pinned by the open file. Its `d_lock` protects its
        // list of children: a dentry is linked, unlinked or moved only under it, and is
        // freed only after it is unlinked. So every dentry reached through the list while
        // it is held is valid, and so is `start`'s child: the caller holds a reference to
        // it (`After`) or it is an entry of the map (`At`); whether it is in the list is
        // checked under the lock (`d_parent` changes only under the parent's `d_lock`;
        // the volatile read is for a dentry that is not ours, where it may change
        // meanwhile). A child is tested and referenced under its own `d_lock`, nested
        // under the parent's, as the dcache does: a negative or unhashed dentry is not a
        // name (a lookup's, a cursor, a removed name not yet freed).
        // SAFETY: Every dentry touched is valid under the parent's `d_lock`, as above.
        unsafe {
            bindings::spin_lock(d_lock(parent));
            let is_child = |d: *mut bindings::dentry| {
                core::ptr::read_volatile(&raw const (*d).d_parent) == parent
            };
            let mut d = match start {
                Start::At(d) if !d.is_null() && is_child(d) => d,
                Start::First | Start::At(_) => of((*parent).d_children.first),
                Start::After(d) if is_child(d) => of((*d).d_sib.next),
                Start::After(_) => core::ptr::null_mut(),
            };
            let mut found = None;
            while !d.is_null() {
                bindings::rshmem_dentry_lock_nested(d);
                if !(*d).d_inode.is_null() && !(*d).d_hash.pprev.is_null() {
                    bindings::dget_dlock(d);
                    found = NonNull::new(d);
                }
                bindings::spin_unlock(d_lock(d));
                if found.is_some() {
                    break;
                }
                d = of((*d).d_sib.next);
            }
            bindings::spin_unlock(d_lock(parent));
            // INVARIANT: A positive, hashed child of the directory, referenced by
            // `dget_dlock`; it stays one while the directory's `i_rwsem` is held.
            found.map(|d| Child {
                dentry: ARef::from_raw(d.cast()),
                _dir: PhantomData,
            })
        }
    }
}

/// The `d_lock` of a dentry.
///
/// # Safety
///
/// `dentry` is valid.
unsafe fn d_lock(dentry: *mut bindings::dentry) -> *mut bindings::spinlock_t {
    // SAFETY: The caller's promise; `d_lock` is the spinlock of `d_lockref`.
    unsafe { &raw mut (*dentry).d_lockref.__bindgen_anon_1.__bindgen_anon_1.lock }
}

/// A name of a directory being listed ([`ListedDir`]): a positive child dentry, with a
/// reference.
///
/// # Invariants
///
/// `dentry` is a positive, hashed child of the listed directory, and stays one, with its
/// name and inode, for `'a` (changing that needs the directory's `i_rwsem` for writing).
pub struct Child<'a, T: FileSystem> {
    dentry: ARef<Dentry<T>>,
    _dir: PhantomData<&'a ()>,
}

impl<T: FileSystem> Child<'_, T> {
    /// The name's offset in the directory (0 if it has none).
    pub fn offset(&self) -> u64 {
        self.dentry.offset()
    }
}

/// The state of a `getdents`-style call (`struct dir_context`): the position, and where
/// the names go.
#[repr(transparent)]
pub struct DirContext(Opaque<bindings::dir_context>);

impl DirContext {
    /// # Safety
    ///
    /// `ptr` is the context `iterate_dir` passes, valid and only ours for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::dir_context) -> &'a mut Self {
        // SAFETY: `DirContext` is `repr(transparent)`; validity is the caller's promise.
        unsafe { &mut *ptr.cast() }
    }

    /// The position: where the listing continues, as `lseek` and `d_off` show it.
    pub fn pos(&self) -> i64 {
        // SAFETY: The context is valid and ours for the call.
        unsafe { (*self.0.get()).pos }
    }

    /// Sets the position: the `d_off` of the name emitted before, and where the listing
    /// continues if it stops here.
    pub fn set_pos(&mut self, pos: i64) {
        // SAFETY: As in `pos`.
        unsafe { (*self.0.get()).pos = pos };
    }

    /// Emits "." (at position 0) and ".." (at 1), those of them at or after the
    /// position, and moves it to 2; false if the caller's buffer is full.
    pub fn emit_dots<T: FileSystem>(&mut self, dir: &ListedDir<'_, T>) -> bool {
        // SAFETY: The context is valid and ours; the file is an open directory.
        unsafe { bindings::dir_emit_dots(dir.file.as_ptr(), self.0.get()) }
    }

    /// Emits a name with its inode number and type; false if the caller's buffer is
    /// full (the position is left for the caller to keep).
    pub fn emit<T: FileSystem>(&mut self, child: &Child<'_, T>) -> bool {
        let d = child.dentry.as_ptr();
        // SAFETY: The child is a positive child of the listed directory, whose name and
        // inode do not change while it is listed (type invariant of `Child`); the name
        // is valid for its length. The context is valid and ours.
        unsafe {
            let name = &(*d).d_name;
            let inode = (*d).d_inode;
            bindings::dir_emit(
                self.0.get(),
                name.name.cast(),
                name.__bindgen_anon_1.__bindgen_anon_1.len as c_int,
                (*inode).i_ino as u64,
                c_uint::from(bindings::fs_umode_to_dtype((*inode).i_mode)),
            )
        }
    }
}
