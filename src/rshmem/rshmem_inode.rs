// SPDX-License-Identifier: GPL-2.0

//! An rshmem inode's own data (its page charge, its punch slot, its birth time and
//! `chattr` flags, which `inode_attr.rs` reports and changes), and the one place folios
//! enter a file's page cache.
//!
//! Locks: the folio lock (`get_folio` returns it held); under it the inode's `alloced`
//! spinlock and then the `Space` spinlock (`recalc` holds the first while it returns a
//! charge). Both are leaves. The order of the whole module is in `fault.rs`.
//!
//! # Accounting
//!
//! A folio is charged to the instance (`Space`) before it is inserted, so a full
//! filesystem fails the allocation with `ENOSPC` before anything changes. After the
//! insertion, `recalc` adds it to the inode's `alloced` count. Folios leave the page cache
//! through the generic truncation helpers, which know nothing of the charge; `recalc`
//! then finds `alloced` above the page cache's `nrpages` and returns the difference. This
//! is `shmem_recalc_inode`'s scheme: `alloced` and the comparison are under the inode's
//! `alloced` lock, and `nrpages` may only be below `alloced` by folios already removed,
//! never by folios not yet counted, because a folio is counted only after it is inserted.

#![deny(unsafe_code)]

use crate::kapi::fs::attr::Timespec;
use crate::kapi::fs::inode::Inode;
use crate::kapi::mm::folio::LockedFolio;
use crate::kapi::mm::{HPAGE_PMD_ORDER, PAGE_SIZE};
use crate::rshmem::filesystem::Rshmem;
use crate::rshmem::huge_tails;
use crate::rshmem::mount_options::Huge;
use crate::rshmem::punch_wait::{punch_in_progress, PunchSlot};
use crate::rshmem::xattr::XattrStore;
use core::sync::atomic::{fence, AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use kernel::new_spinlock;
use kernel::prelude::*;
use kernel::sync::SpinLock;

/// The data rshmem keeps in each inode.
#[pin_data]
pub struct RshmemInode {
    /// Pages of the page cache charged to the instance on this inode's behalf.
    #[pin]
    alloced: SpinLock<u64>,
    /// The hole punch in progress, if any: the one pointer the protocol of
    /// `punch_wait.rs` adds to each inode.
    pub(crate) punch: PunchSlot,
    /// The birth time (`statx`'s `stx_btime`), as tmpfs keeps it (`i_crtime`): the
    /// inode's first mtime. Written once while the inode is new and only its creator's
    /// (`set_birth_time`), before `d_instantiate` or `d_tmpfile` publish it; read by
    /// `getattr`. Atomics only for interior mutability: publication orders the write
    /// before any read, so relaxed accesses suffice.
    birth_sec: AtomicI64,
    birth_nsec: AtomicI64,
    /// Whether the file may hold a large folio that reaches past its end, whose pages
    /// there `huge_tails.rs` can give back; set and cleared under `i_rwsem`.
    pub(crate) tail: AtomicBool,
    /// The page after the last that fallocate allocated past the end of the file (0 if
    /// none): pages past the end below it are preallocated and must stay (tmpfs's
    /// `fallocend`). Raised by fallocate, lowered to the new end by a truncation (which
    /// removes them), both under `i_rwsem`.
    pub(crate) falloc_end: AtomicU64,
    /// The `FS_*_FL` flags `chattr` set (tmpfs's `fsflags`; see `inode_attr.rs`).
    /// Written under `i_rwsem` (`fileattr_set`) or while the inode is new, read without
    /// it (`stat`, `FS_IOC_GETFLAGS`), as on tmpfs: a reader racing with `chattr` sees
    /// the flags before or after, each a whole word.
    fsflags: AtomicU32,
    /// Extended attributes (`xattr.rs`).
    #[pin]
    pub(crate) xattrs: XattrStore,
}

impl RshmemInode {
    /// The data of a new inode.
    pub fn new() -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            alloced <- new_spinlock!(0, "rshmem_inode_alloced"),
            punch: PunchSlot::new(),
            birth_sec: AtomicI64::new(0),
            birth_nsec: AtomicI64::new(0),
            fsflags: AtomicU32::new(0),
            tail: AtomicBool::new(false),
            falloc_end: AtomicU64::new(0),
            xattrs <- XattrStore::new(),
        }? Error)
    }

    /// Records the birth time of a new inode.
    pub fn set_birth_time(&self, t: Timespec) {
        self.birth_sec.store(t.sec, Ordering::Relaxed);
        self.birth_nsec.store(t.nsec, Ordering::Relaxed);
    }

    /// The birth time.
    pub fn birth_time(&self) -> Timespec {
        Timespec {
            sec: self.birth_sec.load(Ordering::Relaxed),
            nsec: self.birth_nsec.load(Ordering::Relaxed),
        }
    }

    /// The `chattr` flags (`FS_*_FL`).
    pub fn fsflags(&self) -> u32 {
        self.fsflags.load(Ordering::Relaxed)
    }

    /// Sets the `chattr` flags; under `i_rwsem`, or on a new inode.
    pub fn set_fsflags(&self, flags: u32) {
        self.fsflags.store(flags, Ordering::Relaxed);
    }
}

