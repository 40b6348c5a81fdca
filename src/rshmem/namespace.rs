// SPDX-License-Identifier: GPL-2.0

//! Directories: creating, linking, removing and renaming names, as tmpfs does. Names
//! live in the dcache, each pinned there by its entry in its directory's offset map,
//! which gives it the stable offset that readdir positions are (tmpfs's scheme: libfs's
//! `simple_offset_*`, not exported in 6.12, rebuilt in `kernel/fs/dir_offsets.rs`; the
//! listing is `readdir.rs`). A new name gets its offset before anything else changes,
//! so that ENOSPC (no offset left) or ENOMEM leaves the directory as it was. A
//! directory's size grows by tmpfs's bogus 20 bytes per entry. Every inode, and every
//! extra hard link, is charged against `nr_inodes=`; so is the whiteout (a character
//! device 0/0) that a rename with RENAME_WHITEOUT leaves at the old name, for overlayfs.
//!
//! The VFS holds the parent directory's `i_rwsem` (both parents' for a rename) around
//! each of these, which serialises them against each other and against lookups and
//! readdir, which hold it shared (see `readdir.rs` for what covers the offset map).

#![deny(unsafe_code)]

use crate::kapi::error;
use crate::kapi::fs::attr::{Iattr, Idmap};
use crate::kapi::fs::dentry::rename_flags::{
    EXCHANGE as RENAME_EXCHANGE, NOREPLACE as RENAME_NOREPLACE, WHITEOUT as RENAME_WHITEOUT,
};
use crate::kapi::fs::dentry::{whiteout, Dentry};
use crate::kapi::fs::dir_offsets::OffsetEntry;
use crate::kapi::fs::file::TmpFile;
use crate::kapi::fs::inode::mode::S_IFLNK;
use crate::kapi::fs::inode::{FileType, Inode, LockedInode, NewInode, NewKind};
use crate::kapi::fs::super_block::SuperBlock;
use crate::kapi::fs::{DirOperations, FileInodeOperations, SymlinkOperations};
use crate::kapi::mm::PAGE_SIZE;
use crate::rshmem::filesystem::Rshmem;
use crate::rshmem::inode_attr;
use crate::rshmem::readdir::{OFFSET_MAX, OFFSET_MIN};
use crate::rshmem::rshmem_inode;
use kernel::prelude::*;

/// The longest symlink target (with its NUL) that tmpfs keeps without a page.
const SHORT_SYMLINK_LEN: usize = 128;

/// tmpfs's size of a directory entry, for directory sizes.
pub const BOGO_DIRENT_SIZE: i64 = 20;

/// A new inode of `sb`, charged against `nr_inodes=`: eviction returns the charge, so
/// on any failure after this, dropping the inode is all the cleanup there is.
pub fn new_inode(
    idmap: Idmap,
    sb: &SuperBlock<Rshmem>,
    dir: Option<&Inode<Rshmem>>,
    mode: u16,
    kind: NewKind<'_>,
) -> Result<NewInode<Rshmem>> {
    let space = &sb.info().space;
    let number = space.reserve_inode_number()?;
    if number.wrapped {
        pr_warn!(
            "inode number overflow on device {}, consider using inode64 mount option\n",
            sb.dev_minor()
        );
    }
    // No memory for the inode is ENOSPC, as on tmpfs (shmem_get_inode): to the caller
    // the filesystem has no room for another file. Its number is not given back, as on
    // tmpfs.
    let mut inode = NewInode::new(sb, number.ino).map_err(|_| {
        space.free_inode();
        ENOSPC
    })?;
    inode.init_owner(idmap, dir, mode);
    // Born at its first mtime, as on tmpfs (shmem_get_inode); nodump and noatime come
    // from the directory.
    inode.inode().data().set_birth_time(inode.inode().mtime());
    inode_attr::inherit(inode.inode(), dir);
    let is_dir = matches!(kind, NewKind::Directory);
    inode.init_kind(kind)?;
    if is_dir {
        // "." and "..", as tmpfs counts them.
        inode.inode().add_dir_size(2 * BOGO_DIRENT_SIZE);
    }
    Ok(inode)
}

/// An offset in `dir` for the new name `dentry` (see `readdir.rs`).
fn add_offset<'a>(
    dir: &'a LockedInode<Rshmem>,
    dentry: &'a Dentry<Rshmem>,
) -> Result<OffsetEntry<'a, Rshmem>> {
    dir.add_offset(dentry, OFFSET_MIN, OFFSET_MAX)
}

/// A new entry in `dir`: its size, times and change counter.
fn entry_added(dir: &LockedInode<Rshmem>) {
    dir.add_dir_size(BOGO_DIRENT_SIZE);
    dir.touch_mtime_ctime();
    dir.inc_iversion();
}

