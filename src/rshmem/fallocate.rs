// SPDX-License-Identifier: GPL-2.0

//! fallocate: preallocation (with and without KEEP_SIZE), ZERO_RANGE, and PUNCH_HOLE
//! published to faults so that they cannot starve it (`punch_wait.rs`).
//!
//! Locks: `i_rwsem` (exclusive) for the whole call, which excludes write(2), truncate
//! and other fallocates (MADV_REMOVE comes here too). Under it: `i_lock` to publish a
//! punch, folio locks (`get_folio`, the truncation helpers), `i_mmap_rwsem` and PTLs
//! (`unmap_mapping_range`). Faults keep running: they are what the punch protocol and
//! the undo below are about. The order of the whole module is in `fault.rs`.
//!
//! Preallocated pages are folios left not uptodate, as on tmpfs: nothing zeroes them
//! until a fault maps them or a write fills them (`kernel/mm/folio.rs`). They read as
//! zeros, count in `st_blocks` and statfs, and SEEK_DATA and SEEK_HOLE take them for
//! holes, as tmpfs does (`regular_file.rs`). Being not uptodate is also what marks a page as this call's own for the undo
//! after a failure, as in shmem_fallocate: no bitmap, however large the range.
//!
//! The user's offset and length become a [`ByteRange`] at the entry; everything after
//! works on it, in `u64`, and cannot overflow whatever the range.

#![deny(unsafe_code)]

use crate::kapi::error;
use crate::kapi::fs::file::falloc::{KEEP_SIZE, PUNCH_HOLE, ZERO_RANGE};
use crate::kapi::fs::file::File;
use crate::kapi::fs::inode::{Inode, LockedInode};
use crate::kapi::mm::PAGE_SIZE;
use crate::kapi::task;
use crate::rshmem::file_range::ByteRange;
use crate::rshmem::filesystem::Rshmem;
use crate::rshmem::punch_wait::punch_published;
use crate::rshmem::rshmem_inode::{get_folio, recalc, Want};
use core::sync::atomic::{fence, Ordering};
use kernel::prelude::*;

/// `fallocate(2)`. vfs_fallocate() has already rejected a negative offset, a length
/// that is not positive (EINVAL), PUNCH_HOLE without KEEP_SIZE (EOPNOTSUPP), ZERO_RANGE
/// with PUNCH_HOLE (EINVAL) and ranges past `s_maxbytes` (EFBIG); `ByteRange` checks the
/// range again rather than trust that. What is left for us: COLLAPSE, INSERT and
/// UNSHARE (and unknown modes) are not supported.
pub fn fallocate(file: &File<Rshmem>, mode: i32, offset: i64, len: i64) -> Result {
    if mode & !(KEEP_SIZE | PUNCH_HOLE | ZERO_RANGE) != 0 {
        return Err(error::EOPNOTSUPP());
    }
    let range = ByteRange::new(offset, len)?;
    let inode = file.inode();
    let inode = inode.lock();
    // Set-id bits go before anything changes, as on ext4 and xfs: if that fails, the
    // call fails having done nothing, rather than after the work is done.
    file.remove_privs()?;
    if mode & PUNCH_HOLE != 0 {
        punch(&inode, range);
    } else {
        allocate(&inode, mode, range)?;
    }
    // Then the times, on success only, as on tmpfs. generic_update_time() cannot fail,
    // and the data is changed already: nothing is left to report.
    file.update_times();
    Ok(())
}

/// Removes the whole pages of `range` and zeroes the parts of the partial pages at its
/// edges.
///
/// The invariant of the 2014 shmem fixes for trinity's punch starvation: all data in
/// the hole when the punch starts is gone when it ends. `truncate_range` visits every
/// folio in the range, and removes each under its lock, so none present at the start
/// can escape. Faults into the published range wait until we are done instead of adding
/// pages behind the cursor. (Data a fault that raced with the publication writes behind
/// the cursor may remain: it was written during the punch.)
fn punch(inode: &Inode<Rshmem>, range: ByteRange) {
    let mapping = inode.mapping();
    let hole = range.whole_pages();
    punch_published(inode, hole.start(), hole.end(), || {
        // Orders the publication before the walk below finds folios, against a fault
        // that inserts a large folio and then looks for a punch (`try_large_folio` in
        // `rshmem_inode.rs`): one of the two sees the other.
        fence(Ordering::SeqCst);
        // Unmapping the whole range first, in one pass, rather than page by page as
        // truncation finds mapped folios, is what keeps the punch fast against many
        // mappings ("shmem: fix faulting into a hole while it's punched").
        if let Some((start, len)) = hole.byte_span() {
            mapping.unmap_range(start, len, false);
        }
        mapping.truncate_range(range.start_pos(), range.last_pos());
        // No second unmap: a hole punch leaves private COW copies alone, as on tmpfs.
    });
    recalc(inode, 0);
}

