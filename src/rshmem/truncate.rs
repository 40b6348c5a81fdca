// SPDX-License-Identifier: GPL-2.0

//! Attribute changes, and truncation: the other side of the fault path's EOF check.
//!
//! Lock order: the VFS holds `i_rwsem` (exclusive) around `setattr`. Under it,
//! `unmap_mapping_range` takes `i_mmap_rwsem` and then page-table locks, and
//! `truncate_inode_pages_range` takes each folio lock, under which it may unmap a mapped
//! folio (`i_mmap_rwsem`, then the PTL): folio lock -> i_mmap_rwsem -> PTL, as in the
//! order of the whole module in `fault.rs`.

#![deny(unsafe_code)]

use crate::kapi::fs::attr::{Iattr, Idmap};
use crate::kapi::fs::dentry::Dentry;
use crate::kapi::fs::inode::LockedInode;
use crate::kapi::fs::FileInodeOperations;
use crate::kapi::mm::PAGE_SIZE;
use crate::rshmem::filesystem::Rshmem;
use crate::rshmem::huge_tails;
use crate::rshmem::rshmem_inode::recalc;
use core::sync::atomic::{fence, Ordering};
use kernel::prelude::*;

/// The inode operations of a regular file (and of a device, fifo or socket): attribute
/// changes, truncation among them. Directories and symlinks use the same `setattr`.
#[vtable]
impl FileInodeOperations for Rshmem {
    /// `setattr`: permission checks, then a size change if any, then the rest.
    fn setattr(
        idmap: Idmap,
        dentry: &Dentry<Rshmem>,
        inode: &LockedInode<Rshmem>,
        attr: &Iattr,
    ) -> Result {
        attr.prepare(idmap, dentry)?;
        if let Some(new) = attr.size() {
            let old = inode.size();
            if new != old {
                set_size(inode, old, new);
                // As on tmpfs: a size change updates mtime and ctime even when the caller
                // did not ask (truncate(2) does not).
                inode.touch_mtime_ctime();
            }
        }
        attr.copy_to(idmap, inode);
        // A new mode rewrites the access ACL to match, as on tmpfs (`shmem_setattr`).
        if attr.changes_mode() {
            dentry.acl_chmod(idmap, inode.mode())?;
        }
        Ok(())
    }
}

/// Changes the size from `old` to `new`, in `truncate_pagecache`'s order:
/// 1. `i_size` first: from here on, a fault beyond the new EOF fails its EOF check;
/// 2. unmap the range, so that no PTE maps a page beyond EOF;
/// 3. remove the folios, each under its lock, zeroing the tail of a partial last one
///    (so growing again shows zeros, never old data);
/// 4. unmap again: a fault that passed its EOF check before step 1 may have mapped a
///    folio after step 2 (it holds the folio lock, so step 3 waits for it), and private
///    COW copies made meanwhile go too.
fn set_size(inode: &LockedInode<Rshmem>, old: i64, new: i64) {
    inode.set_size(new);
    if new < old {
        // Orders the new size before the folio lookups below, against a fault that
        // inserts a large folio and then reads the size (`try_large_folio` in
        // `rshmem_inode.rs`): either it sees the new size and takes its folio back, or
        // the lookup at the new end finds the folio and splits it.
        fence(Ordering::SeqCst);
        let mapping = inode.mapping();
        // `0 <= new < old <= MAX_LFS_FILESIZE` (setattr_prepare checked `new`), so the
        // round-up cannot wrap a `u64`. In the last page of the range it reaches 2^63,
        // past any `loff_t`: then no whole page lies beyond the new size and there is
        // nothing to unmap (the partial page stays mapped, as it should).
        let holebegin = u64::try_from(new)
            .ok()
            .and_then(|new| new.checked_next_multiple_of(PAGE_SIZE))
            .and_then(|begin| i64::try_from(begin).ok());
        if let Some(holebegin) = holebegin {
            mapping.unmap_range(holebegin, 0, true);
        }
        mapping.truncate_range(new, -1);
        if let Some(holebegin) = holebegin {
            mapping.unmap_range(holebegin, 0, true);
        }
        recalc(inode, 0);
        // Nothing is left past the new end but what a large folio that could not be split
        // keeps there (zeroed): preallocated pages went, and such a folio is one to trim
        // when the instance is full (`huge_tails.rs`). `0 <= new < 2^63`.
        let new = u64::try_from(new).unwrap_or(0);
        let new_pages = new.div_ceil(PAGE_SIZE);
        inode
            .data()
            .falloc_end
            .fetch_min(new_pages, Ordering::Relaxed);
        if let Some(folio) = mapping.get(new / PAGE_SIZE) {
            if folio.index() + folio.nr_pages() > new_pages {
                huge_tails::note(inode);
            }
        }
    }
}
