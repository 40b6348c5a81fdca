// SPDX-License-Identifier: GPL-2.0

//! `struct address_space`: a file's page cache.

use crate::kapi::bindings;
use crate::kapi::error::is_err_ptr;
use crate::kapi::mm::folio::{Folio, LockedFolio};
use crate::kapi::mm::{HPAGE_PMD_ORDER, PAGE_SHIFT};
use core::ops::ControlFlow;
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

    /// Allocates a folio of `1 << order` pages and inserts it at `index`, locked, dirty
    /// and not uptodate: its contents are not zeroed here, and no one may hand them out
    /// before they are zeroed or written (see `folio.rs`). Fails with `EINVAL` if `index`
    /// is not a multiple of the folio's pages or `order` is neither 0 nor
    /// [`HPAGE_PMD_ORDER`], `EEXIST` if a folio got to any page of the range first,
    /// `ENOMEM` without memory.
    ///
    /// A large folio is asked for as shmem asks for one for a mapping without
    /// `MADV_HUGEPAGE` under the default defrag setting: no warning, no retrying, no
    /// reclaim, direct or by waking kswapd, so no compaction either, so that a fragmented
    /// machine fails it at once and the caller falls back to order 0.
    pub fn add_new(&self, index: u64, order: u32) -> Result<LockedFolio> {
        // The page cache requires a large folio's index to be aligned to its size (a
        // VM_BUG_ON in `__filemap_add_folio`), and this mapping to allow its order.
        if order != 0 && (order != HPAGE_PMD_ORDER || index & ((1u64 << order) - 1) != 0) {
            return Err(EINVAL);
        }
        // SAFETY: The mapping is valid; its gfp mask is what its folios are allocated with.
        let gfp = unsafe { bindings::mapping_gfp_mask(self.as_ptr()) };
        let alloc_gfp = if order == 0 {
            gfp
        } else {
            (gfp & !bindings::RSHMEM_GFP_RECLAIM) | bindings::RSHMEM_GFP_LARGE_FOLIO
        };
        // SAFETY: Allocates a new folio of that order with a reference for us.
        let folio = unsafe { bindings::filemap_alloc_folio_noprof(alloc_gfp, order) };
        let folio = NonNull::new(folio).ok_or(ENOMEM)?;
        let f = folio.as_ptr();
        // It goes in not uptodate, which keeps its stale contents from readers and faults.
        // SAFETY: The folio is new and only ours until `filemap_add_folio`, so its lock is
        // set non-atomically first; `index` is aligned to its size (checked above).
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

    /// Whether the page cache holds a folio at any page of `[index, last]`. Lockless: the
    /// answer may be stale by the time it is returned; callers use it as a hint only.
    pub fn has_folios(&self, index: u64, last: u64) -> bool {
        self.scan_folios(index, last, |_, _, _| ControlFlow::Break(()))
            .is_some()
    }

    /// Lets the page cache hold large folios of this mapping (`mapping_set_large_folios`),
    /// which lets `split_folio` and the write path size their work by the folio; called
    /// before the inode is visible.
    pub fn set_large_folios(&self) {
        // SAFETY: The mapping is valid and not yet shared: the flags are set
        // non-atomically, as the function's documentation allows in an inode constructor.
        unsafe { bindings::mapping_set_large_folios(self.as_ptr()) };
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

    /// Walks the folios of pages `[index, last]` in index order and calls `f` with each
    /// one, its first page's index and its number of pages, until `f` breaks with a
    /// value, which is returned; `None` if it never does. A folio may start before
    /// `index` (a large one that covers it). The walk takes no lock: it sees each folio
    /// as the page cache held it when its batch was looked up, and holds a reference to
    /// it during the call. It reschedules between batches, so a walk over millions of
    /// folios does not hog the CPU; the caller must be allowed to sleep.
    pub fn scan_folios<B>(
        &self,
        index: u64,
        last: u64,
        mut f: impl FnMut(&Folio, u64, u64) -> ControlFlow<B>,
    ) -> Option<B> {
        let mut start = index as _;
        loop {
            // SAFETY: All-zero is a valid empty batch.
            let mut batch: bindings::folio_batch = unsafe { core::mem::zeroed() };
            // SAFETY: The mapping and batch are valid; the folios found come with a
            // reference each, which `folio_batch_release` drops. `start` moves past the
            // last folio found (to `last + 1` when the range is done).
            let n = unsafe {
                bindings::filemap_get_folios(self.as_ptr(), &mut start, last as _, &mut batch)
            };
            if n == 0 {
                return None;
            }
            let mut result = None;
            for &ptr in &batch.folios[..n as usize] {
                // SAFETY: The batch holds a reference to each of its folios until it is
                // released below, after the last use of this one.
                let folio = unsafe { &*ptr.cast::<Folio>() };
                let pages = (folio.size() as u64) >> PAGE_SHIFT;
                if let ControlFlow::Break(b) = f(folio, folio.index(), pages) {
                    result = Some(b);
                    break;
                }
            }
            // SAFETY: The references taken by `filemap_get_folios`, dropped once.
            unsafe { bindings::folio_batch_release(&mut batch) };
            // A batch that was not full ended the range, and so did a `last` of the
            // largest index, after which `start` wraps to 0.
            if result.is_some() || (n as usize) < batch.folios.len() || start == 0 {
                return result;
            }
            crate::kapi::task::cond_resched();
        }
    }

    /// Keeps the mapping's folios off the evictable LRU lists: they exist nowhere else.
    pub fn set_unevictable(&self) {
        // SAFETY: The mapping is valid; called before the inode is visible.
        unsafe { bindings::mapping_set_unevictable(self.as_ptr()) };
    }
}
