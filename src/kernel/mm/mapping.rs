// SPDX-License-Identifier: GPL-2.0

//! `struct address_space`: a file's page cache.

use crate::kapi::bindings;
use crate::kapi::error::is_err_ptr;
use crate::kapi::mm::folio::{Folio, LockedFolio};
use crate::kapi::mm::PAGE_SHIFT;
use core::ptr::NonNull;
use kernel::prelude::*;
use kernel::types::{ARef, Opaque};

/// The page cache of one inode.
#[repr(transparent)]
pub struct Mapping(Opaque<bindings::address_space>);

/// `FGP_LOCK` of `__filemap_get_folio`.
const FGP_LOCK: u32 = bindings::RSHMEM_FGP_LOCK;

impl Mapping {
    /// # Safety
    ///
    /// `ptr` is a valid mapping that outlives `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::address_space) -> &'a Self {
        // SAFETY: `Mapping` is `repr(transparent)`; validity is the caller's promise.
        unsafe { &*ptr.cast() }
    }

    pub(crate) fn as_ptr(&self) -> *mut bindings::address_space {
        self.0.get()
    }

    fn lookup(&self, index: u64, fgp: u32) -> Option<NonNull<bindings::folio>> {
        // SAFETY: The mapping is valid; with no `FGP_CREAT` nothing is allocated.
        let f = unsafe { bindings::__filemap_get_folio(self.as_ptr(), index as _, fgp, 0) };
        // An error pointer (-ENOENT) means no folio.
        if f.is_null() || is_err_ptr(f) {
            None
        } else {
            NonNull::new(f)
        }
    }

    /// The folio at `index`, if the page cache has one.
    pub fn get(&self, index: u64) -> Option<ARef<Folio>> {
        self.lookup(index, 0).map(|f| {
            // SAFETY: `lookup` returns a folio with a reference taken for us.
            unsafe { Folio::from_raw(f) }
        })
    }

    /// The folio at `index`, locked, if the page cache has one. The folio may have been
    /// truncated while we waited for its lock: callers check `belongs_to`.
    pub fn get_locked(&self, index: u64) -> Option<LockedFolio> {
        self.lookup(index, FGP_LOCK).map(|f| {
            // SAFETY: With `FGP_LOCK`, the folio comes locked and with a reference.
            unsafe { LockedFolio::from_raw(f) }
        })
    }

    /// Allocates a folio and inserts it at `index`, locked, dirty and not uptodate: its
    /// contents are not zeroed here, and no one may hand them out before they are zeroed
    /// or written (see `folio.rs`). Fails with `EEXIST` if a folio got there first,
    /// `ENOMEM` without memory.
    pub fn add_new(&self, index: u64) -> Result<LockedFolio> {
        // SAFETY: The mapping is valid; its gfp mask is what its folios are allocated with.
        let gfp = unsafe { bindings::mapping_gfp_mask(self.as_ptr()) };
        // SAFETY: Allocates a new order-0 folio with a reference for us.
        let folio = unsafe { bindings::filemap_alloc_folio_noprof(gfp, 0) };
        let folio = NonNull::new(folio).ok_or(ENOMEM)?;
        let f = folio.as_ptr();
        // SAFETY: The folio is new and only ours: no one can see it before
        // `filemap_add_folio`, so its lock is set non-atomically first. It goes in not
        // uptodate, which keeps its stale contents from readers and faults.
        let ret = unsafe {
            bindings::__folio_set_locked(f);
            bindings::filemap_add_folio(self.as_ptr(), f, index as _, gfp)
        };
        if ret != 0 {
            // SAFETY: Not inserted: still only ours. Unlock and drop our reference.
            unsafe {
                bindings::__folio_clear_locked(f);
                bindings::folio_put(f);
            }
            return Err(Error::from_errno(ret));
        }
        // SAFETY: Inserted, locked by us, with our reference; the page cache holds its own.
        let folio = unsafe { LockedFolio::from_raw(folio) };
        folio.mark_dirty();
        Ok(folio)
    }

    /// The number of pages in the page cache.
    pub fn nrpages(&self) -> u64 {
        // SAFETY: The mapping is valid; `nrpages` is read locklessly, as
        // `shmem_recalc_inode` does with `READ_ONCE`.
        unsafe { core::ptr::read_volatile(&raw const (*self.as_ptr()).nrpages) as u64 }
    }

    /// Unmaps the file range `[start, start + len)` (`len` 0: to the end) from every
    /// process; `even_cows` also unmaps private COW copies of its pages.
    pub fn unmap_range(&self, start: i64, len: i64, even_cows: bool) {
        // SAFETY: The mapping is valid; `unmap_mapping_range` takes `i_mmap_rwsem` and the
        // page-table locks itself.
        unsafe { bindings::unmap_mapping_range(self.as_ptr(), start, len, even_cows as _) };
    }

    /// Removes the folios of bytes `[start, end]` from the page cache, zeroing the parts
    /// of partial folios at either end that lie within the range.
    pub fn truncate_range(&self, start: i64, end: i64) {
        // SAFETY: The mapping is valid; the function locks each folio it removes.
        unsafe { bindings::truncate_inode_pages_range(self.as_ptr(), start, end) };
    }

    /// Removes every folio, as an inode is evicted.
    pub fn truncate_final(&self) {
        // SAFETY: The mapping is valid and its inode is being evicted.
        unsafe { bindings::truncate_inode_pages_final(self.as_ptr()) };
    }

    /// The index of the first folio at or after `index` and at or before `last`.
    pub fn next_present(&self, index: u64, last: u64) -> Option<u64> {
        // SAFETY: All-zero is a valid empty batch.
        let mut batch: bindings::folio_batch = unsafe { core::mem::zeroed() };
        let mut start = index as _;
        // SAFETY: The mapping and batch are valid; the found folios come with references,
        // which `folio_batch_release` drops.
        unsafe {
            let n = bindings::filemap_get_folios(self.as_ptr(), &mut start, last as _, &mut batch);
            let found = (n > 0).then(|| {
                let f = batch.folios[0];
                (bindings::folio_pos(f) >> PAGE_SHIFT) as u64
            });
            bindings::folio_batch_release(&mut batch);
            found.map(|i| i.max(index))
        }
    }

    /// The index of the first page-cache gap at or after `index`, looking at most at
    /// `max_scan` indices (`index + max_scan` when there is none).
    pub fn next_absent(&self, index: u64, max_scan: u64) -> u64 {
        // 6.12's page_cache_next_miss() returns 0 whenever the entry at index 0 is
        // present: its check for a scan that wrapped around (`xas.xa_index == 0`) also
        // fires on the first entry. So index 0 is looked at here, and the scan starts
        // at 1, where the check only fires on a real wrap.
        if index == 0 && max_scan > 0 {
            if self.next_present(0, 0).is_none() {
                return 0;
            }
            return self.next_absent(1, max_scan - 1);
        }
        // SAFETY: The mapping is valid; `page_cache_next_miss` must be called under
        // `rcu_read_lock`, which we hold around it.
        unsafe {
            bindings::rcu_read_lock();
            let r = bindings::page_cache_next_miss(self.as_ptr(), index as _, max_scan as _);
            bindings::rcu_read_unlock();
            r as u64
        }
    }

    /// Keeps the mapping's folios off the evictable LRU lists: they exist nowhere else.
    pub fn set_unevictable(&self) {
        // SAFETY: The mapping is valid; called before the inode is visible.
        unsafe { bindings::mapping_set_unevictable(self.as_ptr()) };
    }
}
