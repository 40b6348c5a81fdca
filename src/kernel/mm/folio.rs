// SPDX-License-Identifier: GPL-2.0

//! `struct folio`: page-cache folios, held by reference, locked or not.
//!
//! An rshmem folio enters the page cache not uptodate, its contents whatever the page
//! allocator left there. It becomes uptodate, under its lock, only once every byte of
//! it has been zeroed or written (`make_uptodate`, `finish_write`); until then the
//! read path takes it for a hole, the fault path makes it uptodate before mapping it,
//! and fault-around (`filemap_map_pages`) skips it. So every page handed to user space
//! is zeroed or written first, and preallocation or a whole-page write need not zero
//! the page first: the discipline of shmem_get_folio_gfp and shmem_write_end.

use crate::kapi::bindings;
use crate::kapi::iov::IovIter;
use crate::kapi::mm::mapping::Mapping;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::types::{ARef, AlwaysRefCounted, Opaque};

/// A page-cache folio. Held by reference as an [`ARef<Folio>`], locked as a
/// [`LockedFolio`].
///
/// # Invariants
///
/// Instances are only handed out for folios on which their holder has a reference
/// (a `&Folio` borrowed from an `ARef<Folio>` or a [`LockedFolio`]).
#[repr(transparent)]
pub struct Folio(Opaque<bindings::folio>);

