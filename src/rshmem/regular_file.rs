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
//!
//! O_DIRECT is allowed and changes nothing, as on tmpfs (`shmem_file_open`,
//! `shmem_file_read_iter`, `shmem_file_write_iter`): the page cache is the file, so a
//! direct read or write is a buffered one, at any offset, length and buffer alignment.
//! `read_iter` ignores `IOCB_DIRECT`; the write path clears it (`kapi::fs`).

#![deny(unsafe_code)]

use crate::kapi::fs::file::whence::{SEEK_DATA, SEEK_HOLE};
use crate::kapi::fs::file::File;
use crate::kapi::fs::inode::{Inode, LockedInode};
use crate::kapi::fs::{AddressSpaceOperations, FileOperations};
use crate::kapi::iov::{IovIter, Kiocb};
use crate::kapi::mm::folio::LockedFolio;
use crate::kapi::mm::{MAX_LFS_FILESIZE, PAGE_SHIFT, PAGE_SIZE};
use crate::kapi::task;
use crate::rshmem::filesystem::Rshmem;
use crate::rshmem::rshmem_inode::{self, get_folio, Want};
use core::ops::ControlFlow;
use core::sync::atomic::{fence, Ordering};
use kernel::prelude::*;

/// The file operations of a regular file.
#[vtable]
impl FileOperations for Rshmem {
    /// Reads from `iocb`'s position into `iter`.
    fn read_iter(iocb: &mut Kiocb<Rshmem>, iter: &mut IovIter) -> Result<usize> {
        // rw_verify_area() refuses a negative position before we are called; refusing it
        // here too keeps every position below a `u64` in `[0, MAX_LFS_FILESIZE]`.
        let mut pos = u64::try_from(iocb.pos()).map_err(|_| EINVAL)?;
        let inode = iocb.file().inode();
        let mapping = inode.mapping();
        // What the buffers can take: read once, then counted down by what each copy
        // moved (which is what it advanced `iter` by).
        let mut left = iter.count();
        let mut done = 0usize;
        let mut error = None;
        while left > 0 {
            let index = pos >> PAGE_SHIFT;
            let offset = pos & (PAGE_SIZE - 1);
            let folio = mapping.get(index);
            // i_size is read after the lookup, as shmem_file_read_iter and filemap_read do:
            // truncation writes i_size before it removes folios, so if the lookup found the
            // folio gone, the read below sees the new size and we stop at the new end,
            // instead of returning zeros past it that were never file data. The fence
            // orders the two reads (smp_rmb(); the removal's xa_lock orders the writes).
            fence(Ordering::Acquire);
            let size = inode.size() as u64;
            if pos >= size {
                break;
            }
            // `pos < size`: the subtraction does not wrap, and the end stays within size.
            let want = (PAGE_SIZE - offset).min(size - pos).min(left as u64) as usize;
            // A folio not uptodate yet (preallocated, or being written for the first time
            // under its lock by write(2)) is a hole, as on tmpfs (SGP_READ): its contents
            // are not ours to show until it is uptodate. A poisoned one is EIO, as on tmpfs.
            let copied = match folio {
                Some(folio) if folio.is_uptodate() => {
                    if folio.is_hwpoison() {
                        error = Some(EIO);
                        break;
                    }
                    folio.mark_accessed();
                    // From the folio's first byte: a large folio covers `pos` somewhere
                    // inside it (`folio.pos() <= pos`, both below 2^63).
                    let in_folio = (pos - folio.pos() as u64) as usize;
                    folio.copy_to_iter(in_folio, want, iter)
                }
                _ => iter.zero(want),
            };
            pos += copied as u64;
            done += copied;
            left -= copied;
            if copied < want {
                error = Some(EFAULT);
                break;
            }
            // Between pages, not before the first: a read of a large file is long, so it
            // yields, and a dying task stops, as in filemap_read; a read of one page (the
            // common case, and all of shmem_file_read_iter's) pays for neither.
            if left > 0 {
                task::cond_resched();
                if task::fatal_signal_pending() {
                    error = Some(EINTR);
                    break;
                }
            }
        }
        // `pos <= size <= MAX_LFS_FILESIZE`.
        iocb.set_pos(pos as i64);
        iocb.file().accessed();
        match error {
            Some(e) if done == 0 => Err(e),
            _ => Ok(done),
        }
    }

    /// `fallocate(2)`: see `fallocate.rs`.
    fn fallocate(file: &File<Rshmem>, mode: i32, offset: i64, len: i64) -> Result {
        crate::rshmem::fallocate::fallocate(file, mode, offset, len)
    }

