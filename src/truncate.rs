// SPDX-License-Identifier: GPL-2.0

//! Attribute changes, and truncation: the other side of the fault path's EOF check.
//!
//! Lock order: the VFS holds `i_rwsem` (exclusive) around `setattr`. Under it,
//! `unmap_mapping_range` takes `i_mmap_rwsem` and then page-table locks, and
//! `truncate_inode_pages_range` takes each folio lock, under which it may unmap a mapped
//! folio (`i_mmap_rwsem`, then the PTL): folio lock -> i_mmap_rwsem -> PTL, as in the
//! order of the whole module in `fault.rs`.

use crate::attr::{Iattr, Idmap};
use crate::dentry::Dentry;
use crate::filesystem::Rshmem;
use crate::inode::Inode;
use crate::mm::PAGE_SIZE;
use crate::rshmem_inode::recalc;
use kernel::prelude::*;

/// `setattr`: permission checks, then a size change if any, then the rest.
pub fn setattr(idmap: Idmap, dentry: &Dentry<Rshmem>, attr: &Iattr) -> Result {
    let inode = dentry.inode().ok_or(ENOENT)?;
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
    Ok(())
}

/// Changes the size from `old` to `new`, in `truncate_pagecache`'s order:
/// 1. `i_size` first: from here on, a fault beyond the new EOF fails its EOF check;
/// 2. unmap the range, so that no PTE maps a page beyond EOF;
/// 3. remove the folios, each under its lock, zeroing the tail of a partial last one
///    (so growing again shows zeros, never old data);
/// 4. unmap again: a fault that passed its EOF check before step 1 may have mapped a
///    folio after step 2 (it holds the folio lock, so step 3 waits for it), and private
///    COW copies made meanwhile go too.
fn set_size(inode: &Inode<Rshmem>, old: i64, new: i64) {
    inode.set_size(new);
    if new < old {
        let mapping = inode.mapping();
        let holebegin = ((new as u64 + PAGE_SIZE - 1) & !(PAGE_SIZE - 1)) as i64;
        mapping.unmap_range(holebegin, 0, true);
        mapping.truncate_range(new, -1);
        mapping.unmap_range(holebegin, 0, true);
        recalc(inode, 0);
    }
}
