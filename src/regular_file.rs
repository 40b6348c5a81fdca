// SPDX-License-Identifier: GPL-2.0

//! Regular files: reads, buffered writes and seeks over the page cache.
//!
//! Locks: `i_rwsem` (taken by the VFS around writes, by `llseek` here for SEEK_DATA and
//! SEEK_HOLE), then folio locks (`write_begin`, through `get_folio`). Reads take no
//! lock: they hold a folio reference while copying. The order of the whole module is
//! in `fault.rs`.
//!
//! Reads never allocate: a page with no folio is a hole and reads as zeros, as on
//! tmpfs (`shmem_file_read_iter`). The generic read paths are not used because their
//! readahead would insert folios behind the accounting's back. Writes go through
//! `generic_file_write_iter`, which holds `i_rwsem` and calls `write_begin` and
//! `write_end` below for each folio.

use crate::file::File;
use crate::filesystem::Rshmem;
use crate::folio::LockedFolio;
use crate::inode::Inode;
use crate::iov_iter::{IovIter, Kiocb};
use crate::mm::{MAX_LFS_FILESIZE, PAGE_SHIFT, PAGE_SIZE};
use crate::rshmem_inode::get_folio;
use kernel::prelude::*;

const SEEK_DATA: i32 = 3;
const SEEK_HOLE: i32 = 4;

/// Reads from `iocb`'s position into `iter`.
pub fn read_iter(iocb: &mut Kiocb, iter: &mut IovIter) -> Result<usize> {
    let mut pos = iocb.pos();
    // SAFETY: `read_iter` is only installed on rshmem files.
    let inode = unsafe { iocb.file().inode::<Rshmem>() };
    let mapping = inode.mapping();
    let mut done = 0usize;
    let mut faulted = false;
    while iter.count() > 0 {
        // i_size is read afresh for each page: a racing truncate may shrink the file
        // under us, and then we stop at the new end, as filemap_read does.
        let size = inode.size();
        if pos >= size {
            break;
        }
        let index = (pos >> PAGE_SHIFT) as u64;
        let offset = (pos as u64 & (PAGE_SIZE - 1)) as usize;
        let want = (PAGE_SIZE as usize - offset)
            .min((size - pos) as usize)
            .min(iter.count());
        // A folio not uptodate yet (preallocated, or being written for the first time
        // under its lock by write(2)) is a hole, as on tmpfs (SGP_READ): its contents
        // are not ours to show until it is uptodate.
        let copied = match mapping.get(index) {
            Some(folio) if folio.is_uptodate() => {
                folio.mark_accessed();
                folio.copy_to_iter(offset, want, iter)
            }
            _ => iter.zero(want),
        };
        pos += copied as i64;
        done += copied;
        if copied < want {
            faulted = true;
            break;
        }
    }
    iocb.set_pos(pos);
    iocb.file().accessed();
    if done == 0 && faulted {
        return Err(EFAULT);
    }
    Ok(done)
}

/// `write_begin`: the locked folio that bytes `[pos, pos + len)` are copied into.
/// A folio not uptodate (new, or preallocated) is zeroed around what was copied in
/// `write_end`, so a short copy leaves zeros, never stale memory.
pub fn write_begin(inode: &Inode<Rshmem>, pos: i64, _len: u32) -> Result<LockedFolio> {
    let (folio, _) = get_folio(inode, (pos >> PAGE_SHIFT) as u64)?;
    // A preallocated page is written now: a failing fallocate must leave it.
    folio.clear_unwritten();
    Ok(folio)
}

/// `write_end`: extends the file to what was copied. `i_rwsem` is held, so the size
/// cannot move under us.
pub fn write_end(inode: &Inode<Rshmem>, pos: i64, copied: u32, folio: LockedFolio) -> u32 {
    let end = pos + copied as i64;
    if copied > 0 && end > inode.size() {
        inode.set_size(end);
    }
    // A new or preallocated folio: zero what the write did not cover, then uptodate.
    folio.finish_write((pos as u64 & (PAGE_SIZE - 1)) as usize, copied as usize);
    folio.mark_dirty();
    copied
}

/// `lseek`. SEEK_DATA and SEEK_HOLE look at the page cache: a page with a folio is
/// data, a page without one is a hole; the end of the file is a hole.
pub fn llseek(file: &File, offset: i64, whence: i32) -> Result<i64> {
    if whence != SEEK_DATA && whence != SEEK_HOLE {
        let r = file.generic_llseek(offset, whence);
        return if r < 0 {
            Err(Error::from_errno(r as i32))
        } else {
            Ok(r)
        };
    }
    // SAFETY: `llseek` is only installed on rshmem files.
    let inode = unsafe { file.inode::<Rshmem>() };
    // As shmem_file_llseek: i_rwsem keeps the size and the page cache still.
    let _guard = inode.lock();
    let size = inode.size();
    if offset < 0 || offset >= size {
        return Err(ENXIO);
    }
    let first = (offset >> PAGE_SHIFT) as u64;
    let end = ((size as u64) + PAGE_SIZE - 1) >> PAGE_SHIFT;
    let mapping = inode.mapping();
    let pos = if whence == SEEK_DATA {
        let index = mapping.next_present(first, end - 1).ok_or(ENXIO)?;
        offset.max((index << PAGE_SHIFT) as i64)
    } else {
        let index = mapping.next_absent(first, end - first);
        offset.max((index << PAGE_SHIFT) as i64).min(size)
    };
    file.set_pos(pos, MAX_LFS_FILESIZE)
}