/// Brings the inode's charge in line with its page cache after `added` pages were
/// inserted (0 after removals): returns what the page cache no longer holds, and updates
/// `st_blocks`.
pub fn recalc(inode: &Inode<Rshmem>, added: u64) {
    let space = &inode.super_block().info().space;
    let mut alloced = inode.data().alloced.lock();
    *alloced += added;
    let freed = alloced.saturating_sub(inode.mapping().nrpages());
    if freed > 0 {
        *alloced -= freed;
        space.uncharge_blocks(freed);
    }
    inode.set_blocks(*alloced);
}

/// A long symlink's page. tmpfs keeps a target longer than 127 bytes in a page of the
/// page cache (`shmem_symlink`), which `size=`, statfs and `st_blocks` count; rshmem
/// keeps every target in the inode (`i_link`), but charges and shows the page all the
/// same, so that the two fill up alike. Fails with `ENOSPC` when the instance is full.
/// The charge is in `alloced` with no folio behind it: eviction's `recalc` returns it.
pub fn charge_long_symlink(inode: &Inode<Rshmem>) -> Result {
    inode.super_block().info().space.charge_blocks(1)?;
    let mut alloced = inode.data().alloced.lock();
    *alloced += 1;
    inode.set_blocks(*alloced);
    Ok(())
}

/// What a folio is being looked up or allocated for, which decides, with `huge=`,
/// whether a new one may be a PMD-size folio (see [`large_order`]).
#[derive(Clone, Copy)]
pub enum Want {
    /// Only an order-0 folio (a replacement for a poisoned page).
    Small,
    /// A page fault; `vma_huge`: the mapping asked for huge pages (`MADV_HUGEPAGE`).
    Fault {
        /// See above.
        vma_huge: bool,
    },
    /// write(2), whose copy ends at byte `end`.
    Write {
        /// See above.
        end: u64,
    },
    /// fallocate(2) allocating pages `[start, end)`, after which the file is `size`
    /// bytes long.
    Falloc {
        /// See above.
        start: u64,
        /// See above.
        end: u64,
        /// See above.
        size: u64,
    },
}