/// The directory operations: names, in the dcache.
#[vtable]
impl DirOperations for Rshmem {
    /// Creates a regular file, directory, device, fifo or socket.
    fn mknod(
        idmap: Idmap,
        dir: &LockedInode<Rshmem>,
        dentry: &Dentry<Rshmem>,
        mode: u16,
        dev: u32,
    ) -> Result {
        let ftype = FileType::of(mode);
        let kind = match ftype {
            FileType::Regular => NewKind::Regular,
            FileType::Directory => NewKind::Directory,
            FileType::Special => NewKind::Special(dev),
            // vfs_mknod() only passes the types above.
            FileType::Symlink => return Err(EINVAL),
        };
        let mut inode = new_inode(idmap, dir.super_block(), Some(dir), mode, kind)?;
        // The directory's default ACL (or the umask), then the LSMs' labels, then the
        // name's offset, as in shmem_mknod; a failure drops the new inode, and with it
        // every charge.
        inode.acl_create(dir)?;
        inode.init_security(dir, Some(dentry))?;
        let entry = add_offset(dir, dentry)?;
        entry_added(dir);
        if ftype == FileType::Directory {
            // The new directory's "..".
            dir.inc_nlink();
        }
        entry.instantiate(inode);
        Ok(())
    }

    /// Creates a symbolic link.
    fn symlink(
        idmap: Idmap,
        dir: &LockedInode<Rshmem>,
        dentry: &Dentry<Rshmem>,
        target: &CStr,
    ) -> Result {
        if target.len() + 1 > PAGE_SIZE as usize {
            return Err(error::ENAMETOOLONG());
        }
        let mode = S_IFLNK | 0o777;
        let inode = new_inode(
            idmap,
            dir.super_block(),
            Some(dir),
            mode,
            NewKind::Symlink(target),
        )?;
        // A symlink has labels but no ACL, as on tmpfs. Its offset comes before its page,
        // as in shmem_symlink: if the page cannot be charged, the offset is removed
        // again, and the next name still gets the one after it, as on tmpfs.
        inode.init_security(dir, Some(dentry))?;
        let entry = add_offset(dir, dentry)?;
        if target.len() + 1 > SHORT_SYMLINK_LEN {
            rshmem_inode::charge_long_symlink(inode.inode())?;
        }
        entry_added(dir);
        entry.instantiate(inode);
        Ok(())
    }

    /// Creates a hard link. Each link beyond the first is charged as an inode (its dentry
    /// is pinned memory), except the first link of an O_TMPFILE file, already charged.
    fn link(old: &Dentry<Rshmem>, dir: &LockedInode<Rshmem>, dentry: &Dentry<Rshmem>) -> Result {
        let inode = old.inode().ok_or(ENOENT)?;
        let space = &dir.super_block().info().space;
        let charged = inode.nlink() > 0;
        if charged {
            space.reserve_inode()?;
        }
        let entry = add_offset(dir, dentry).inspect_err(|_| {
            if charged {
                space.free_inode();
            }
        })?;
        entry_added(dir);
        inode.touch_ctime();
        inode.inc_nlink();
        entry.instantiate_link(inode.into());
        Ok(())
    }

    /// Removes a name.
    fn unlink(dir: &LockedInode<Rshmem>, dentry: &Dentry<Rshmem>) -> Result {
        let inode = dentry.inode().ok_or(ENOENT)?;
        if inode.nlink() > 1 && inode.file_type() != FileType::Directory {
            dir.super_block().info().space.free_inode();
        }
        // The name's offset, and the reference that pinned it. The last reference to the
        // dentry (and, with the last link, to the inode) goes when the VFS lets go of it:
        // then the inode is evicted and its folios freed. (A rename's target has no
        // offset left here: the renamed name took it over, and its pin with it.)
        dir.remove_offset(dentry);
        dir.add_dir_size(-BOGO_DIRENT_SIZE);
        dir.touch_mtime_ctime();
        inode.touch_ctime();
        dir.inc_iversion();
        inode.drop_nlink();
        Ok(())
    }

    /// Removes an empty directory.
    fn rmdir(dir: &LockedInode<Rshmem>, dentry: &Dentry<Rshmem>) -> Result {
        if !dentry.is_empty_dir() {
            return Err(error::ENOTEMPTY());
        }
        let inode = dentry.inode().ok_or(ENOENT)?;
        // Its "." and the parent's link from "..".
        inode.drop_nlink();
        dir.drop_nlink();
        Self::unlink(dir, dentry)
    }