// SAFETY: The reference count is `folio_get`/`folio_put`'s; a folio is freed only when its
// last reference goes.
unsafe impl AlwaysRefCounted for Folio {
    fn inc_ref(&self) {
        // SAFETY: The folio is valid and referenced by the caller (type invariant).
        unsafe { bindings::folio_get(self.as_ptr()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller gives up a reference it holds.
        unsafe { bindings::folio_put(obj.as_ptr().cast()) };
    }
}

impl Folio {
    /// Takes over a reference to a folio.
    ///
    /// # Safety
    ///
    /// `ptr` is a valid folio whose reference the caller hands over.
    pub(crate) unsafe fn from_raw(ptr: NonNull<bindings::folio>) -> ARef<Self> {
        // SAFETY: `Folio` is `repr(transparent)` over `struct folio`; the caller hands
        // over a reference.
        unsafe { ARef::from_raw(ptr.cast()) }
    }

    pub(crate) fn as_ptr(&self) -> *mut bindings::folio {
        self.0.get()
    }

    // The hot static inlines of page-flags.h and mm.h (`folio_test_uptodate`, `folio_pos`,
    // ...) are written out below rather than called through bindgen's out-of-line
    // wrappers, which cost a call each on every fault and every page read
    // (`make profile`). Each keeps the C version's memory ordering, noted where it has
    // one; anything less common calls the C function.

    /// The folio's flags word, `folio->flags`, loaded with `ordering`.
    fn flags(&self, ordering: Ordering) -> usize {
        // The kernel changes the flags word only with atomic bit operations, and `test_bit`
        // reads it with a single load (`READ_ONCE`), which is what an atomic load is.
        // SAFETY: The folio is valid (type invariant), so its flags word is a live, aligned
        // `unsigned long` (the size of `usize` on Linux), accessed only atomically.
        let word = unsafe {
            AtomicUsize::from_ptr(
                core::ptr::addr_of_mut!((*self.as_ptr()).__bindgen_anon_1.__bindgen_anon_1.flags)
                    .cast::<usize>(),
            )
        };
        word.load(ordering)
    }

    /// `folio_test_large`: whether the folio has more than one page.
    fn is_large(&self) -> bool {
        self.flags(Ordering::Relaxed) & (1 << bindings::RSHMEM_PG_HEAD) != 0
    }

    /// The page cache index of the folio's first page, `folio->index`.
    pub fn index(&self) -> u64 {
        // SAFETY: The folio is valid. Its index is set before it is inserted in the page
        // cache and does not change while it is there or referenced by the caller.
        unsafe { (*self.as_ptr()).__bindgen_anon_1.__bindgen_anon_1.index as u64 }
    }

    /// The number of pages of the folio (`folio_nr_pages`).
    pub fn nr_pages(&self) -> u64 {
        (self.size() as u64) >> crate::kapi::mm::PAGE_SHIFT
    }

    /// The file offset of the folio's first byte (`folio_pos`).
    pub fn pos(&self) -> i64 {
        // A page cache index fits `loff_t` once shifted: indices stop at
        // `MAX_LFS_FILESIZE >> PAGE_SHIFT`.
        (self.index() << crate::kapi::mm::PAGE_SHIFT) as i64
    }

    /// The size of the folio in bytes (`folio_size`).
    pub fn size(&self) -> usize {
        if !self.is_large() {
            return crate::kapi::mm::PAGE_SIZE as usize;
        }
        // SAFETY: The folio is valid (type invariant).
        unsafe { bindings::folio_size(self.as_ptr()) }
    }

    /// The page of the folio at page cache index `index` (`folio_file_page`), which the
    /// folio covers.
    fn file_page(&self, index: u64) -> *mut bindings::page {
        if !self.is_large() {
            // An order-0 folio is its own page (`folio_page(folio, 0)`).
            return self.as_ptr().cast();
        }
        // SAFETY: The folio is valid (type invariant).
        unsafe { bindings::folio_file_page(self.as_ptr(), index as _) }
    }

    /// Copies up to `len` bytes from offset `offset` of the folio to `iter`, stopping at
    /// the end of the folio; returns how many were copied, fewer if the user buffer
    /// faulted.
    pub fn copy_to_iter(&self, offset: usize, len: usize, iter: &mut IovIter) -> usize {
        let len = len.min(self.size().saturating_sub(offset));
        if len == 0 {
            return 0;
        }
        // SAFETY: The folio is valid, and `[offset, offset + len)` lies within it (just
        // checked); `iter` is a valid iterator.
        unsafe { bindings::copy_folio_to_iter(self.as_ptr(), offset, len, iter.as_ptr()) }
    }

    /// Whether memory failure has poisoned the folio: its contents are lost, and must be
    /// neither read nor written (see `fs.rs` for why it stays in the page cache).
    ///
    /// A large folio counts as poisoned if any of its pages is
    /// (`folio_contain_hwpoisoned_page`, as shmem_get_folio_gfp and do_set_pmd judge it):
    /// memory failure splits a large folio it finds, but a split can fail, and then a
    /// page other than the first carries the mark.
    pub fn is_hwpoison(&self) -> bool {
        // `folio_test_hwpoison`: a plain test of the head page's bit. Without
        // CONFIG_MEMORY_FAILURE no folio is ever poisoned.
        #[cfg(CONFIG_MEMORY_FAILURE)]
        {
            if self.is_large() {
                // SAFETY: The folio is valid (type invariant).
                return unsafe { bindings::folio_contain_hwpoisoned_page(self.as_ptr()) };
            }
            self.flags(Ordering::Relaxed) & (1 << bindings::RSHMEM_PG_HWPOISON) != 0
        }
        #[cfg(not(CONFIG_MEMORY_FAILURE))]
        false
    }

    /// Whether every byte of the folio has been zeroed or written. A reader that sees it
    /// set also sees those bytes (`folio_test_uptodate` orders its read of the flag
    /// before the reader's reads of the contents, pairing with `folio_mark_uptodate`).
    pub fn is_uptodate(&self) -> bool {
        // `folio_test_uptodate`: `test_bit` and, when set, `smp_rmb()`. An acquire load
        // gives the same order (on x86 both are a plain load).
        self.flags(Ordering::Acquire) & (1 << bindings::RSHMEM_PG_UPTODATE) != 0
    }

    /// Marks the folio accessed, for reclaim's aging.
    pub fn mark_accessed(&self) {
        // SAFETY: The folio is valid.
        unsafe { bindings::folio_mark_accessed(self.as_ptr()) };
    }

    /// Locks the folio, sleeping until it is free.
    pub fn lock(this: ARef<Self>) -> LockedFolio {
        // SAFETY: The folio is valid; we hold a reference, so it cannot be freed while we
        // sleep.
        unsafe { bindings::folio_lock(this.as_ptr()) };
        // INVARIANT: Locked just above.
        LockedFolio(this)
    }
}

/// A locked folio, held by reference; unlocked and released when dropped.
///
/// # Invariants
///
/// The folio is locked by this value.
pub struct LockedFolio(ARef<Folio>);

impl LockedFolio {
    /// # Safety
    ///
    /// `ptr` is a valid folio, locked by the caller, whose reference and lock the caller
    /// hands over.
    pub(crate) unsafe fn from_raw(ptr: NonNull<bindings::folio>) -> Self {
        // SAFETY: The caller's promise.
        // INVARIANT: The caller's promise.
        Self(unsafe { Folio::from_raw(ptr) })
    }

    fn as_ptr(&self) -> *mut bindings::folio {
        self.0.as_ptr()
    }

    /// The folio's offset in the file.
    pub fn pos(&self) -> i64 {
        self.0.pos()
    }

    /// The page cache index of the folio's first page.
    pub fn index(&self) -> u64 {
        self.0.index()
    }

    /// The number of pages of the folio.
    pub fn nr_pages(&self) -> u64 {
        self.0.nr_pages()
    }

    /// The size of the folio in bytes.
    pub fn size(&self) -> usize {
        self.0.size()
    }

    /// Whether the folio still belongs to `mapping`: truncation and hole punching take it
    /// out of the page cache under its lock, so under the lock this is stable.
    pub fn belongs_to(&self, mapping: &Mapping) -> bool {
        // SAFETY: The folio is valid and locked, so `mapping` is stable.
        unsafe { (*self.as_ptr()).__bindgen_anon_1.__bindgen_anon_1.mapping == mapping.as_ptr() }
    }

    /// Zeroes `len` bytes from `offset`. A range that does not lie within the folio is a
    /// bug of the caller: it warns and zeroes nothing, rather than reach the `BUG_ON` of
    /// `folio_zero_range` or write past the folio.
    pub fn zero_range(&self, offset: usize, len: usize) {
        let fits = offset
            .checked_add(len)
            .is_some_and(|end| end <= self.0.size());
        if crate::kapi::warn::warn_on_once(!fits) {
            return;
        }
        // SAFETY: The folio is valid and locked; the range lies within it (just checked).
        unsafe { bindings::folio_zero_range(self.as_ptr(), offset, len) };
    }

    /// Whether memory failure has poisoned the folio.
    pub fn is_hwpoison(&self) -> bool {
        self.0.is_hwpoison()
    }

    /// Zeroes the folio if it is not uptodate yet, and marks it uptodate: before it is
    /// mapped into user space.
    ///
    /// Every page of a large folio is zeroed, not only the one a fault asked for: the
    /// uptodate flag is the folio's, and once it is set, reads, fault-around and a PMD
    /// mapping hand out all of its pages.
    pub fn make_uptodate(&self) {
        if self.0.is_uptodate() {
            return;
        }
        // Page by page with `clear_highpage`, which zeroes with `clear_page` (one `rep
        // stosb` or its like per page), as shmem_get_folio_gfp does: `folio_zero_range`
        // would memset, some ten times the instructions per page (`make bench`'s
        // `pf_shared` on `huge=always`). The loop is C's (`bindings_helper.h`), so that
        // `clear_highpage` is inlined into it.
        // SAFETY: The folio is valid and locked, so no one else writes it or maps it
        // before it is uptodate.
        unsafe { bindings::rshmem_clear_folio(self.as_ptr()) };
        // SAFETY: The folio is valid and locked, and every byte of it is zeroed.
        unsafe { bindings::folio_mark_uptodate(self.as_ptr()) };
    }

    /// After a write of `copied` bytes at `offset` in the folio (from its first byte, not
    /// the page's, for a large folio): if it was not uptodate,
    /// zeroes what the write did not cover, and marks it uptodate (shmem_write_end).
    pub fn finish_write(&self, offset: usize, copied: usize) {
        if self.0.is_uptodate() {
            return;
        }
        // A write copies within one folio (`generic_perform_write` caps each step at the
        // folio's end); clamping keeps both ranges inside it whatever the caller.
        let size = self.0.size();
        let start = offset.min(size);
        let end = start.saturating_add(copied).min(size);
        // A write of the whole folio, the common case, leaves nothing to zero: the calls
        // are skipped (folio_zero_segments() would map the folio for nothing).
        // SAFETY: The folio is valid and locked; both ranges lie within it.
        unsafe {
            if start > 0 {
                bindings::folio_zero_range(self.as_ptr(), 0, start);
            }
            if end < size {
                bindings::folio_zero_range(self.as_ptr(), end, size - end);
            }
            bindings::folio_mark_uptodate(self.as_ptr());
        }
    }

    /// Whether every byte of the folio has been zeroed or written.
    pub fn is_uptodate(&self) -> bool {
        self.0.is_uptodate()
    }

    /// Marks the folio dirty: its data exists nowhere else.
    pub fn mark_dirty(&self) {
        // Already dirty, as every folio of a mapping without writeback stays from its
        // insertion: `folio_mark_dirty` would find the flag set and do nothing but look up
        // the mapping (its one other effect, clearing `PG_reclaim`, is for folios under
        // writeback). A relaxed test, as `noop_dirty_folio`'s own; we hold the lock.
        if self.0.flags(Ordering::Relaxed) & (1 << bindings::RSHMEM_PG_DIRTY) != 0 {
            return;
        }
        // SAFETY: The folio is valid and locked.
        unsafe { bindings::folio_mark_dirty(self.as_ptr()) };
    }

    /// Waits until no write-back holds the folio stable (none does, but the contract of
    /// `page_mkwrite` asks for it).
    pub fn wait_stable(&self) {
        // SAFETY: The folio is valid and locked.
        unsafe { bindings::folio_wait_stable(self.as_ptr()) };
    }

    /// Takes the folio out of `mapping`'s page cache (unmapping it first if mapped); the
    /// caller still holds its reference.
    pub fn remove_from(&self, mapping: &Mapping) {
        // SAFETY: The folio is valid, locked, and in `mapping` (callers check with
        // `belongs_to`), as `generic_error_remove_folio` requires; 6.12 exports no other
        // way to remove one locked folio (`truncate_inode_folio` is what it calls).
        unsafe { bindings::generic_error_remove_folio(mapping.as_ptr(), self.as_ptr()) };
    }

    /// The page at file index `index` of the folio, handing over the lock and the
    /// reference, as a `.fault` handler returning `VM_FAULT_LOCKED` does.
    pub(crate) fn into_locked_page(self, index: u64) -> *mut bindings::page {
        // Callers pass the index they looked the folio up by, which it covers.
        let page = self.0.file_page(index);
        core::mem::forget(self);
        page
    }

    /// Keeps the folio locked for the caller of `page_mkwrite` (which holds its own
    /// reference) and drops ours.
    pub(crate) fn leave_locked(self) {
        let folio = self.as_ptr();
        core::mem::forget(self);
        // SAFETY: We hold a reference (from `PageMkwrite::page_folio`), given up here; the
        // caller's reference keeps the folio alive while it stays locked.
        unsafe { bindings::folio_put(folio) };
    }

    /// Hands over the lock and the reference, as `write_begin` does.
    pub(crate) fn into_raw(self) -> *mut bindings::folio {
        let folio = self.as_ptr();
        core::mem::forget(self);
        folio
    }
}

impl Drop for LockedFolio {
    fn drop(&mut self) {
        // SAFETY: This value holds the lock (type invariant); the reference is dropped
        // after this, by the `ARef`'s own drop.
        unsafe { bindings::folio_unlock(self.as_ptr()) };
    }
}
