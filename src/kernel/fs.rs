// SPDX-License-Identifier: GPL-2.0

//! Filesystems: the [`FileSystem`] trait (its types, and mounting), one `#[vtable]` trait
//! per C operation table (directory, file inode, symlink, directory file, file,
//! address_space and vm_operations here; the superblock's in `fs/super_block.rs`), the tables built from
//! them (an operation a filesystem does not implement leaves its slot empty, or takes
//! the libfs default, by its `HAS_*` constant), and the trampolines that reach them.

pub mod acl;
pub mod attr;
pub mod dentry;
pub mod dir_offsets;
pub mod export;
pub mod file;
pub mod fs_context;
pub mod fs_parser;
pub mod fs_type;
pub mod inode;
pub mod inode_cache;
pub mod super_block;
pub mod xattr;

use crate::kapi::bindings;
use crate::kapi::fs::attr::{FileAttr, Iattr, Idmap, Kstat};
use crate::kapi::fs::dentry::Dentry;
use crate::kapi::fs::dir_offsets::{DirContext, ListedDir};
use crate::kapi::fs::file::{File, TmpFile};
use crate::kapi::fs::fs_context::{to_errno, FsContext};
use crate::kapi::fs::fs_parser::Param;
use crate::kapi::fs::inode::{Inode, LockedInode};
use crate::kapi::fs::super_block::{New, SuperBlock, SuperOperations};
use crate::kapi::fs::xattr::{NameList, SecurityXattrs, ValueOut};
use crate::kapi::iov::{IovIter, Kiocb};
use crate::kapi::mm::fault::{FaultResult, PageMkwrite, PinSlot, VmFault};
use crate::kapi::mm::folio::LockedFolio;
use core::ffi::{c_int, c_uint, c_void};
use core::marker::PhantomData;
use kernel::error::VTABLE_DEFAULT_ERROR;
use kernel::init::PinInit;
use kernel::prelude::*;

/// A filesystem: its types, and what the VFS calls to mount it, in safe Rust. What it
/// does for each C operation table is one trait per table, below and in
/// `fs/super_block.rs`; [`Operations`] gathers them.
pub trait FileSystem: Sized + 'static {
    /// What a mount or remount request collects while its parameters are parsed.
    type Options: Send;
    /// The state of one mounted instance, kept in the superblock.
    type Info: Send + Sync;
    /// The filesystem's own part of each inode, next to the VFS inode.
    type InodeData: Send + Sync;
    /// The name `mount -t` takes.
    const NAME: &'static CStr;
    /// The name of the inode cache in /proc/slabinfo.
    const INODE_CACHE_NAME: &'static CStr;
    /// `FS_*` flags of the filesystem type.
    const FS_FLAGS: c_int;
    /// Whether regular files, directories and special files take POSIX ACLs
    /// (`set_acl`, see `fs/acl.rs`); the superblock must also enable them.
    const POSIX_ACL: bool = false;

    /// Starts a mount (or remount) request, with every option at its default.
    fn init_options(fc: &FsContext) -> Result<Self::Options>;
    /// Takes one parameter that fs_parser found in the table and type-checked.
    fn parse_param(fc: &FsContext, opts: &mut Self::Options, param: &Param<'_>) -> Result;
    /// Creates the state of a new instance from the options of its mount request.
    fn new_info(opts: &Self::Options) -> impl PinInit<Self::Info, Error>;
    /// Fills in a new superblock, whose info `new_info` made, and gives it a root.
    fn fill_super(sb: &SuperBlock<Self, New>, opts: &Self::Options) -> Result;
    /// Applies the options of a remount request to a mounted instance.
    fn reconfigure(fc: &FsContext, sb: &SuperBlock<Self>, opts: &Self::Options) -> Result;
    /// Initialises the per-inode data of a new inode.
    fn init_inode_data() -> impl PinInit<Self::InodeData, Error>;
}

/// Every operation table of a filesystem: what its inodes, files and mappings need.
pub trait Operations:
    SuperOperations
    + InodeOperations
    + DirOperations
    + FileInodeOperations
    + SymlinkOperations
    + DirFileOperations
    + FileOperations
    + AddressSpaceOperations
    + VmOperations
{
}

impl<T> Operations for T where
    T: SuperOperations
        + InodeOperations
        + DirOperations
        + FileInodeOperations
        + SymlinkOperations
        + DirFileOperations
        + FileOperations
        + AddressSpaceOperations
        + VmOperations
{
}