    /// `lseek`. SEEK_DATA and SEEK_HOLE look at the page cache as tmpfs does
    /// (`mapping_seek_hole_data`): a page is data when it has a folio that is uptodate
    /// (written, faulted in, or zeroed in place), and a hole otherwise: no folio, or a
    /// folio not uptodate, which is what preallocation leaves (`fallocate.rs`). The end
    /// of the file is a hole.
    fn llseek(file: &File<Rshmem>, offset: i64, whence: i32) -> Result<i64> {
        if whence != SEEK_DATA && whence != SEEK_HOLE {
            let r = file.generic_llseek(offset, whence);
            return if r < 0 {
                Err(Error::from_errno(r as i32))
            } else {
                Ok(r)
            };
        }
        let inode = file.inode();
        // As shmem_file_llseek: i_rwsem keeps the size still, and keeps out write(2)
        // (whose `write_end` makes folios uptodate), truncation and fallocate. Faults do
        // not take it: a fault on a preallocated page (`fault.rs`) may make its folio
        // uptodate, under the folio lock only, while we scan. We then answer as of a
        // moment before or after it, as tmpfs does; the page's contents are zeros
        // either way.
        let _guard = inode.lock();
        let size = inode.size();
        if offset < 0 || offset >= size {
            return Err(ENXIO);
        }
        // From here on in `u64`: `0 <= offset < size <= MAX_LFS_FILESIZE`, so `end` is at
        // most 2^51 and a page's byte position at most 2^63, which a `u64` holds. (tmpfs
        // computes the end of the last page as a `loff_t` and overflows there; see the
        // README.)
        let (offset, size) = (offset as u64, size as u64);
        let first = offset >> PAGE_SHIFT;
        let end = size.div_ceil(PAGE_SIZE);
        let mapping = inode.mapping();
        let pos = if whence == SEEK_DATA {
            let index = mapping
                .scan_folios(first, end - 1, |folio, index, _| {
                    if folio.is_uptodate() {
                        ControlFlow::Break(index)
                    } else {
                        ControlFlow::Continue(())
                    }
                })
                .ok_or(ENXIO)?;
            offset.max(index << PAGE_SHIFT)
        } else {
            // `next`: the first page not yet known to be data.
            let mut next = first;
            let hole = mapping.scan_folios(first, end - 1, |folio, index, pages| {
                if index > next {
                    // A page with no folio.
                    ControlFlow::Break(next)
                } else if !folio.is_uptodate() {
                    ControlFlow::Break(next.max(index))
                } else {
                    next = index + pages;
                    ControlFlow::Continue(())
                }
            });
            // No hole among the folios: the first page after them, or the end.
            let index = hole.unwrap_or(next);
            offset.max(index << PAGE_SHIFT).min(size)
        };
        // `pos <= size`, an `i64`.
        file.set_pos(pos as i64, MAX_LFS_FILESIZE)
    }
}

/// The page-cache operations of a regular file: buffered writes, and memory failure.
#[vtable]
impl AddressSpaceOperations for Rshmem {
    /// Memory failure splits a large folio before it poisons a page of it, and the split
    /// drops the folio's pages past `i_size` from the page cache (`__split_huge_page`),
    /// which for shmem uncharges them (`shmem_uncharge`) and for us does nothing. So
    /// their charge is returned here, as a truncation's is: `recalc` finds the page
    /// cache smaller than what the inode was charged. Under the folio lock, which
    /// comes before the `alloced` and `Space` locks (`fault.rs`).
    fn folio_poisoned(inode: &Inode<Rshmem>) {
        rshmem_inode::recalc(inode, 0);
    }

    /// `write_begin`: the locked folio that bytes `[pos, pos + len)` are copied into.
    /// A folio not uptodate (new, or preallocated) is zeroed around what was copied in
    /// `write_end`, so a short copy leaves zeros, never stale memory.
    fn write_begin(inode: &LockedInode<Rshmem>, pos: i64, len: u32) -> Result<LockedFolio> {
        // generic_write_checks() keeps `pos` within `[0, s_maxbytes)`.
        let pos = u64::try_from(pos).map_err(|_| EINVAL)?;
        let (folio, _) = get_folio(
            inode,
            pos >> PAGE_SHIFT,
            Want::Write {
                end: pos.saturating_add(len as u64),
            },
        )?;
        // Memory failure kept a poisoned folio in place: writing to it fails, as on tmpfs.
        if folio.is_hwpoison() {
            return Err(EIO);
        }
        Ok(folio)
    }

    /// `write_end`: extends the file to what was copied. `i_rwsem` is held, so the size
    /// cannot move under us.
    fn write_end(inode: &LockedInode<Rshmem>, pos: i64, copied: u32, folio: LockedFolio) -> u32 {
        // A new or preallocated folio: zero what the write did not cover, then uptodate;
        // and only then the new size. Reads take no folio lock (`read_iter`): one that sees
        // the new size (i_size_read() is an acquire, i_size_write() a release) must also
        // see the folio uptodate, or it would take the bytes just written for a hole.
        // shmem_write_end may write the size first because its reads lock the folio.
        // The offset in the folio, which may be a large one that starts before the page of
        // `pos`: `folio.pos() <= pos`, both in `[0, s_maxbytes)`.
        folio.finish_write(pos.saturating_sub(folio.pos()) as usize, copied as usize);
        folio.mark_dirty();
        // `pos + copied <= s_maxbytes` (generic_write_checks); saturating all the same.
        let end = pos.saturating_add(copied as i64);
        if copied > 0 && end > inode.size() {
            inode.set_size(end);
        }
        copied
    }
}
