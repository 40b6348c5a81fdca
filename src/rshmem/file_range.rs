// SPDX-License-Identifier: GPL-2.0

//! Byte and page ranges of a file, validated once, where a user's offset and length enter
//! the module, so that no arithmetic after that can overflow.
//!
//! Every byte position here is a `u64` no larger than `MAX_LFS_FILESIZE` (2^63 - 1 on
//! 64-bit): rounding one up to a page boundary, or adding a page to it, stays far below
//! 2^64, and a page index is at most 2^51. Conversions back to `loff_t` (`i64`) are
//! checked where a position can reach 2^63 (the end of the last page of the range).

#![deny(unsafe_code)]

use crate::kapi::mm::{MAX_LFS_FILESIZE, PAGE_SHIFT, PAGE_SIZE};
use kernel::prelude::*;

/// The first byte of the page after the one holding byte `pos` (`pos` itself if it is
/// a page boundary), as a page index.
fn page_ceil(pos: u64) -> u64 {
    pos.div_ceil(PAGE_SIZE)
}

/// The byte range `[start, end)` of a file, as fallocate(2) takes it.
///
/// # Invariants
///
/// `start < end <= MAX_LFS_FILESIZE`.
#[derive(Clone, Copy)]
pub struct ByteRange {
    start: u64,
    end: u64,
}

impl ByteRange {
    /// The range of `len` bytes from `offset`, as a user passes them. The errnos are
    /// `vfs_fallocate`'s: `EINVAL` for a negative offset or a length that is not
    /// positive, `EFBIG` for an end past the largest file size.
    pub fn new(offset: i64, len: i64) -> Result<Self> {
        let (Ok(start), Ok(len)) = (u64::try_from(offset), u64::try_from(len)) else {
            return Err(EINVAL);
        };
        if len == 0 {
            return Err(EINVAL);
        }
        let end = start
            .checked_add(len)
            .filter(|&end| end <= MAX_LFS_FILESIZE as u64)
            .ok_or(EFBIG)?;
        // INVARIANT: `start < end` as `len > 0`; `end` was checked against the limit.
        Ok(Self { start, end })
    }

    /// The first byte.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// The first byte after the range.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// The first byte, as a file position.
    pub fn start_pos(&self) -> i64 {
        // The type invariant: `start < end <= MAX_LFS_FILESIZE`, which is an `i64`.
        self.start as i64
    }

    /// The first byte after the range, as a file size.
    pub fn end_pos(&self) -> i64 {
        // As above: `end <= MAX_LFS_FILESIZE`.
        self.end as i64
    }

    /// The last byte, as a file position.
    pub fn last_pos(&self) -> i64 {
        // `end > start >= 0`, so `end - 1` does not wrap.
        (self.end - 1) as i64
    }

    /// The pages the range touches, wholly or in part.
    pub fn pages(&self) -> PageRange {
        // INVARIANT: `start < end`, so the first page is at most the last.
        PageRange {
            start: self.start >> PAGE_SHIFT,
            end: page_ceil(self.end),
        }
    }

    /// The pages the range covers wholly (none if it lies within one page).
    pub fn whole_pages(&self) -> PageRange {
        let start = page_ceil(self.start);
        // INVARIANT: `end` is raised to `start` when the range covers no whole page.
        PageRange {
            start,
            end: (self.end >> PAGE_SHIFT).max(start),
        }
    }

    /// The part of the range inside page `index`: an offset in the page and a length,
    /// or `None` if the range does not reach into that page.
    pub fn in_page(&self, index: u64) -> Option<(usize, usize)> {
        let page_start = index.checked_mul(PAGE_SIZE)?;
        let page_end = page_start.saturating_add(PAGE_SIZE);
        let from = self.start.max(page_start);
        let to = self.end.min(page_end);
        // Both lie within one page, so the differences fit a `usize`.
        (from < to).then(|| ((from - page_start) as usize, (to - from) as usize))
    }
}

/// The page indices `[start, end)` of a file.
///
/// # Invariants
///
/// `start <= end <= (MAX_LFS_FILESIZE >> PAGE_SHIFT) + 1`.
#[derive(Clone, Copy)]
pub struct PageRange {
    start: u64,
    end: u64,
}

impl PageRange {
    /// The first page.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// The page after the last.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// The number of pages.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Whether there are no pages.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The indices, in order.
    pub fn iter(&self) -> core::ops::Range<u64> {
        self.start..self.end
    }

    /// The pages as a byte position and a length, both as `loff_t`, for
    /// `unmap_mapping_range`; `None` if there are no pages, or if the first starts at
    /// 2^63, past what a `loff_t` holds (no file reaches a page there).
    pub fn byte_span(&self) -> Option<(i64, i64)> {
        if self.is_empty() {
            return None;
        }
        // Both shifts stay below 2^64: `end <= 2^51` (type invariant).
        let start = i64::try_from(self.start << PAGE_SHIFT).ok()?;
        let len = i64::try_from(self.len() << PAGE_SHIFT).ok()?;
        Some((start, len))
    }
}