/// The order of the folio to allocate at page `index` for `want`: [`HPAGE_PMD_ORDER`]
/// where `huge=` allows a PMD-size folio there, 0 otherwise.
///
/// `huge=` as tmpfs reads it (`shmem_huge_global_enabled`): `always` everywhere,
/// `within_size` where the file's size (or the write's end) covers the whole folio,
/// `advise` for faults in mappings with `MADV_HUGEPAGE`, and `within_size` those too.
/// Two rules of rshmem's own, stricter than tmpfs's:
/// - a fault's folio lies wholly within `i_size`, even with `always`: the mm maps no
///   PMD across `i_size` for a filesystem other than shmem (finish_fault,
///   filemap_map_pages), so a larger folio would only cost memory; and a fault that
///   could create one across the size that truncation is moving could race with
///   `truncate_inode_pages_range`, which (without the `invalidate_lock` that rshmem's
///   faults do not take) removes a large folio it finds across the boundary whole
///   (see `get_new_folio`);
/// - fallocate's folio lies wholly within the range and within the file: preallocation
///   past `i_size` stays order 0, because splitting a large folio (a later punch or
///   truncation through it) drops its pages past `i_size` (`__split_huge_page`), and
///   with them preallocated space (tmpfs keeps them with `shmem_fallocend`).
pub fn large_order(inode: &Inode<Rshmem>, index: u64, want: Want) -> u32 {
    let order = HPAGE_PMD_ORDER;
    if order == 0 {
        return 0;
    }
    let huge = inode.super_block().info().huge();
    if huge == Huge::Never {
        return 0;
    }
    let nr = 1u64 << order;
    let first = index & !(nr - 1);
    // `index <= MAX_LFS_FILESIZE >> PAGE_SHIFT` (2^51), so this does not overflow.
    let end = first + nr;
    // Pages `[0, size_pages)` hold the file's bytes. `i_size <= MAX_LFS_FILESIZE`.
    let size_pages = |size: u64| size.div_ceil(PAGE_SIZE);
    let within = |size: u64| size_pages(size) >= end;
    let i_size = inode.size() as u64;
    match want {
        Want::Small => 0,
        Want::Fault { vma_huge } => {
            let allowed = match huge {
                Huge::Never => false,
                Huge::Always | Huge::WithinSize => true,
                Huge::Advise => vma_huge,
            };
            if allowed && within(i_size) && !punch_in_progress(inode) {
                order
            } else {
                0
            }
        }
        Want::Write { end: write_end } => match huge {
            Huge::Always => order,
            Huge::WithinSize if within(i_size.max(write_end)) => order,
            _ => 0,
        },
        Want::Falloc {
            start,
            end: last,
            size,
        } => match huge {
            Huge::Always | Huge::WithinSize if first >= start && end <= last && within(size) => {
                order
            }
            _ => 0,
        },
    }
}

/// The folio at `index`, locked: the one in the page cache, or a new one charged to the
/// instance, of the order [`large_order`] gives for `want` (or order 0 if that fails).
/// Says whether it is new. Either may be not uptodate yet, and either may be a large
/// folio that covers `index` and its neighbours (see `kernel/mm/folio.rs`): the caller
/// zeroes or writes all of it before anything hands it out.
///
/// The folio is returned locked and still in the page cache: a racing truncation (which
/// removes folios under their lock) either removed it before we locked it, and we look
/// again, or waits for us.
// Inlined: the lookup of a folio already present is every fault's and every write's
// common case; what allocates is out of line (`get_new_folio`).
#[inline(always)]
pub fn get_folio(inode: &Inode<Rshmem>, index: u64, want: Want) -> Result<(LockedFolio, bool)> {
    let mapping = inode.mapping();
    if let Some(folio) = mapping.get_locked(index) {
        // `__filemap_get_folio` looks again if truncation took the folio while it waited
        // for the lock, so this holds; it is cheap to check where it matters.
        if folio.belongs_to(mapping) {
            return Ok((folio, false));
        }
    }
    get_new_folio(inode, index, want)
}

/// Whether an allocation for `want` may give back other files' pages past their ends
/// when the instance is full (`huge_tails.rs`): write(2) and fallocate, which hold the
/// file's `i_rwsem` and no folio lock; not a fault, which must not take an `i_rwsem`.
fn may_reclaim(want: Want) -> bool {
    matches!(want, Want::Write { .. } | Want::Falloc { .. })
}