/// What every `inode_operations` table of the filesystem has, whatever the inode's type.
#[vtable]
pub trait InodeOperations: FileSystem {
    /// `stat` and `statx`: adds to `stat` what the filesystem reports beyond what
    /// `generic_fillattr` copied from the inode (`request_mask`: the `STATX_*` asked for).
    fn getattr(_inode: &Inode<Self>, _stat: &mut Kstat, _request_mask: u32) {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// `FS_IOC_GETFLAGS` (and `FS_IOC_FSGETXATTR`, which the VFS derives from it) of a
    /// regular file or directory: its `FS_*_FL` flags.
    fn fileattr_get(_inode: &Inode<Self>) -> u32 {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// `FS_IOC_SETFLAGS` (and `FS_IOC_FSSETXATTR`) of a regular file or directory. The VFS
    /// has checked ownership and `CAP_LINUX_IMMUTABLE` (`vfs_fileattr_set`), and holds
    /// the inode's `i_rwsem`.
    fn fileattr_set(_idmap: Idmap, _inode: &LockedInode<Self>, _attr: &FileAttr) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// `getxattr` of `name` (the full name, prefix included) in one of the namespaces
    /// the superblock enabled (`fs/xattr.rs`): its value, put in `out`.
    fn xattr_get(_inode: &Inode<Self>, _name: &CStr, _out: ValueOut<'_>) -> Result<usize> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// `setxattr` (`value` given) or `removexattr` (none) of `name`, with
    /// `fs::xattr::set_flags`. The VFS holds the inode's `i_rwsem`.
    fn xattr_set(_inode: &Inode<Self>, _name: &CStr, _value: Option<&[u8]>, _flags: i32) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// `listxattr`: the names, added to `list`.
    fn listxattr(_inode: &Inode<Self>, _list: &mut NameList<'_>) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// Stores the LSMs' labels of a new inode, only its creator's
    /// (`NewInode::init_security`): all of them, or none and an error.
    fn init_security_xattrs(_inode: &Inode<Self>, _xattrs: SecurityXattrs<'_>) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The `inode_operations` of a directory. `lookup` is libfs's `simple_lookup`; `create`
/// and `mkdir` are `mknod` with the type bits of a regular file or a directory.
#[vtable]
pub trait DirOperations: FileSystem {
    /// Creates a regular file, directory, device, fifo or socket (by `mode`) at `dentry`.
    fn mknod(
        _idmap: Idmap,
        _dir: &LockedInode<Self>,
        _dentry: &Dentry<Self>,
        _mode: u16,
        _dev: u32,
    ) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// Creates a symbolic link to `target` at `dentry`.
    fn symlink(
        _idmap: Idmap,
        _dir: &LockedInode<Self>,
        _dentry: &Dentry<Self>,
        _target: &CStr,
    ) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// Creates a hard link to `old`'s inode at `dentry`.
    fn link(_old: &Dentry<Self>, _dir: &LockedInode<Self>, _dentry: &Dentry<Self>) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// Removes the name `dentry` of a non-directory.
    fn unlink(_dir: &LockedInode<Self>, _dentry: &Dentry<Self>) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// Removes the empty directory `dentry`.
    fn rmdir(_dir: &LockedInode<Self>, _dentry: &Dentry<Self>) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// Renames, with `RENAME_*` flags.
    fn rename(
        _idmap: Idmap,
        _old_dir: &LockedInode<Self>,
        _old: &Dentry<Self>,
        _new_dir: &LockedInode<Self>,
        _new: &Dentry<Self>,
        _flags: u32,
    ) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// Creates an unnamed regular file for O_TMPFILE; returns it instantiated in `file`.
    fn tmpfile(_idmap: Idmap, _dir: &Inode<Self>, _file: &TmpFile<Self>, _mode: u16) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// `chmod`, `chown`, `utimes` of a directory.
    fn setattr(
        _idmap: Idmap,
        _dentry: &Dentry<Self>,
        _inode: &LockedInode<Self>,
        _attr: &Iattr,
    ) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The `inode_operations` of a regular file, and of a device, fifo or socket.
#[vtable]
pub trait FileInodeOperations: FileSystem {
    /// `chmod`, `chown`, `utimes`, `truncate`.
    fn setattr(
        _idmap: Idmap,
        _dentry: &Dentry<Self>,
        _inode: &LockedInode<Self>,
        _attr: &Iattr,
    ) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The `inode_operations` of a symbolic link. `get_link` is libfs's `simple_get_link`.
#[vtable]
pub trait SymlinkOperations: FileSystem {
    /// `chown`, `utimes` of the link itself.
    fn setattr(
        _idmap: Idmap,
        _dentry: &Dentry<Self>,
        _inode: &LockedInode<Self>,
        _attr: &Iattr,
    ) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The `file_operations` of an open directory. `read` is `generic_read_dir` (EISDIR) and
/// `fsync` `noop_fsync`; there is no `open` or `release`. Without `iterate_shared`, the
/// table is libfs's `simple_dir_operations` (`dcache_readdir`).
#[vtable]
pub trait DirFileOperations: FileSystem {
    /// Lists the directory from `ctx`'s position on, as `getdents` asks, until the end or
    /// until the caller's buffer is full; leaves in `ctx` the position to go on from. The
    /// VFS holds the directory's `i_rwsem` for reading ([`ListedDir`]).
    fn iterate_shared(_dir: &ListedDir<'_, Self>, _ctx: &mut DirContext) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// `lseek` of the directory: returns the new position.
    fn llseek(_file: &File<Self>, _offset: i64, _whence: i32) -> Result<i64> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The `file_operations` of a regular file. Writes are `generic_file_write_iter`, over
/// [`AddressSpaceOperations`], always buffered; `open` allows O_DIRECT, as a hint that
/// changes nothing (tmpfs's rules); `mmap` installs [`VmOperations`].
#[vtable]
pub trait FileOperations: FileSystem {
    /// Reads from the file at `iocb`'s position.
    fn read_iter(_iocb: &mut Kiocb<Self>, _iter: &mut IovIter) -> Result<usize> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// `lseek`, SEEK_DATA and SEEK_HOLE included.
    fn llseek(_file: &File<Self>, _offset: i64, _whence: i32) -> Result<i64> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// `fallocate(2)`.
    fn fallocate(_file: &File<Self>, _mode: i32, _offset: i64, _len: i64) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The `address_space_operations` of a regular file's page cache. Folios are dirtied
/// with `noop_dirty_folio`, migrate with `migrate_folio`, and are kept when memory
/// failure hits them.
#[vtable]
pub trait AddressSpaceOperations: FileSystem {
    /// The locked folio a buffered write of `len` bytes at `pos` copies into.
    fn write_begin(_inode: &LockedInode<Self>, _pos: i64, _len: u32) -> Result<LockedFolio> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// Finishes a buffered write of `copied` bytes at `pos`; returns how many count.
    fn write_end(_inode: &LockedInode<Self>, _pos: i64, _copied: u32, _folio: LockedFolio) -> u32 {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// Memory failure poisoned a folio of the file, which stays in the page cache (see
    /// `keep_poisoned_folio`); before that it may have split a large folio, dropping
    /// its pages past `i_size` from the page cache. Called with the folio locked.
    fn folio_poisoned(_inode: &Inode<Self>) {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The `vm_operations_struct` of a mapping of a regular file. `map_pages` is
/// `filemap_map_pages`.
#[vtable]
pub trait VmOperations: FileSystem {
    /// A page fault on a mapping of the file.
    fn fault(_vmf: VmFault<'_, Self>) -> FaultResult<'_> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// A write to a page mapped read-only in a shared mapping.
    fn page_mkwrite(_vmf: PageMkwrite<'_, Self>) -> FaultResult<'_> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// Whether a new mapping of `file` gets [`VmOperations::page_mkwrite`], asked at
    /// `mmap`. With it, the mm maps the pages of a shared writable mapping read-only
    /// until they are written (write notification); without it, writable at once.
    fn wants_page_mkwrite(_file: &File<Self>) -> bool {
        true
    }
}

// The tables, one per trait. Each is a constant, promoted to static storage where it is
// used; a slot whose method the filesystem does not implement stays empty (`HAS_*`).

/// Picks the trampoline of an optional slot.
macro_rules! slot {
    ($has:expr, $f:expr) => {
        if $has {
            Some($f)
        } else {
            None
        }
    };
}

struct DirTable<T>(PhantomData<T>);

impl<T: DirOperations + InodeOperations> DirTable<T> {
    const OPS: bindings::inode_operations = {
        // SAFETY: All-zero is a valid `struct inode_operations`: no callbacks.
        let mut ops: bindings::inode_operations = unsafe { core::mem::zeroed() };
        ops.lookup = Some(bindings::simple_lookup);
        ops.create = slot!(T::HAS_MKNOD, create::<T>);
        ops.mkdir = slot!(T::HAS_MKNOD, mkdir::<T>);
        ops.mknod = slot!(T::HAS_MKNOD, mknod::<T>);
        ops.link = slot!(T::HAS_LINK, link::<T>);
        ops.unlink = slot!(T::HAS_UNLINK, unlink::<T>);
        ops.symlink = slot!(T::HAS_SYMLINK, symlink::<T>);
        ops.rmdir = slot!(T::HAS_RMDIR, rmdir::<T>);
        ops.rename = slot!(T::HAS_RENAME, rename::<T>);
        ops.tmpfile = slot!(T::HAS_TMPFILE, tmpfile::<T>);
        ops.setattr = slot!(T::HAS_SETATTR, dir_setattr::<T>);
        ops.getattr = slot!(<T as InodeOperations>::HAS_GETATTR, getattr::<T>);
        ops.fileattr_get = slot!(T::HAS_FILEATTR_GET, fileattr_get::<T>);
        ops.fileattr_set = slot!(T::HAS_FILEATTR_SET, fileattr_set::<T>);
        ops.listxattr = slot!(T::HAS_LISTXATTR, xattr::listxattr::<T>);
        ops.set_acl = if T::POSIX_ACL { acl::SET_ACL } else { None };
        ops
    };
}

struct FileInodeTable<T>(PhantomData<T>);

impl<T: FileInodeOperations + InodeOperations> FileInodeTable<T> {
    const OPS: bindings::inode_operations = {
        // SAFETY: As above.
        let mut ops: bindings::inode_operations = unsafe { core::mem::zeroed() };
        ops.setattr = slot!(T::HAS_SETATTR, file_setattr::<T>);
        ops.getattr = slot!(<T as InodeOperations>::HAS_GETATTR, getattr::<T>);
        ops.fileattr_get = slot!(T::HAS_FILEATTR_GET, fileattr_get::<T>);
        ops.fileattr_set = slot!(T::HAS_FILEATTR_SET, fileattr_set::<T>);
        ops.listxattr = slot!(T::HAS_LISTXATTR, xattr::listxattr::<T>);
        ops.set_acl = if T::POSIX_ACL { acl::SET_ACL } else { None };
        ops
    };
    /// A device's, fifo's or socket's: the same without file attributes, which the VFS
    /// asks of regular files and directories only (as tmpfs has them).
    const SPECIAL_OPS: bindings::inode_operations = {
        let mut ops = Self::OPS;
        ops.fileattr_get = None;
        ops.fileattr_set = None;
        ops
    };
}

struct SymlinkTable<T>(PhantomData<T>);

impl<T: SymlinkOperations + InodeOperations> SymlinkTable<T> {
    const OPS: bindings::inode_operations = {
        // SAFETY: As above.
        let mut ops: bindings::inode_operations = unsafe { core::mem::zeroed() };
        ops.get_link = Some(bindings::simple_get_link);
        ops.setattr = slot!(T::HAS_SETATTR, symlink_setattr::<T>);
        ops.getattr = slot!(<T as InodeOperations>::HAS_GETATTR, getattr::<T>);
        // Symlinks have xattrs (`trusted.*` and `security.*`) but no ACLs, as on tmpfs.
        ops.listxattr = slot!(T::HAS_LISTXATTR, xattr::listxattr::<T>);
        ops
    };
}

struct DirFileTable<T>(PhantomData<T>);

impl<T: DirFileOperations> DirFileTable<T> {
    const OPS: bindings::file_operations = {
        // SAFETY: All-zero is a valid `struct file_operations`: no callbacks.
        let mut ops: bindings::file_operations = unsafe { core::mem::zeroed() };
        ops.llseek = if T::HAS_LLSEEK {
            Some(dir_llseek::<T>)
        } else {
            Some(bindings::generic_file_llseek)
        };
        ops.read = Some(bindings::generic_read_dir);
        ops.iterate_shared = Some(iterate_shared::<T>);
        ops.fsync = Some(bindings::noop_fsync);
        ops
    };
}

struct FileTable<T>(PhantomData<T>);

impl<T: FileOperations + VmOperations> FileTable<T> {
    const OPS: bindings::file_operations = {
        // SAFETY: All-zero is a valid `struct file_operations`: no callbacks.
        let mut ops: bindings::file_operations = unsafe { core::mem::zeroed() };
        ops.llseek = if T::HAS_LLSEEK {
            Some(llseek::<T>)
        } else {
            Some(bindings::generic_file_llseek)
        };
        ops.read_iter = slot!(T::HAS_READ_ITER, read_iter::<T>);
        ops.write_iter = Some(write_iter_buffered);
        ops.mmap = Some(mmap::<T>);
        ops.open = Some(open_buffered_odirect);
        ops.fsync = Some(bindings::noop_fsync);
        ops.splice_read = Some(splice_read_by_page);
        ops.splice_write = Some(bindings::iter_file_splice_write);
        ops.fallocate = slot!(T::HAS_FALLOCATE, fallocate::<T>);
        // Mappings placed so that the file's PMD-size folios can be mapped by one PMD entry
        // each: the address congruent to the file offset modulo the PMD size, as ext4
        // and xfs place theirs (tmpfs has its own, `shmem_get_unmapped_area`).
        #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
        {
            ops.get_unmapped_area = Some(bindings::thp_get_unmapped_area);
        }
        ops
    };
}

struct AddressSpaceTable<T>(PhantomData<T>);

impl<T: AddressSpaceOperations> AddressSpaceTable<T> {
    const OPS: bindings::address_space_operations = {
        // SAFETY: All-zero is a valid `struct address_space_operations`.
        let mut ops: bindings::address_space_operations = unsafe { core::mem::zeroed() };
        ops.dirty_folio = Some(bindings::noop_dirty_folio);
        ops.write_begin = slot!(T::HAS_WRITE_BEGIN, write_begin::<T>);
        ops.write_end = slot!(T::HAS_WRITE_END, write_end::<T>);
        ops.error_remove_folio = Some(keep_poisoned_folio::<T>);
        // Folios are allocated movable (the mapping's GFP_HIGHUSER_MOVABLE), so they
        // must be migratable, or compaction, CMA and memory offlining fail on each of
        // them. They have no private data: the plain page-cache copy does, as for shmem.
        #[cfg(CONFIG_MIGRATION)]
        {
            ops.migrate_folio = Some(bindings::migrate_folio);
        }
        ops
    };
}

struct VmTable<T>(PhantomData<T>);

impl<T: VmOperations> VmTable<T> {
    const OPS: bindings::vm_operations_struct = {
        // SAFETY: All-zero is a valid `struct vm_operations_struct`.
        let mut ops: bindings::vm_operations_struct = unsafe { core::mem::zeroed() };
        ops.fault = slot!(T::HAS_FAULT, fault::<T>);
        ops.map_pages = Some(bindings::filemap_map_pages);
        ops.page_mkwrite = slot!(T::HAS_PAGE_MKWRITE, page_mkwrite::<T>);
        ops
    };
    /// The same without `page_mkwrite`.
    const OPS_NO_MKWRITE: bindings::vm_operations_struct = {
        let mut ops = Self::OPS;
        ops.page_mkwrite = None;
        ops
    };
}

pub(crate) fn dir_inode_ops<T: Operations>() -> &'static bindings::inode_operations {
    const { &DirTable::<T>::OPS }
}

pub(crate) fn file_inode_ops<T: Operations>() -> &'static bindings::inode_operations {
    const { &FileInodeTable::<T>::OPS }
}

pub(crate) fn symlink_inode_ops<T: Operations>() -> &'static bindings::inode_operations {
    const { &SymlinkTable::<T>::OPS }
}

pub(crate) fn special_inode_ops<T: Operations>() -> &'static bindings::inode_operations {
    // A device, fifo or socket inode needs only attribute changes and stat from us.
    const { &FileInodeTable::<T>::SPECIAL_OPS }
}

pub(crate) fn dir_file_ops<T: Operations>() -> &'static bindings::file_operations {
    if <T as DirFileOperations>::HAS_ITERATE_SHARED {
        const { &DirFileTable::<T>::OPS }
    } else {
        // SAFETY: A static of libfs's, never written.
        unsafe { &bindings::simple_dir_operations }
    }
}

pub(crate) fn file_ops<T: Operations>() -> &'static bindings::file_operations {
    const { &FileTable::<T>::OPS }
}

pub(crate) fn address_space_ops<T: Operations>() -> &'static bindings::address_space_operations {
    const { &AddressSpaceTable::<T>::OPS }
}

// The trampolines. The VFS calls each with valid objects of this filesystem, holding the
// locks its documentation names (Documentation/filesystems/locking.rst); each SAFETY
// comment below relies on that.

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn create<T: DirOperations>(
    idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    mode: bindings::umode_t,
    _excl: bool,
) -> c_int {
    // SAFETY: The same contract as `mknod`'s.
    unsafe {
        mknod::<T>(
            idmap,
            dir,
            dentry,
            mode | bindings::S_IFREG as bindings::umode_t,
            0,
        )
    }
}

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn mkdir<T: DirOperations>(
    idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    mode: bindings::umode_t,
) -> c_int {
    // SAFETY: The same contract as `mknod`'s.
    unsafe {
        mknod::<T>(
            idmap,
            dir,
            dentry,
            mode | bindings::S_IFDIR as bindings::umode_t,
            0,
        )
    }
}

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn mknod<T: DirOperations>(
    idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    mode: bindings::umode_t,
    dev: bindings::dev_t,
) -> c_int {
    // SAFETY: See the note above the trampolines; the VFS holds the `i_rwsem` of the
    // directories.
    to_errno(unsafe {
        T::mknod(
            Idmap(idmap),
            LockedInode::from_raw(dir),
            Dentry::from_raw(dentry),
            mode,
            dev,
        )
    })
}

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn symlink<T: DirOperations>(
    idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    target: *const kernel::ffi::c_char,
) -> c_int {
    // SAFETY: See the note above the trampolines; the VFS holds the directory's
    // `i_rwsem`; `target` is a NUL-terminated string.
    to_errno(unsafe {
        T::symlink(
            Idmap(idmap),
            LockedInode::from_raw(dir),
            Dentry::from_raw(dentry),
            CStr::from_char_ptr(target),
        )
    })
}

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn link<T: DirOperations>(
    old: *mut bindings::dentry,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
) -> c_int {
    // SAFETY: See the note above the trampolines; the VFS holds the `i_rwsem` of the
    // directories.
    to_errno(unsafe {
        T::link(
            Dentry::from_raw(old),
            LockedInode::from_raw(dir),
            Dentry::from_raw(dentry),
        )
    })
}

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn unlink<T: DirOperations>(
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
) -> c_int {
    // SAFETY: See the note above the trampolines; the VFS holds the `i_rwsem` of the
    // directories.
    to_errno(unsafe { T::unlink(LockedInode::from_raw(dir), Dentry::from_raw(dentry)) })
}

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn rmdir<T: DirOperations>(
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
) -> c_int {
    // SAFETY: See the note above the trampolines; the VFS holds the `i_rwsem` of the
    // directories.
    to_errno(unsafe { T::rmdir(LockedInode::from_raw(dir), Dentry::from_raw(dentry)) })
}

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn rename<T: DirOperations>(
    idmap: *mut bindings::mnt_idmap,
    old_dir: *mut bindings::inode,
    old: *mut bindings::dentry,
    new_dir: *mut bindings::inode,
    new: *mut bindings::dentry,
    flags: c_uint,
) -> c_int {
    // SAFETY: See the note above the trampolines; the VFS holds the `i_rwsem` of the
    // directories.
    to_errno(unsafe {
        T::rename(
            Idmap(idmap),
            LockedInode::from_raw(old_dir),
            Dentry::from_raw(old),
            LockedInode::from_raw(new_dir),
            Dentry::from_raw(new),
            flags,
        )
    })
}

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn tmpfile<T: DirOperations>(
    idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    file: *mut bindings::file,
    mode: bindings::umode_t,
) -> c_int {
    // SAFETY: See the note above the trampolines.
    let r = unsafe {
        T::tmpfile(
            Idmap(idmap),
            Inode::from_raw(dir),
            TmpFile::from_raw(file),
            mode,
        )
    };
    // SAFETY: `finish_open_simple` completes (or fails) the open, as `->tmpfile` must.
    unsafe { bindings::finish_open_simple(file, to_errno(r)) }
}

/// `setattr` of each inode table, with the method of its trait.
///
/// # Safety
///
/// Called by a trampoline with the arguments the VFS passed it.
unsafe fn setattr_with<T: FileSystem>(
    f: fn(Idmap, &Dentry<T>, &LockedInode<T>, &Iattr) -> Result,
    idmap: *mut bindings::mnt_idmap,
    dentry: *mut bindings::dentry,
    attr: *mut bindings::iattr,
) -> c_int {
    // SAFETY: See the note above the trampolines. `notify_change` calls `setattr` on a
    // positive dentry, with its inode's `i_rwsem` held for writing.
    to_errno(unsafe {
        f(
            Idmap(idmap),
            Dentry::from_raw(dentry),
            LockedInode::from_raw((*dentry).d_inode),
            Iattr::from_raw(attr),
        )
    })
}

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn dir_setattr<T: DirOperations>(
    idmap: *mut bindings::mnt_idmap,
    dentry: *mut bindings::dentry,
    attr: *mut bindings::iattr,
) -> c_int {
    // SAFETY: The VFS's arguments, as `setattr_with` requires.
    unsafe { setattr_with(<T as DirOperations>::setattr, idmap, dentry, attr) }
}

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn file_setattr<T: FileInodeOperations>(
    idmap: *mut bindings::mnt_idmap,
    dentry: *mut bindings::dentry,
    attr: *mut bindings::iattr,
) -> c_int {
    // SAFETY: The VFS's arguments, as `setattr_with` requires.
    unsafe { setattr_with(<T as FileInodeOperations>::setattr, idmap, dentry, attr) }
}

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn symlink_setattr<T: SymlinkOperations>(
    idmap: *mut bindings::mnt_idmap,
    dentry: *mut bindings::dentry,
    attr: *mut bindings::iattr,
) -> c_int {
    // SAFETY: The VFS's arguments, as `setattr_with` requires.
    unsafe { setattr_with(<T as SymlinkOperations>::setattr, idmap, dentry, attr) }
}

/// `getattr` of every inode table: `generic_fillattr`, then the filesystem's additions.
///
/// # Safety
///
/// Called by `vfs_getattr_nosec` with a path to an inode of `T` and a `kstat` it zeroed
/// and lends us for the call.
unsafe extern "C" fn getattr<T: InodeOperations>(
    idmap: *mut bindings::mnt_idmap,
    path: *const bindings::path,
    stat: *mut bindings::kstat,
    request_mask: u32,
    _query_flags: c_uint,
) -> c_int {
    // SAFETY: The path's dentry is positive and pinned by the path for the call (a stat
    // holds a reference to the path); its inode is an inode of `T`.
    let inode = unsafe { (*(*path).dentry).d_inode };
    // SAFETY: All valid, as above; `generic_fillattr` reads the inode without locks, as
    // every `getattr` does.
    unsafe { bindings::generic_fillattr(idmap, request_mask, inode, stat) };
    // SAFETY: As above; the kstat is ours for the call.
    unsafe { T::getattr(Inode::from_raw(inode), Kstat::from_raw(stat), request_mask) };
    0
}

/// # Safety
///
/// Called by `vfs_fileattr_get` with a positive dentry of `T`, pinned for the call, and
/// a `struct fileattr` to fill in.
unsafe extern "C" fn fileattr_get<T: InodeOperations>(
    dentry: *mut bindings::dentry,
    fa: *mut bindings::fileattr,
) -> c_int {
    // SAFETY: The dentry is positive and pinned, its inode one of `T`.
    let flags = T::fileattr_get(unsafe { Inode::from_raw((*dentry).d_inode) });
    // SAFETY: `fa` is the caller's, valid for the call; the function sets the flags and
    // the xflags derived from them.
    unsafe { bindings::fileattr_fill_flags(fa, flags) };
    0
}

/// # Safety
///
/// Called by `vfs_fileattr_set` with a positive dentry of `T` whose inode's `i_rwsem`
/// it holds, and the change.
unsafe extern "C" fn fileattr_set<T: InodeOperations>(
    idmap: *mut bindings::mnt_idmap,
    dentry: *mut bindings::dentry,
    fa: *mut bindings::fileattr,
) -> c_int {
    // SAFETY: As the note above says: the inode is `T`'s, its `i_rwsem` held for the
    // call; `fa` is valid for it.
    to_errno(unsafe {
        T::fileattr_set(
            Idmap(idmap),
            LockedInode::from_raw((*dentry).d_inode),
            FileAttr::from_raw(fa),
        )
    })
}

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn read_iter<T: FileOperations>(
    iocb: *mut bindings::kiocb,
    iter: *mut bindings::iov_iter,
) -> isize {
    // SAFETY: See the note above the trampolines.
    match unsafe { T::read_iter(Kiocb::from_raw(iocb), IovIter::from_raw(iter)) } {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// # Safety
///
/// Called by `iterate_dir` with an open directory of `T`, whose `i_rwsem` it holds for
/// reading, and its `dir_context`, both valid for the call.
unsafe extern "C" fn iterate_shared<T: DirFileOperations>(
    file: *mut bindings::file,
    ctx: *mut bindings::dir_context,
) -> c_int {
    // SAFETY: The note above: the directory is open and its `i_rwsem` held for reading
    // until we return; the context is ours for the call.
    let (dir, ctx) = unsafe { (ListedDir::from_raw(file), DirContext::from_raw(ctx)) };
    to_errno(T::iterate_shared(&dir, ctx))
}

/// # Safety
///
/// Called by the VFS with an open directory of `T`.
unsafe extern "C" fn dir_llseek<T: DirFileOperations>(
    file: *mut bindings::file,
    offset: bindings::loff_t,
    whence: c_int,
) -> bindings::loff_t {
    // SAFETY: See the note above the trampolines.
    match <T as DirFileOperations>::llseek(unsafe { File::<T>::from_raw(file) }, offset, whence) {
        Ok(pos) => pos,
        Err(e) => e.to_errno() as bindings::loff_t,
    }
}

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn llseek<T: FileOperations>(
    file: *mut bindings::file,
    offset: bindings::loff_t,
    whence: c_int,
) -> bindings::loff_t {
    // SAFETY: See the note above the trampolines.
    match <T as FileOperations>::llseek(unsafe { File::<T>::from_raw(file) }, offset, whence) {
        Ok(pos) => pos,
        Err(e) => e.to_errno() as bindings::loff_t,
    }
}

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn mmap<T: VmOperations>(
    file: *mut bindings::file,
    vma: *mut bindings::vm_area_struct,
) -> c_int {
    // SAFETY: The VFS passes the file being mapped, valid for the call.
    let file = unsafe { File::<T>::from_raw(file) };
    file.accessed();
    // `mmap_region` computes the VMA's page protection (`vma_set_page_prot`, which asks
    // `vma_wants_writenotify` whether there is a `page_mkwrite`) after this returns, so
    // either table takes full effect.
    let ops = if T::HAS_PAGE_MKWRITE && T::wants_page_mkwrite(file) {
        const { &VmTable::<T>::OPS }
    } else {
        const { &VmTable::<T>::OPS_NO_MKWRITE }
    };
    // SAFETY: The VFS passes the new VMA, under mmap_lock; the table is static.
    unsafe { (*vma).vm_ops = ops };
    0
}

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn write_begin<T: AddressSpaceOperations>(
    _file: *mut bindings::file,
    mapping: *mut bindings::address_space,
    pos: bindings::loff_t,
    len: c_uint,
    foliop: *mut *mut bindings::folio,
    _fsdata: *mut *mut c_void,
) -> c_int {
    // SAFETY: `generic_perform_write` passes the mapping of an inode of `T`, under its
    // `i_rwsem`.
    let inode = unsafe { LockedInode::<T>::from_raw((*mapping).host) };
    match T::write_begin(inode, pos, len) {
        Ok(folio) => {
            // SAFETY: `foliop` is ours to fill; the lock and reference go to `write_end`.
            unsafe { *foliop = folio.into_raw() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn write_end<T: AddressSpaceOperations>(
    _file: *mut bindings::file,
    mapping: *mut bindings::address_space,
    pos: bindings::loff_t,
    _len: c_uint,
    copied: c_uint,
    folio: *mut bindings::folio,
    _fsdata: *mut c_void,
) -> c_int {
    // SAFETY: As in `write_begin`; `folio` is the one it returned, locked, with its
    // reference.
    let (inode, folio) = unsafe {
        (
            LockedInode::<T>::from_raw((*mapping).host),
            LockedFolio::from_raw(core::ptr::NonNull::new_unchecked(folio)),
        )
    };
    T::write_end(inode, pos, copied, folio) as c_int
}

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn fault<T: VmOperations>(vmf: *mut bindings::vm_fault) -> bindings::vm_fault_t {
    // Where the handler parks its file reference if it releases the fault lock: dropped
    // (`fput`) only after the handler has returned.
    let mut pin: PinSlot<T> = None;
    // SAFETY: The mm passes a fault on a VMA whose operations are `T`'s, under the fault
    // lock; `pin` outlives the handler.
    T::fault(unsafe { VmFault::from_raw(vmf, &mut pin) }).0
}

/// # Safety
///
/// Called by the VFS or the mm with valid objects of `T`, as the note above the
/// trampolines says.
unsafe extern "C" fn page_mkwrite<T: VmOperations>(
    vmf: *mut bindings::vm_fault,
) -> bindings::vm_fault_t {
    // SAFETY: The mm passes the fault of `.page_mkwrite` on a VMA whose operations are
    // `T`'s, under the fault lock, with `vmf->page` the mapped page.
    T::page_mkwrite(unsafe { PageMkwrite::from_raw(vmf) }).0
}

/// `splice_read`: `copy_splice_read`, with tmpfs's byte counts. shmem_file_splice_read
/// puts each page of the file in a pipe buffer of its own, so a read from an offset
/// within a page fills the pipe's free slots with that many pages less the offset in
/// the first; `copy_splice_read` would fill them with whole pages of copied bytes.
/// Capping its length makes the counts (and so what a caller sees) the same as tmpfs's.
///
/// # Safety
///
/// Called by `do_splice_read` with a file open for reading, its position, and a pipe
/// whose lock it holds.
unsafe extern "C" fn splice_read_by_page(
    file: *mut bindings::file,
    ppos: *mut bindings::loff_t,
    pipe: *mut bindings::pipe_inode_info,
    len: usize,
    flags: c_uint,
) -> isize {
    const PAGE: usize = crate::kapi::mm::PAGE_SIZE as usize;
    // SAFETY: The caller holds the pipe's lock, which keeps `head`, `tail` and
    // `max_usage` still; `ppos` is valid.
    let (free, misalign) = unsafe {
        let used = bindings::pipe_occupancy((*pipe).head, (*pipe).tail);
        (
            (*pipe).max_usage.saturating_sub(used) as usize,
            (*ppos as u64 % PAGE as u64) as usize,
        )
    };
    let len = len.min(free.saturating_mul(PAGE).saturating_sub(misalign));
    // SAFETY: The caller's contract, passed on; the length is only smaller.
    unsafe { bindings::copy_splice_read(file, ppos, pipe, len, flags) }
}

/// `open` of a regular file: `generic_file_open` (the O_LARGEFILE check), after allowing
/// O_DIRECT, as tmpfs does since 6.6 (`shmem_file_open`). O_DIRECT is only a hint here:
/// the page cache is the file, so direct reads and writes are buffered ones, with no
/// alignment rule (see [`write_iter_buffered`]; `read_iter` ignores `IOCB_DIRECT`). Without
/// `FMODE_CAN_ODIRECT`, `do_dentry_open` would refuse `open(O_DIRECT)` and `setfl` an
/// `F_SETFL` of O_DIRECT, with EINVAL.
///
/// # Safety
///
/// Called by `do_dentry_open` with the inode and the file being opened.
unsafe extern "C" fn open_buffered_odirect(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: The file is being opened: it is not yet installed in a file table, so no
    // one else reads or writes its `f_mode` (`do_dentry_open` tests the flag after `open`
    // returns).
    unsafe { (*file).f_mode |= bindings::RSHMEM_FMODE_CAN_ODIRECT };
    // SAFETY: The caller's arguments, passed on.
    unsafe { bindings::generic_file_open(inode, file) }
}

/// `write_iter` of a regular file: `generic_file_write_iter`, always buffered. A write
/// on an O_DIRECT file (or a splice or `kernel_write` to one: their kiocbs take the
/// file's `IOCB_DIRECT` too) would otherwise take `generic_file_direct_write`, which
/// calls `a_ops->direct_IO`, which rshmem has not; tmpfs's `shmem_file_write_iter` calls
/// `generic_perform_write` whatever the flags. The flag is cleared for the call and given
/// back after, so that the caller (aio, io_uring) finds its kiocb as it made it.
///
/// # Safety
///
/// Called by the VFS with a kiocb of a write to an open regular file of this filesystem
/// and its source buffers, both the caller's for the call.
unsafe extern "C" fn write_iter_buffered(
    iocb: *mut bindings::kiocb,
    from: *mut bindings::iov_iter,
) -> isize {
    let direct = bindings::IOCB_DIRECT as c_int;
    // SAFETY: The kiocb is the caller's, lent to us for the call; nothing else reads its
    // flags until we return.
    let is_direct = unsafe { (*iocb).ki_flags } & direct != 0;
    if !is_direct {
        // The common case: a buffered write, passed on as it is.
        // SAFETY: The caller's arguments, passed on.
        return unsafe { bindings::generic_file_write_iter(iocb, from) };
    }
    // SAFETY: As above.
    unsafe { (*iocb).ki_flags &= !direct };
    // SAFETY: The caller's arguments, passed on.
    let ret = unsafe { bindings::generic_file_write_iter(iocb, from) };
    // SAFETY: As above; `generic_file_write_iter` may have changed other flags, which stay.
    unsafe { (*iocb).ki_flags |= direct };
    ret
}

/// `error_remove_folio`: memory failure hit a folio of a file. The folio stays in the page
/// cache, poisoned, as on tmpfs (`shmem_error_remove_folio`): its data exists nowhere
/// else, so dropping it would turn the data into zeros that later reads and faults
/// would see. Kept, it makes reads and writes of its page fail with EIO and faults
/// SIGBUS, until truncation or a hole punch removes it. memory_failure() counts a kept
/// folio as a failed recovery for any mapping but shmem's (has_extra_refcount()), so
/// MADV_HWPOISON returns EBUSY here where tmpfs returns 0; that is the one difference.
///
/// # Safety
///
/// Called by memory_failure() with a locked folio of a mapping of `T`.
unsafe extern "C" fn keep_poisoned_folio<T: AddressSpaceOperations>(
    mapping: *mut bindings::address_space,
    _folio: *mut bindings::folio,
) -> c_int {
    if T::HAS_FOLIO_POISONED {
        // SAFETY: A file's mapping: `host` is its inode, of `T`, which the locked folio
        // in its page cache keeps from being evicted for the call.
        T::folio_poisoned(unsafe { Inode::from_raw((*mapping).host) });
    }
    0
}

/// # Safety
///
/// Called by the VFS with an open file of `T`, under no lock of ours.
unsafe extern "C" fn fallocate<T: FileOperations>(
    file: *mut bindings::file,
    mode: c_int,
    offset: bindings::loff_t,
    len: bindings::loff_t,
) -> kernel::ffi::c_long {
    // SAFETY: See the note above the trampolines.
    let file = unsafe { File::<T>::from_raw(file) };
    to_errno(T::fallocate(file, mode, offset, len)) as kernel::ffi::c_long
}
