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
use crate::rshmem::filesystem::Rshmem;
use crate::rshmem::punch_wait::PunchSlot;
use crate::rshmem::xattr::XattrStore;
use core::sync::atomic::{AtomicI64, AtomicU32, Ordering};
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

/// The folio at `index`, locked: the one in the page cache, or a new one charged to the
/// instance. Says whether it is new. Either may be not uptodate yet (see `kernel/mm/folio.rs`):
/// the caller zeroes or writes it before anything hands it out.
///
/// The folio is returned locked and still in the page cache: a racing truncation (which
/// removes folios under their lock) either removed it before we locked it, and we look
/// again, or waits for us.
// Inlined: the lookup of a folio already present is every fault's and every write's
// common case; what allocates is out of line (`get_new_folio`).
#[inline(always)]
pub fn get_folio(inode: &Inode<Rshmem>, index: u64) -> Result<(LockedFolio, bool)> {
    let mapping = inode.mapping();
    if let Some(folio) = mapping.get_locked(index) {
        // `__filemap_get_folio` looks again if truncation took the folio while it waited
        // for the lock, so this holds; it is cheap to check where it matters.
        if folio.belongs_to(mapping) {
            return Ok((folio, false));
        }
    }
    get_new_folio(inode, index)
}

/// `get_folio` when the first lookup found nothing (or a folio truncated under it): a new
/// folio, unless a racing fault or write inserts one first.
#[inline(never)]
fn get_new_folio(inode: &Inode<Rshmem>, index: u64) -> Result<(LockedFolio, bool)> {
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
        } else {
            match mapping.add_new(index) {
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
