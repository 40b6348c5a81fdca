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
//! until a fault maps them or a write fills them (`folio.rs`). They read as zeros, count
//! in `st_blocks` and statfs, and SEEK_DATA reports them as data (tmpfs reports them as
//! holes).

use crate::errno;
use crate::file::File;
use crate::filesystem::Rshmem;
use crate::inode::Inode;
use crate::mm::{PAGE_SHIFT, PAGE_SIZE};
use crate::punch_wait::punch_published;
use crate::rshmem_inode::{get_folio, recalc};
use crate::task;
use kernel::prelude::*;

/// `FALLOC_FL_KEEP_SIZE`.
pub const KEEP_SIZE: i32 = 0x01;
/// `FALLOC_FL_PUNCH_HOLE`.
pub const PUNCH_HOLE: i32 = 0x02;
/// `FALLOC_FL_ZERO_RANGE`.
pub const ZERO_RANGE: i32 = 0x10;

/// `fallocate(2)`. vfs_fallocate() has already rejected a negative offset, a length
/// that is not positive (EINVAL), PUNCH_HOLE without KEEP_SIZE (EOPNOTSUPP), ZERO_RANGE
/// with PUNCH_HOLE (EINVAL) and ranges past `s_maxbytes` (EFBIG). What is left for us:
/// COLLAPSE, INSERT and UNSHARE (and unknown modes) are not supported.
pub fn fallocate(file: &File, mode: i32, offset: i64, len: i64) -> Result {
    if mode & !(KEEP_SIZE | PUNCH_HOLE | ZERO_RANGE) != 0 {
        return Err(errno::EOPNOTSUPP());
    }
    // SAFETY: `fallocate` is only installed on rshmem files.
    let inode = unsafe { file.inode::<Rshmem>() };
    let _guard = inode.lock();
    if mode & PUNCH_HOLE != 0 {
        punch(inode, offset, len);
    } else {
        allocate(inode, mode, offset, len)?;
    }
    file.modified()
}

/// Removes the whole pages of `[offset, offset + len)` and zeroes the parts of the
/// partial pages at its edges.
///
/// Seed 002's invariant: all data in the hole when the punch starts is gone when it
/// ends. `truncate_range` visits every folio in the range, and removes each under its
/// lock, so none present at the start can escape. Faults into the published range wait
/// until we are done instead of adding pages behind the cursor. (Data a fault that
/// raced with the publication writes behind the cursor may remain: it was written
/// during the punch.)
fn punch(inode: &Inode<Rshmem>, offset: i64, len: i64) {
    let mapping = inode.mapping();
    let page = PAGE_SIZE as i64;
    let unmap_start = (offset + page - 1) & !(page - 1);
    let unmap_end = ((offset + len) & !(page - 1)) - 1;
    let start = (unmap_start >> PAGE_SHIFT) as u64;
    let next = ((unmap_end + 1) >> PAGE_SHIFT) as u64;
    punch_published(inode, start, next, || {
        // Unmapping the whole range first, in one pass, rather than page by page as
        // truncation finds mapped folios, is what keeps the punch fast against many
        // mappings (seed 000).
        if unmap_end > unmap_start {
            mapping.unmap_range(unmap_start, 1 + unmap_end - unmap_start, false);
        }
        mapping.truncate_range(offset, offset + len - 1);
        // No second unmap: a hole punch leaves private COW copies alone, as on tmpfs.
    });
    recalc(inode, 0);
}

/// Allocates the pages of `[offset, offset + len)`; with ZERO_RANGE, zeroes the range.
/// On failure (ENOSPC, a fatal signal) it removes again the pages this call added and
/// that nothing has written since, and changes nothing else.
fn allocate(inode: &Inode<Rshmem>, mode: i32, offset: i64, len: i64) -> Result {
    let end_byte = offset + len;
    // RLIMIT_FSIZE and s_maxbytes (EFBIG), even with KEEP_SIZE, as on tmpfs.
    inode.newsize_ok(end_byte)?;
    let start = (offset >> PAGE_SHIFT) as u64;
    let end = ((end_byte as u64) + PAGE_SIZE - 1) >> PAGE_SHIFT;
    let space = &inode.super_block().info().space;
    let max = space.usage().max_blocks;
    // A range larger than the whole filesystem cannot succeed: fail before any work.
    if max != 0 && end - start > max {
        return Err(ENOSPC);
    }
    let mut added = AddedPages::new(end - start)?;
    for index in start..end {
        let got = if task::fatal_signal_pending() {
            Err(EINTR)
        } else {
            get_folio(inode, index)
        };
        match got {
            Ok((folio, new)) => {
                if new {
                    // Marked until something writes it: the undo leaves written pages.
                    folio.set_unwritten();
                    added.set(index - start);
                }
                folio.mark_dirty();
            }
            Err(e) => {
                undo(inode, start, index, &added);
                return Err(e);
            }
        }
        task::cond_resched();
    }
    if mode & ZERO_RANGE != 0 {
        // Every page is there now, and stays: i_rwsem keeps truncation and punches
        // out, and faults do not remove pages. Zero the range in place.
        for index in start..end {
            let (folio, _) = get_folio(inode, index)?;
            let pos = folio.pos();
            let from = offset.max(pos) - pos;
            let to = end_byte.min(pos + PAGE_SIZE as i64) - pos;
            // A folio not uptodate reads as zeros already.
            if folio.is_uptodate() {
                folio.zero_range(from as usize, (to - from) as usize);
            }
            folio.mark_dirty();
        }
    }
    if mode & KEEP_SIZE == 0 && end_byte > inode.size() {
        inode.set_size(end_byte);
    }
    Ok(())
}

/// Removes the pages this call added in `[start, failed)` that are still unwritten.
fn undo(inode: &Inode<Rshmem>, start: u64, failed: u64, added: &AddedPages) {
    let mapping = inode.mapping();
    for index in start..failed {
        if !added.get(index - start) {
            continue;
        }
        if let Some(folio) = mapping.get_locked(index) {
            // A fault may have mapped and written it meanwhile: then it stays.
            if folio.belongs_to(mapping) && folio.is_unwritten() {
                folio.remove_from(mapping);
            }
        }
    }
    recalc(inode, 0);
}

/// Which pages of the range this call added: one bit a page. Up to `INLINE_PAGES` pages
/// the bits live on the stack: fallocate in small steps (will-it-scale's fallocate1)
/// would otherwise spend a tenth of its time allocating and freeing them.
struct AddedPages {
    inline: [u64; INLINE_WORDS],
    heap: KVVec<u64>,
}

const INLINE_WORDS: usize = 4;
const INLINE_PAGES: u64 = 64 * INLINE_WORDS as u64;

impl AddedPages {
    fn new(pages: u64) -> Result<Self> {
        let heap = if pages <= INLINE_PAGES {
            KVVec::new()
        } else {
            KVVec::from_elem(0u64, pages.div_ceil(64) as usize, GFP_KERNEL)?
        };
        Ok(Self {
            inline: [0; INLINE_WORDS],
            heap,
        })
    }

    fn words(&self) -> &[u64] {
        if self.heap.is_empty() {
            &self.inline
        } else {
            &self.heap
        }
    }

    fn words_mut(&mut self) -> &mut [u64] {
        if self.heap.is_empty() {
            &mut self.inline
        } else {
            &mut self.heap
        }
    }

    fn set(&mut self, i: u64) {
        self.words_mut()[(i / 64) as usize] |= 1 << (i % 64);
    }

    fn get(&self, i: u64) -> bool {
        self.words()[(i / 64) as usize] & (1 << (i % 64)) != 0
    }
}
