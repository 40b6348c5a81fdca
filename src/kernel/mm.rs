// SPDX-License-Identifier: GPL-2.0

//! Memory-management facts: page size and the amount of RAM.

pub mod fault;
pub mod folio;
pub mod mapping;

use crate::kapi::bindings;

/// The size of a page in bytes.
pub const PAGE_SIZE: u64 = bindings::RSHMEM_PAGE_SIZE as u64;
/// log2 of [`PAGE_SIZE`].
pub const PAGE_SHIFT: u32 = bindings::RSHMEM_PAGE_SHIFT;
/// The largest file size the page cache can index.
pub const MAX_LFS_FILESIZE: i64 = bindings::RSHMEM_MAX_LFS_FILESIZE;

/// The number of pages of RAM the kernel manages.
pub fn totalram_pages() -> u64 {
    // SAFETY: Reads an atomic counter.
    unsafe { bindings::totalram_pages() as u64 }
}

/// The number of those pages that are highmem (none on 64-bit).
pub fn totalhigh_pages() -> u64 {
    // SAFETY: Reads an atomic counter, or is the constant 0.
    unsafe { bindings::totalhigh_pages() as u64 }
}

/// The order of a PMD-size folio, one that a single page-table entry at the PMD level
/// maps; 0 where the page cache cannot hold one (no transparent huge pages, or a PMD
/// larger than `MAX_PAGECACHE_ORDER`).
pub const HPAGE_PMD_ORDER: u32 = bindings::RSHMEM_HPAGE_PMD_ORDER;

/// Whether PMD-size folios can be allocated and mapped here: the kernel has transparent
/// huge pages and the CPU large pages (`has_transparent_hugepage`).
pub fn thp_supported() -> bool {
    // SAFETY: Reads CPU features and a constant.
    unsafe { bindings::rshmem_thp_supported() }
}
