// SPDX-License-Identifier: GPL-2.0

//! The fault path of shared and private mappings.
//!
//! Lock order (the whole module; see also `truncate.rs`):
//!
//!   i_rwsem -> mmap_lock (or the per-VMA lock) -> folio lock -> i_mmap_rwsem -> PTL
//!
//! A write or fallocate that finds the instance full takes another file's `i_rwsem`
//! under its own, by trylock only, to give back that file's pages past its end
//! (`huge_tails.rs`); under it, that file's folio locks and what a truncation takes:
//!
//!   i_rwsem -> (trylock) another file's i_rwsem -> folio lock -> i_mmap_rwsem -> PTL
//!
//! Its walk of the instance's inodes takes the VFS's `s_inode_list_lock` -> `i_lock`
//! (`kernel/fs/super_block.rs`), under the writer's `i_rwsem` and nothing else.
//!
//! and spinlocks that are leaves, taken under a folio lock or under nothing:
//!
//!   inode `alloced` lock (`rshmem_inode.rs`) -> `Space` lock (`space.rs`)
//!   `i_lock` (`punch_wait.rs`: a punch's publication; a fault takes it under the
//!   fault lock, and may release the fault lock while holding it, as tmpfs does)
//!   the file-handle hash lock (`kernel/fs/export.rs`, under nothing of ours) ->
//!   `inode_hash_lock` -> `i_lock` (both in `__insert_inode_hash`)
//!
//! and one mutex, each inode's extended attributes (`xattr.rs`): taken under `i_rwsem`
//! (a set or removal) or under nothing (a get or a listing), never by a fault; under it
//! only memory allocation and the `Space` lock:
//!
//!   i_rwsem -> xattr mutex -> `Space` lock
//!
//! and directories' offset maps (`kernel/fs/dir_offsets.rs`, `readdir.rs`): the maple
//! tree's spinlock, inside each `mtree_*` call under the directory's `i_rwsem`; a
//! listing walks the children under the directory's `d_lock`, each child's nested:
//!
//!   i_rwsem (shared) -> parent `d_lock` -> child `d_lock` (nested)
//!
//! Faults never take `i_rwsem`: a write(2) holding it may fault on its user buffer.
//! This is why a fault waits for a punch on a queue of its own ("shmem: fix faulting
//! into a hole, not taking i_mutex", CVE-2014-4171; "we cannot take i_rwsem in
//! fault", mm/shmem.c). The `invalidate_lock` is not used: the folio lock and the re-check of
//! `i_size` below are what order faults against truncation. `Space`'s spinlock and the
//! inode's `alloced` spinlock are leaves, taken under the folio lock or none.
//!
//! Faults run under either `mmap_lock` or, on 6.12, the per-VMA lock
//! (`FAULT_FLAG_VMA_LOCK`). Nothing here depends on which: the handlers only use the VMA
//! and its file, which both locks pin, and drop the lock only through
//! `VmFault::release_lock`, which consumes the fault (`kernel/mm/fault.rs`).

#![deny(unsafe_code)]

use crate::kapi::fs::file::File;
use crate::kapi::fs::VmOperations;
use crate::kapi::mm::fault::{FaultResult, PageMkwrite, VmFault};
use crate::kapi::mm::folio::Folio;
use crate::kapi::mm::PAGE_SHIFT;
use crate::rshmem::filesystem::Rshmem;
use crate::rshmem::punch_wait::wait_for_punch;
use crate::rshmem::rshmem_inode::{get_folio, recalc, Want};
use kernel::prelude::*;

/// Pages of a file of `size` bytes: a fault at this index or beyond is past EOF.
fn pages(size: i64) -> u64 {
    ((size as u64) + (1 << PAGE_SHIFT) - 1) >> PAGE_SHIFT
}