/// Tries to insert a PMD-size folio over page `index`: `None` if another folio holds a
/// page of its range already (a smaller folio covers part of it), if it cannot be
/// charged against `size=` or allocated (fragmentation), or if a fault's folio lost a
/// race described below; the caller then falls back to order 0.
fn try_large_folio(
    inode: &Inode<Rshmem>,
    index: u64,
    order: u32,
    want: Want,
) -> Option<LockedFolio> {
    let mapping = inode.mapping();
    let space = &inode.super_block().info().space;
    let nr = 1u64 << order;
    let first = index & !(nr - 1);
    // A hint, which saves allocating 2 MiB only to have `add_new` fail with `EEXIST`.
    if mapping.has_folios(first, first + nr - 1) {
        return None;
    }
    if space.charge_blocks(nr).is_err() {
        // Full: give back what large folios hold past the ends of files, and try once
        // more, as shmem_alloc_and_add_folio does (`huge_tails.rs`; not in a fault).
        if !may_reclaim(want) || huge_tails::reclaim(inode, nr) == 0 {
            return None;
        }
        space.charge_blocks(nr).ok()?;
    }
    let folio = match mapping.add_new(first, order) {
        Ok(folio) => folio,
        Err(_) => {
            // `EEXIST` (a racing fault or write inserted a folio in the range) or
            // `ENOMEM`: order 0 then.
            space.uncharge_blocks(nr);
            return None;
        }
    };
    recalc(inode, nr);
    if let Want::Write { end } = want {
        // A write's folio may reach past the end the file has after it: one to trim
        // when the instance is full. (`first + nr <= 2^51`: no overflow.)
        if (first + nr) * PAGE_SIZE > end.max(inode.size() as u64) {
            huge_tails::note(inode);
        }
    }
    if let Want::Fault { .. } = want {
        // A fault holds neither `i_rwsem` nor the `invalidate_lock`, so truncation and
        // punches run beside it, and `truncate_inode_pages_range` deals with a large folio
        // across the boundary of its range only if it finds it at the boundary's index,
        // at the start of its work: one it finds later in its second pass it removes
        // whole, pages outside the range included, and with them what this fault's
        // process may write there. So the folio may stay only if, now that it is in the
        // page cache, no truncation has moved `i_size` into it and no punch is
        // published: then either the truncation or punch is still to begin its walk,
        // and its lookup at the boundary will find this folio and split it, or zero its
        // part of the range and keep it (truncate_inode_partial_folio); or there is none.
        // The full fence orders our insertion (a store under the xarray's lock) before the
        // loads below, against setattr and fallocate, which write `i_size` or publish
        // before they look folios up. Losing this race costs the huge page only: the folio
        // is new, locked and not uptodate, so nothing has seen its contents, and it goes.
        fence(Ordering::SeqCst);
        let size_pages = (inode.size() as u64).div_ceil(PAGE_SIZE);
        if size_pages < first + nr || punch_in_progress(inode) {
            folio.remove_from(mapping);
            drop(folio);
            recalc(inode, 0);
            return None;
        }
    }
    Some(folio)
}

/// `get_folio` when the first lookup found nothing (or a folio truncated under it): a new
/// folio, unless a racing fault or write inserts one first.
#[inline(never)]
fn get_new_folio(inode: &Inode<Rshmem>, index: u64, want: Want) -> Result<(LockedFolio, bool)> {
    let order = large_order(inode, index, want);
    if order != 0 {
        if let Some(folio) = try_large_folio(inode, index, order, want) {
            return Ok((folio, true));
        }
    }
    let mapping = inode.mapping();
    let space = &inode.super_block().info().space;
    let mut retried_enospc = false;
    loop {
        if let Err(e) = space.charge_blocks(1) {
            // The charge of pages truncated away may not be returned yet: do that
            // and try once more, as shmem_get_folio_gfp does.
            if retried_enospc {
                return Err(e);
            }
            retried_enospc = true;
            recalc(inode, 0);
            if may_reclaim(want) {
                huge_tails::reclaim(inode, 1);
            }
        } else {
            match mapping.add_new(index, 0) {
                Ok(folio) => {
                    recalc(inode, 1);
                    return Ok((folio, true));
                }
                Err(e) => {
                    space.uncharge_blocks(1);
                    // EEXIST: a racing fault or write inserted one first; use theirs.
                    if e != EEXIST {
                        return Err(e);
                    }
                }
            }
        }
        // Look again: after EEXIST, or with the charge returned, and before a second
        // ENOSPC, for a folio someone else inserted meanwhile.
        if let Some(folio) = mapping.get_locked(index) {
            if folio.belongs_to(mapping) {
                return Ok((folio, false));
            }
            // Truncated or punched while we waited for the lock: a new one, then.
        }
    }
}