/// Allocates the pages of `range`; with ZERO_RANGE, zeroes the range. On failure
/// (ENOSPC, ENOMEM, a fatal signal) it removes again the pages this call added and that
/// nothing has written or mapped since, and changes nothing else.
fn allocate(inode: &LockedInode<Rshmem>, mode: i32, range: ByteRange) -> Result {
    // RLIMIT_FSIZE and s_maxbytes (EFBIG), even with KEEP_SIZE, as on tmpfs.
    inode.newsize_ok(range.end_pos())?;
    let pages = range.pages();
    let max = inode.super_block().info().space.usage().max_blocks;
    // A range larger than the whole filesystem cannot succeed: fail before any work.
    if max != 0 && pages.len() > max {
        return Err(ENOSPC);
    }
    // The size the file has after the call, which large folios stay within
    // (`large_order`).
    let size = if mode & KEEP_SIZE == 0 {
        range.end().max(inode.size() as u64)
    } else {
        inode.size() as u64
    };
    let want = Want::Falloc {
        start: pages.start(),
        end: pages.end(),
        size,
    };
    // Folio by folio: `index` moves to the page after the folio that covers it, which may
    // be a large one.
    let mut index = pages.start();
    while index < pages.end() {
        // A fatal signal stops a preallocation, as on tmpfs; other signals do not, or
        // periodic timers could keep a long one restarting for ever.
        let got = if task::fatal_signal_pending() {
            Err(EINTR)
        } else {
            preallocate(inode, index, want)
        };
        match got {
            Ok(next) => index = next,
            Err(e) => {
                undo(inode, pages.start(), index);
                return Err(e);
            }
        }
        task::cond_resched();
    }
    if mode & ZERO_RANGE != 0 {
        if let Err(e) = zero(inode, range) {
            undo(inode, pages.start(), pages.end());
            return Err(e);
        }
    }
    if mode & KEEP_SIZE == 0 && range.end_pos() > inode.size() {
        inode.set_size(range.end_pos());
    }
    // Pages past the end of the file are preallocated now: `huge_tails.rs` must not
    // split a folio that holds some of them.
    if pages.end() > size.div_ceil(PAGE_SIZE) {
        inode
            .data()
            .falloc_end
            .fetch_max(pages.end(), Ordering::Relaxed);
    }
    Ok(())
}

/// Makes sure page `index` has a folio, and returns the index of the page after that
/// folio (which may be a large one, and then covers pages around `index`). A new one
/// stays not uptodate: it reads as zeros, and marks its pages as this call's for `undo`.
/// One an earlier fallocate left not uptodate is zeroed, all of it, and made uptodate
/// now, so that our undo cannot take away the pages that call guaranteed
/// (shmem_get_folio_gfp does the same for SGP_FALLOC). All folios are dirty from their
/// insertion on (`Mapping::add_new`): nothing to mark.
fn preallocate(inode: &Inode<Rshmem>, index: u64, want: Want) -> Result<u64> {
    let (folio, new) = get_folio(inode, index, want)?;
    // A poisoned folio is left as it is: zeroing would write to the failed memory.
    if !new && !folio.is_hwpoison() {
        folio.make_uptodate();
    }
    // The folio covers `index`, below 2^51, and is at most a PMD: no overflow.
    Ok(folio.index() + folio.nr_pages())
}

/// ZERO_RANGE, once every page of the range has a folio. They all stay: `i_rwsem` keeps
/// truncation, punches and writes out, and faults do not remove pages that were there.
/// Each is zeroed in place (a folio not uptodate reads as zeros already), so shared
/// mappings see the zeros at once and private COW copies keep what they had.
///
/// What SEEK_DATA and SEEK_HOLE then report follows from the uptodate state, the one
/// rule of `llseek`: a page this call allocated stays not uptodate, a hole until written
/// (an unwritten extent, as ext4 and xfs report it); a page that held data, or that an
/// earlier preallocation left and `preallocate` committed, is uptodate and zeroed: data.
/// (ext4 and xfs drop those from the page cache and report holes; a folio that may be
/// mapped cannot be made not uptodate again, and replacing it would unmap it.)
fn zero(inode: &Inode<Rshmem>, range: ByteRange) -> Result {
    let mapping = inode.mapping();
    let pages = range.pages();
    let mut index = pages.start();
    while index < pages.end() {
        // A dying task stops here; the undo leaves what was zeroed zeroed.
        if task::fatal_signal_pending() {
            return Err(EINTR);
        }
        let (folio, _) = get_folio(inode, index, Want::Small)?;
        // The part of the range inside the folio, from the folio's first byte. Positions
        // are below 2^63 and a folio is at most a PMD: nothing here overflows a `u64`.
        let first = folio.pos() as u64;
        let size = folio.size() as u64;
        let from = range.start().max(first);
        let to = range.end().min(first + size);
        index = folio.index() + folio.nr_pages();
        if from >= to {
            continue;
        }
        let (offset, len) = ((from - first) as usize, (to - from) as usize);
        if folio.is_hwpoison() {
            // Memory failure kept the folio (see `kernel/fs.rs`). A part of it cannot be
            // zeroed without reading the rest, which is lost: EIO, as a write to it
            // gets. A whole one is replaced by a new page, which reads as zeros; the
            // loop goes on after it, and allocates the rest of a large one's pages.
            if len < folio.size() {
                return Err(EIO);
            }
            let start = folio.index();
            folio.remove_from(mapping);
            drop(folio);
            recalc(inode, 0);
            let (new, _) = get_folio(inode, start, Want::Small)?;
            index = new.index() + new.nr_pages();
        } else if folio.is_uptodate() {
            folio.zero_range(offset, len);
        }
        task::cond_resched();
    }
    Ok(())
}

/// Removes the folios of pages `[start, end)` that are not uptodate: the ones this
/// call added and nothing has written or mapped since. A fault zeroes and marks uptodate
/// a page before it maps it, under the folio lock we take here, so a page a fault
/// mapped meanwhile stays; writes are kept out by `i_rwsem`, and the pages that were
/// there before the call are uptodate by now (`preallocate`).
fn undo(inode: &Inode<Rshmem>, start: u64, end: u64) {
    let mapping = inode.mapping();
    for index in start..end {
        if let Some(folio) = mapping.get_locked(index) {
            if folio.belongs_to(mapping) && !folio.is_uptodate() {
                folio.remove_from(mapping);
            }
        }
        task::cond_resched();
    }
    recalc(inode, 0);
}