    /// Renames `old` in `old_dir` to `new` in `new_dir`. The VFS has checked permissions,
    /// that a directory is not moved into itself (EINVAL), type mismatches (EISDIR,
    /// ENOTDIR), and RENAME_NOREPLACE against an existing target (EEXIST).
    fn rename(
        idmap: Idmap,
        old_dir: &LockedInode<Rshmem>,
        old: &Dentry<Rshmem>,
        new_dir: &LockedInode<Rshmem>,
        new: &Dentry<Rshmem>,
        flags: u32,
    ) -> Result {
        // do_renameat2() has refused unknown flags and RENAME_EXCHANGE with either other
        // one (EINVAL); refusing unknown ones again costs nothing.
        if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) != 0 {
            return Err(EINVAL);
        }
        if flags & RENAME_EXCHANGE != 0 {
            return old.exchange(old_dir, new_dir, new);
        }
        if !new.is_empty_dir() {
            return Err(error::ENOTEMPTY());
        }
        let inode = old.inode().ok_or(ENOENT)?;
        // The offset the name will have, as shmem_rename2 finds it: the target's, if
        // there is one (its offset is taken over), or a new one, which a failure below
        // gives back (dropping `reserved`).
        let reserved = match add_offset(new_dir, new) {
            Ok(entry) => Some(entry),
            Err(e) if e == EBUSY => None,
            Err(e) => return Err(e),
        };
        // The whiteout next, as in shmem_rename2 (its offset comes after the new name's):
        // if it fails (ENOSPC at nr_inodes=, ENOMEM), nothing else has changed. It needs
        // its inode before the target's is freed below, so at the limit the rename fails
        // even when it replaces a file.
        if flags & RENAME_WHITEOUT != 0 {
            Self::whiteout(idmap, old_dir, old)?;
        }
        let they_are_dirs = inode.file_type() == FileType::Directory;
        old.rename_offset(old_dir, new_dir, new, reserved);
        // The VFS moves the dentry (d_move) after we return.
        if let Some(target) = new.inode() {
            Self::unlink(new_dir, new)?;
            if they_are_dirs {
                target.drop_nlink();
                old_dir.drop_nlink();
            }
        } else if they_are_dirs {
            old_dir.drop_nlink();
            new_dir.inc_nlink();
        }
        old_dir.add_dir_size(-BOGO_DIRENT_SIZE);
        new_dir.add_dir_size(BOGO_DIRENT_SIZE);
        old.rename_timestamps(old_dir, new_dir, new);
        old_dir.inc_iversion();
        new_dir.inc_iversion();
        Ok(())
    }

    /// Creates an unnamed regular file for O_TMPFILE.
    fn tmpfile(idmap: Idmap, dir: &Inode<Rshmem>, file: &TmpFile<Rshmem>, mode: u16) -> Result {
        let mut inode = new_inode(idmap, dir.super_block(), Some(dir), mode, NewKind::Regular)?;
        // As shmem_tmpfile: labels (the file has no name), then the ACL.
        inode.init_security(dir, None)?;
        inode.acl_create(dir)?;
        file.instantiate(inode);
        Ok(())
    }

    /// `chmod`, `chown`, `utimes` of a directory: as for any inode (`truncate.rs`).
    fn setattr(
        idmap: Idmap,
        dentry: &Dentry<Rshmem>,
        inode: &LockedInode<Rshmem>,
        attr: &Iattr,
    ) -> Result {
        <Rshmem as FileInodeOperations>::setattr(idmap, dentry, inode, attr)
    }
}

impl Rshmem {
    /// RENAME_WHITEOUT's whiteout, as shmem_whiteout makes it: a character device 0/0,
    /// an inode like any other (charged to `nr_inodes=`, owned by the caller, mode 0),
    /// under `old`'s name in `old_dir`. It is hashed while `old` still is; the VFS moves
    /// `old` to its new name (d_move) after `rename` returns. Until then a lookup finds
    /// one of the two, either of which is right at that point: the VFS holds both
    /// directories' `i_rwsem` (lock_rename), so no other name operation can run in
    /// `old_dir` meanwhile, and lookups do not look at the inode they find beyond its
    /// dentry.
    fn whiteout(idmap: Idmap, old_dir: &LockedInode<Rshmem>, old: &Dentry<Rshmem>) -> Result {
        let dentry = old.alloc_sibling()?;
        <Rshmem as DirOperations>::mknod(idmap, old_dir, &dentry, whiteout::MODE, whiteout::DEV)?;
        dentry.rehash();
        Ok(())
    }
}

/// A symbolic link's operations: its target is read by `simple_get_link`.
#[vtable]
impl SymlinkOperations for Rshmem {
    /// `chown`, `utimes` of the link: as for any inode (`truncate.rs`).
    fn setattr(
        idmap: Idmap,
        dentry: &Dentry<Rshmem>,
        inode: &LockedInode<Rshmem>,
        attr: &Iattr,
    ) -> Result {
        <Rshmem as FileInodeOperations>::setattr(idmap, dentry, inode, attr)
    }
}
