// SPDX-License-Identifier: GPL-2.0

//! Giving back the pages of large folios past the end of their files when the instance
//! is full: tmpfs's `shmem_unused_huge_shrink` on a failed charge.
//!
//! With `huge=always` a write allocates a PMD-size folio wherever it lands (as tmpfs
//! does), so a 12 KiB file holds, and is charged, 2 MiB. tmpfs lists such files
//! (`shrinklist`) and, when charging a new folio fails, splits their last folio so that
//! the pages past the end leave the page cache (`__split_huge_page` drops them), then
//! charges again. rshmem does the same with a flag per inode (`tail`) and a count per
//! instance (`tails`), and finds the flagged inodes by walking the instance's inode list,
//! oldest first, as tmpfs's list is in the order its files were added (the count keeps a
//! full instance without any from walking it at every failed charge).
//!
//! tmpfs calls `split_folio` under the folio lock alone: the split drops exactly the
//! pages past the size it reads, so a racing write that extends the file loses nothing.
//! `split_folio` is not exported to modules; the truncation rshmem splits with instead
//! removes every page of its range, so it needs the file's `i_rwsem` to keep writers
//! out. Hence two differences: a fault that finds the instance full trims nothing (it
//! must not take an `i_rwsem`), and neither does the file being written (its `i_rwsem`
//! is the caller's, and fallocate could lose pages this very call counted as
//! allocated).
//!
//! # Locking and races
//!
//! The flag is set and cleared under the inode's `i_rwsem`, which every path that can
//! leave a large folio past the end holds: write(2) (`get_new_folio` with
//! `Want::Write`), and truncation that cannot split the folio at the new end (it zeroes
//! the part past the end and keeps the folio, `truncate_inode_partial_folio`). A fault's
//! folio lies within the file (`large_order`), and fallocate's within the file and its
//! range. `reclaim` takes another file's `i_rwsem` with a trylock only: its caller holds
//! its own file's (write and fallocate call it, faults do not, since a fault must not
//! take `i_rwsem`), and waiting for a second one could deadlock against a writer that
//! waits for ours. A file whose lock is busy is skipped and keeps its flag.
//!
//! Under the other file's `i_rwsem` no write, truncation, punch or fallocate can move its
//! size or add pages past it, so the split drops exactly the pages past the end it reads.
//! A fault racing with it waits on the folio lock the truncation holds, then finds the
//! order-0 folios; a fault past the end gets SIGBUS as ever. Pages past the end are zeros
//! (writes there extend the size first; truncation zeroes what it leaves past the end), so
//! dropping them loses nothing but the charge, except preallocated ones: a file that
//! fallocate gave pages past its end (`falloc_end`) is left alone, since the split would
//! drop those too (tmpfs spares them with `shmem_fallocend`, internal to shmem).

#![deny(unsafe_code)]

use crate::kapi::fs::inode::Inode;
use crate::kapi::mm::PAGE_SIZE;
use crate::rshmem::filesystem::Rshmem;
use crate::rshmem::rshmem_inode::recalc;
use core::sync::atomic::Ordering;

/// Marks `inode` as possibly holding a large folio past its end. Under its `i_rwsem`.
pub fn note(inode: &Inode<Rshmem>) {
    if !inode.data().tail.swap(true, Ordering::Relaxed) {
        inode
            .super_block()
            .info()
            .tails
            .fetch_add(1, Ordering::Relaxed);
    }
}

/// Clears the mark: under `i_rwsem`, or at eviction.
pub fn forget(inode: &Inode<Rshmem>) {
    if inode.data().tail.swap(false, Ordering::Relaxed) {
        inode
            .super_block()
            .info()
            .tails
            .fetch_sub(1, Ordering::Relaxed);
    }
}

/// Gives back the pages past the end of the marked files of `writer`'s instance but
/// `writer` (whose `i_rwsem` the caller holds), until `want` pages are free or none is
/// left to try. Returns the pages given back. The caller holds no folio lock.
pub fn reclaim(writer: &Inode<Rshmem>, want: u64) -> u64 {
    let sb = writer.super_block();
    if sb.info().tails.load(Ordering::Relaxed) == 0 {
        return 0;
    }
    let mut freed = 0u64;
    sb.for_each_inode(|inode| {
        if !core::ptr::eq(inode, writer) && inode.data().tail.load(Ordering::Relaxed) {
            freed += trim(inode);
        }
        freed < want
    });
    freed
}

/// Splits the folio at the end of `inode` and gives back its pages past the end; returns
/// how many. The mark stays only if the file's `i_rwsem` or the folio was busy.
fn trim(inode: &Inode<Rshmem>) -> u64 {
    let Some(locked) = inode.try_lock() else {
        return 0;
    };
    let Some((start, last)) = tail(&locked) else {
        forget(&locked);
        return 0;
    };
    let mapping = locked.mapping();
    let before = mapping.nrpages();
    // Truncating the whole pages past the end splits the folio (and the split drops
    // them), or, if it cannot split it now (extra references), zeroes them and keeps it.
    mapping.truncate_range(start, last);
    let after = mapping.nrpages();
    if after >= before {
        return 0;
    }
    recalc(&locked, 0);
    forget(&locked);
    before - after
}

/// The bytes `[start, last]` of the pages of the file's last folio past its end, if that
/// folio is large, reaches past the end, and holds no preallocated pages there. Under
/// `i_rwsem`.
fn tail(inode: &Inode<Rshmem>) -> Option<(i64, i64)> {
    // `0 <= i_size <= MAX_LFS_FILESIZE`: no overflow below.
    let size = inode.size() as u64;
    let size_pages = size.div_ceil(PAGE_SIZE);
    // The folio holding the last byte, or the first page past the end.
    let folio = inode.mapping().get(size / PAGE_SIZE)?;
    let first = folio.index();
    let next = first + folio.nr_pages();
    if next - first == 1 || size_pages <= first || size_pages >= next {
        return None;
    }
    if inode.data().falloc_end.load(Ordering::Relaxed) > size_pages {
        // Preallocated pages past the end: the split would drop them.
        return None;
    }
    // `size_pages < next <= 2^51`, so the first byte past the end is below 2^63 and the
    // folio's last byte at most 2^63 - 1: both fit an `i64`.
    Some((
        i64::try_from(size_pages * PAGE_SIZE).ok()?,
        i64::try_from(next * PAGE_SIZE - 1).ok()?,
    ))
}