/// The operations of a mapping of a regular file.
#[vtable]
impl VmOperations for Rshmem {
    /// `.fault`: finds or creates the folio, returns it locked.
    ///
    /// Against truncate, pinned by `tests/race/truncate_fault.c`, in the manner of
    /// `truncate_pagecache` (mm/truncate.c) against `filemap_fault`'s "We must recheck
    /// i_size under page lock": setattr writes `i_size` before it unmaps and then
    /// removes folios, each under its folio lock, and unmaps once more after that. We check
    /// `i_size` again with the folio locked:
    /// - if truncation already wrote the new size, we see it and back out (removing the
    ///   folio if we created it: it is beyond EOF and no one else can reach it);
    /// - if not, truncation has not removed this folio yet (it needs the lock we hold). The
    ///   mm installs our PTE before unlocking the folio; then truncation's removal, which
    ///   unmaps a mapped folio it removes, and its final unmap both come after, and take
    ///   the PTE down. Nothing beyond the new EOF stays mapped.
    // Inlined into its trampoline (`kernel/fs.rs`), which holds the pin of a released
    // fault lock: one call per fault, as when the trampoline tail-called the handler.
    #[inline(always)]
    fn fault(vmf: VmFault<'_, Rshmem>) -> FaultResult<'_> {
        // A hole punch in progress over this page: wait for it rather than add a page it
        // would have to find and unmap again (`tests/race/punch_starvation.c`; see
        // `punch_wait.rs`). Checking before the punch publishes is a harmless race:
        // that one fault proceeds.
        let vmf = match wait_for_punch(vmf) {
            Ok(r) => return r,
            Err(vmf) => vmf,
        };
        let inode = vmf.inode();
        let index = vmf.pgoff();
        if index >= pages(inode.size()) {
            return vmf.sigbus();
        }
        let want = Want::Fault {
            vma_huge: vmf.vma_wants_huge(),
        };
        let (folio, created) = match get_folio(inode, index, want) {
            Ok(f) => f,
            Err(e) if e == ENOMEM => return vmf.oom(),
            // ENOSPC, as on tmpfs, is SIGBUS.
            Err(_) => return vmf.sigbus(),
        };
        if index >= pages(inode.size()) {
            if created {
                folio.remove_from(inode.mapping());
                drop(folio);
                recalc(inode, 0);
            }
            return vmf.sigbus();
        }
        // Memory failure kept a poisoned folio in place (see `kernel/fs.rs`): SIGBUS, as
        // on tmpfs (__do_fault would say the same, but only after `make_uptodate` had
        // written to it).
        if folio.is_hwpoison() {
            return vmf.hwpoison();
        }
        // A new folio, or one fallocate left: zeroed now, all of it, under the lock, before
        // it is mapped. A PMD-size folio that the file covers is then mapped by one PMD
        // entry (finish_fault's do_set_pmd, where the VMA is aligned for it); the mm maps
        // one PTE otherwise.
        folio.make_uptodate();
        vmf.set_locked_folio(folio)
    }

    /// `.page_mkwrite`, with the `mapped_mtime` mount option only: a shared mapping's
    /// first write to a page mapped read-only. Updates the times, checks the page is
    /// still in the file, and dirties it.
    ///
    /// By default a mapping has no `.page_mkwrite`, as on tmpfs: then the mm maps a shared
    /// writable mapping's pages writable at once, `fault_dirty_shared_page` updates the
    /// times on a write fault (and only then), and a write to a page the mapping first
    /// read changes no time at all. The option buys POSIX's "st_mtime updated between a
    /// write to a shared mapping and the next msync or munmap" for such pages, at about 100
    /// kernel instructions per fault (`make profile WORKLOAD=pf_shared`): the hook itself,
    /// a second folio lock, `folio_wait_stable` and the dirty throttling check. Every
    /// folio is dirty from its insertion (`Mapping::add_new`), so nothing here or in
    /// `fault_dirty_shared_page` has anything to record for writeback, which rshmem has not.
    fn page_mkwrite(vmf: PageMkwrite<'_, Rshmem>) -> FaultResult<'_> {
        let inode = vmf.inode();
        // Before the folio lock, as other filesystems do: it may sleep.
        let _ = vmf.file().update_time();
        let folio = Folio::lock(vmf.page_folio());
        // Truncated (or punched) since it was mapped: the PTE is going; let the access
        // fault again.
        if !folio.belongs_to(inode.mapping()) || folio.pos() >= inode.size() {
            return vmf.nopage();
        }
        folio.mark_dirty();
        folio.wait_stable();
        vmf.keep_locked(folio)
    }

    fn wants_page_mkwrite(file: &File<Rshmem>) -> bool {
        file.inode().super_block().info().mapped_mtime()
    }
}
