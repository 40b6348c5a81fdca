// SPDX-License-Identifier: GPL-2.0

//! Listing directories, as tmpfs lists them (libfs's `offset_readdir` and
//! `offset_dir_llseek`, which 6.12 does not export; the map under them is
//! `kernel/fs/dir_offsets.rs`).
//!
//! Each name of a directory has an offset there, given when the name is made: the next
//! one from where the directory's last allocation stopped, from [`OFFSET_MIN`] to
//! [`OFFSET_MAX`] and then around again (cyclic), never one in use. When all are in
//! use, a new name fails with ENOSPC. A rename keeps the offset of the name it takes
//! over, or takes a new one; RENAME_EXCHANGE leaves each name its offset.
//!
//! A listing goes through the directory's children in the dcache's order: the most
//! recently allocated dentry first (the VFS adds dentries at the head of the list, and
//! a rename moves the dentry to the head of its new directory's). Each name's position
//! (`d_off` of the name before it, `telldir` after it) is its offset; [`OFFSET_FIRST`]
//! is the first name, [`OFFSET_EOD`] the end. A listing resumes at the name with the
//! offset it stopped at, or, if that name is gone, the one with the nearest offset
//! below it, and goes on in list order from there; from the first name if there is
//! none. So names made while a listing runs are not seen by it (they are added before
//! where it is), names removed are not seen, and every other name is seen once, as
//! long as the list's order and the offsets' agree: they do for names made one after
//! another, which is what a directory mostly holds. A rename over a name puts a low
//! offset at the head of the list, and a listing that resumes there, or at a removed
//! name that had the lowest offset, starts again from the first name: tmpfs does the
//! same.
//!
//! # Locking
//!
//! The offset map of a directory, and the offsets its names keep in `d_fsdata`, are
//! covered by the directory's `i_rwsem`; the map needs no lock of its own. Create,
//! mkdir, mknod, symlink, link, unlink, rmdir and rename change them, and the VFS
//! holds the `i_rwsem` of the directory (of both, for a rename) exclusively around
//! each of these. readdir (`iterate_shared`) holds it shared, so it never sees the map
//! half changed: a rename's several steps, say, are all done or none. Lookups hold it
//! shared as well (or nothing, in an RCU walk) and never touch the map; what a lookup
//! adds to the directory's list of children is a negative dentry, which is not a name:
//! a listing skips it, walking the list under the directory's `d_lock`, which is what
//! guards the list itself. Two listings of one directory run side by side, each with
//! its own file and position, and write nothing the other reads. So a listing racing
//! with a name operation is harmless: it runs wholly before or after the operation, and
//! the next call resumes by offset from wherever the last one stopped, whatever
//! changed in between.

#![deny(unsafe_code)]

use crate::kapi::fs::dir_offsets::{DirContext, ListedDir};
use crate::kapi::fs::file::whence::{SEEK_CUR, SEEK_SET};
use crate::kapi::fs::file::File;
use crate::kapi::fs::DirFileOperations;
use crate::rshmem::filesystem::Rshmem;
use kernel::prelude::*;

/// The position of the first name (after "." at 0 and ".." at 1); no name has it.
pub const OFFSET_FIRST: i64 = 2;
/// The position after the last name; no name has it.
pub const OFFSET_EOD: i64 = i32::MAX as i64;
/// The lowest offset a name gets.
pub const OFFSET_MIN: u64 = OFFSET_FIRST as u64 + 1;
/// The highest offset a name gets.
pub const OFFSET_MAX: u64 = OFFSET_EOD as u64 - 1;

/// The largest position `lseek` sets: `LONG_MAX`, as for tmpfs.
const POS_MAX: i64 = kernel::ffi::c_long::MAX as i64;

/// Reading a directory.
#[vtable]
impl DirFileOperations for Rshmem {
    /// Lists "." and "..", then the names from the position on (see the module
    /// documentation). Each name is emitted with the position set to its offset, so
    /// that a full buffer leaves the position at the name that did not fit.
    fn iterate_shared(dir: &ListedDir<'_, Rshmem>, ctx: &mut DirContext) -> Result {
        if !ctx.emit_dots(dir) || ctx.pos() == OFFSET_EOD {
            return Ok(());
        }
        let mut next = if ctx.pos() == OFFSET_FIRST {
            dir.first()
        } else {
            // Above 2 here: "." and ".." moved the position to 2 at least.
            dir.from_offset(ctx.pos() as u64)
        };
        while let Some(child) = next {
            // A name without an offset would rewind the listing to "."; every name has
            // one (tmpfs has the same rule, and the same outcome if it were broken).
            ctx.set_pos(child.offset() as i64);
            if !ctx.emit(&child) {
                return Ok(());
            }
            next = dir.next(&child);
        }
        ctx.set_pos(OFFSET_EOD);
        Ok(())
    }

    /// SEEK_SET and SEEK_CUR to any position from 0 to `LONG_MAX`; EINVAL for a negative
    /// one and for any other `whence` (a directory has no end, data or holes to seek
    /// to). A position need not be one a listing gave: it resumes at the nearest name
    /// at or below it.
    fn llseek(file: &File<Rshmem>, offset: i64, whence: i32) -> Result<i64> {
        let pos = match whence {
            // Wrapping, as C's signed addition does in the kernel: an overflow is negative.
            SEEK_CUR => offset.wrapping_add(file.pos()),
            SEEK_SET => offset,
            _ => return Err(EINVAL),
        };
        if pos < 0 {
            return Err(EINVAL);
        }
        file.set_pos(pos, POS_MAX)
    }
}
