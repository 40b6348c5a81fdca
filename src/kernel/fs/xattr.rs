// SPDX-License-Identifier: GPL-2.0

//! Extended attributes: the `xattr_handler`s of the `security.`, `trusted.` and `user.`
//! namespaces, `listxattr`, and the labels an LSM gives a new inode (`initxattrs`).
//!
//! The filesystem keeps the names and values ([`InodeOperations`]'s `xattr_*`
//! methods); 6.12 does not export libfs's `simple_xattr_*`, so the store is its own.
//! Before a handler runs, the VFS has applied the namespace rules (`xattr_permission`:
//! `user.*` only on regular files and directories, `trusted.*` only with CAP_SYS_ADMIN),
//! the 255-byte name limit (ERANGE) and the 64 KiB value limit (E2BIG); for a set or a
//! removal it holds the inode's `i_rwsem` (`__vfs_setxattr_locked`), for a get nothing.

use crate::kapi::bindings;
use crate::kapi::fs::dentry::Dentry;
use crate::kapi::fs::inode::{Inode, NewInode};
use crate::kapi::fs::super_block::{New, SuperBlock};
use crate::kapi::fs::{FileSystem, InodeOperations};
use core::ffi::{c_int, c_void};
use core::marker::PhantomData;
use kernel::ffi::c_char;
use kernel::prelude::*;
use kernel::str::CStr;

/// The flags of `setxattr(2)`.
pub mod set_flags {
    use crate::kapi::bindings;

    /// `XATTR_CREATE`: fail with EEXIST if the attribute exists.
    pub const CREATE: i32 = bindings::XATTR_CREATE as i32;
    /// `XATTR_REPLACE`: fail with ENODATA if it does not (a removal always has it).
    pub const REPLACE: i32 = bindings::XATTR_REPLACE as i32;
}

/// The prefix of the namespace the LSMs label files in.
pub const SECURITY_PREFIX: &[u8] = b"security.";

impl<T: InodeOperations> SuperBlock<T, New> {
    /// Gives the instance tmpfs's xattr namespaces (`s_xattr`): `security.`, `trusted.`
    /// and `user.`, kept by [`InodeOperations::xattr_get`] and `xattr_set`. Before any
    /// inode is made: the VFS marks each new inode as having xattrs (`IOP_XATTR`) when
    /// its superblock has handlers.
    pub fn enable_xattrs(&self) {
        // SAFETY: The superblock is being set up by `fill_super`, alone, under `s_umount`
        // (the state is `New`); the table is static.
        unsafe { (*self.as_ptr()).s_xattr = handlers::<T>().as_ptr() };
    }
}

/// The buffer a `getxattr` copies a value to, or none for a size query.
///
/// # Invariants
///
/// `buf` is null, or valid for writes of `size` bytes for `'a`.
pub struct ValueOut<'a> {
    buf: *mut u8,
    size: usize,
    _buf: PhantomData<&'a mut [u8]>,
}

impl ValueOut<'_> {
    /// Gives `value` as the answer, as `simple_xattr_get` does: with no buffer, its
    /// length; ERANGE if it does not fit; otherwise a copy, and its length.
    pub fn put(self, value: &[u8]) -> Result<usize> {
        if self.buf.is_null() {
            return Ok(value.len());
        }
        if self.size < value.len() {
            return Err(ERANGE);
        }
        // SAFETY: `buf` is valid for `size >= value.len()` bytes (type invariant), and is
        // the VFS's own buffer, which cannot overlap the filesystem's copy of the value.
        unsafe { core::ptr::copy_nonoverlapping(value.as_ptr(), self.buf, value.len()) };
        Ok(value.len())
    }
}

/// The buffer a `listxattr` fills with NUL-terminated names, or none for a size query;
/// its rules are libfs's (`xattr_list_one`, `simple_xattr_list`).
///
/// # Invariants
///
/// `buf` is null, or valid for writes of `remaining` bytes for `'a` (when `remaining`
/// is not negative).
pub struct NameList<'a> {
    buf: *mut u8,
    remaining: isize,
    size: usize,
    trusted: bool,
    _buf: PhantomData<&'a mut [u8]>,
}

impl NameList<'_> {
    /// Adds `name` (without its NUL), or fails with ERANGE if it does not fit.
    pub fn push(&mut self, name: &[u8]) -> Result {
        // A name is at most 255 bytes, a list at most XATTR_LIST_MAX: no overflow.
        let len = name.len() as isize + 1;
        if !self.buf.is_null() {
            if self.remaining < len {
                return Err(ERANGE);
            }
            // SAFETY: `buf` has room for `remaining >= len` bytes (type invariant).
            unsafe {
                core::ptr::copy_nonoverlapping(name.as_ptr(), self.buf, name.len());
                *self.buf.add(name.len()) = 0;
                // INVARIANT: `len` bytes fewer remain, after the ones written.
                self.buf = self.buf.add(len as usize);
            }
        }
        self.remaining -= len;
        Ok(())
    }

    /// Adds a stored attribute's name as `simple_xattr_list` does: not a `trusted.*`
    /// one for a caller without CAP_SYS_ADMIN, and not the MAC label of an LSM, which
    /// [`NameList::push_lsm_names`] listed.
    pub fn push_stored(&mut self, name: &CStr) -> Result {
        let bytes = name.as_bytes();
        if !self.trusted && bytes.starts_with(b"trusted.") {
            return Ok(());
        }
        if bytes.starts_with(SECURITY_PREFIX) {
            let suffix = &name.as_bytes_with_nul()[SECURITY_PREFIX.len()..];
            // SAFETY: `suffix` is the NUL-terminated tail of `name`.
            if unsafe { bindings::security_ismaclabel(suffix.as_ptr().cast()) } != 0 {
                return Ok(());
            }
        }
        self.push(bytes)
    }

    /// Adds the names of the inode's POSIX ACLs, as `posix_acl_listxattr` does; none
    /// without CONFIG_FS_POSIX_ACL.
    #[cfg(not(CONFIG_FS_POSIX_ACL))]
    pub fn push_acl_names<T: FileSystem>(&mut self, _inode: &Inode<T>) -> Result {
        Ok(())
    }

    /// Adds the names of the inode's POSIX ACLs, as `posix_acl_listxattr` does.
    #[cfg(CONFIG_FS_POSIX_ACL)]
    pub fn push_acl_names<T: FileSystem>(&mut self, inode: &Inode<T>) -> Result {
        let i = inode.as_ptr();
        // SAFETY: The inode is valid; `s_flags` and the cached ACL pointers are read
        // racily, as the VFS reads them for a listing (a set or removal of an ACL racing
        // with the listing shows either state).
        let (posix, access, default) = unsafe {
            (
                (*(*i).i_sb).s_flags & bindings::RSHMEM_SB_POSIXACL != 0,
                !core::ptr::read_volatile(&raw const (*i).i_acl).is_null(),
                !core::ptr::read_volatile(&raw const (*i).i_default_acl).is_null(),
            )
        };
        if !posix {
            return Ok(());
        }
        if access {
            self.push(b"system.posix_acl_access")?;
        }
        if default {
            self.push(b"system.posix_acl_default")?;
        }
        Ok(())
    }

    /// Adds the names the LSMs list for the inode (`security_inode_listsecurity`:
    /// Smack's `security.SMACK64`, for instance).
    pub fn push_lsm_names<T: FileSystem>(&mut self, inode: &Inode<T>) -> Result {
        let room = if self.buf.is_null() {
            0
        } else {
            self.remaining.max(0) as usize
        };
        let buf = self.buf.cast();
        // SAFETY: The inode is valid; `buf` is null or has room for `room` bytes (type
        // invariant), and the LSM writes at most `room` bytes (nothing if they do not fit).
        let len = unsafe { bindings::security_inode_listsecurity(inode.as_ptr(), buf, room) };
        if len < 0 {
            return Err(Error::from_errno(len));
        }
        let len = len as isize;
        if !self.buf.is_null() {
            if self.remaining < len {
                return Err(ERANGE);
            }
            // SAFETY: `len <= remaining` bytes were written.
            // INVARIANT: `len` bytes fewer remain.
            self.buf = unsafe { self.buf.add(len as usize) };
        }
        self.remaining -= len;
        Ok(())
    }

    /// The length of the list: what `listxattr` returns.
    fn len(&self) -> isize {
        self.size as isize - self.remaining
    }
}

/// The attributes an LSM gives a new inode (`security_inode_init_security`'s array):
/// each a name within `security.` (without the prefix) and a value.
///
/// # Invariants
///
/// `0` points to an array of `struct xattr` ended by a null name, valid for `'a`.
#[derive(Clone, Copy)]
pub struct SecurityXattrs<'a>(*const bindings::xattr, PhantomData<&'a bindings::xattr>);

impl<'a> Iterator for SecurityXattrs<'a> {
    type Item = (&'a CStr, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        // SAFETY: The array is valid up to and including its end (type invariant).
        let x = unsafe { &*self.0 };
        if x.name.is_null() {
            return None;
        }
        // SAFETY: Each entry before the end has a NUL-terminated name and a value of
        // `value_len` bytes (or none at all when the length is 0).
        let (name, value) = unsafe {
            let value = if x.value_len == 0 {
                &[][..]
            } else {
                core::slice::from_raw_parts(x.value.cast::<u8>(), x.value_len)
            };
            (CStr::from_char_ptr(x.name), value)
        };
        // SAFETY: Not past the end, which has not been reached.
        // INVARIANT: Still within the array.
        self.0 = unsafe { self.0.add(1) };
        Some((name, value))
    }
}

impl<T: FileSystem + InodeOperations> NewInode<T> {
    /// Gives the new inode the labels of the LSMs (`security_inode_init_security`),
    /// through [`InodeOperations::init_security_xattrs`]; `dentry` is its name, or
    /// `None` for an O_TMPFILE file. No LSM that labels files is not an error.
    pub fn init_security(&self, dir: &Inode<T>, dentry: Option<&Dentry<T>>) -> Result {
        let qstr = dentry.map_or(core::ptr::null(), |d| {
            // SAFETY: The dentry is valid; its name is stable while the parent's
            // `i_rwsem`, which the caller holds, is held.
            unsafe { &raw const (*d.as_ptr()).d_name }
        });
        // SAFETY: The inode is new and only ours; `dir` and `qstr` are valid for the
        // call; the callback is this filesystem's.
        let err = unsafe {
            bindings::security_inode_init_security(
                self.inode().as_ptr(),
                dir.as_ptr(),
                qstr,
                Some(initxattrs::<T>),
                core::ptr::null_mut(),
            )
        };
        if err == -(bindings::EOPNOTSUPP as c_int) {
            return Ok(());
        }
        kernel::error::to_result(err)
    }
}

/// # Safety
///
/// Called by `security_inode_init_security` with the new inode of `T` (only its
/// creator's) and the LSMs' array of attributes, ended by a null name.
unsafe extern "C" fn initxattrs<T: InodeOperations>(
    inode: *mut bindings::inode,
    array: *const bindings::xattr,
    _fs_info: *mut c_void,
) -> c_int {
    // INVARIANT: The caller's array.
    let xattrs = SecurityXattrs(array, PhantomData);
    // SAFETY: A valid inode of `T`, for the call.
    let inode = unsafe { Inode::from_raw(inode) };
    crate::kapi::fs::fs_context::to_errno(T::init_security_xattrs(inode, xattrs))
}

/// # Safety
///
/// Called by `__vfs_getxattr` with one of this table's handlers, an inode of `T` valid
/// for the call, the name without the handler's prefix (within the full name), and a
/// buffer of `size` bytes or none.
unsafe extern "C" fn get<T: InodeOperations>(
    handler: *const bindings::xattr_handler,
    _dentry: *mut bindings::dentry,
    inode: *mut bindings::inode,
    name: *const c_char,
    buffer: *mut c_void,
    size: usize,
) -> c_int {
    // SAFETY: `name` lies within the full name, right after the prefix, as the VFS
    // passes it (`xattr_resolve_name`); the full name is NUL-terminated.
    let name = unsafe { CStr::from_char_ptr(bindings::xattr_full_name(handler, name)) };
    // INVARIANT: The VFS's buffer of `size` bytes, or null.
    let out = ValueOut {
        buf: buffer.cast(),
        size,
        _buf: PhantomData,
    };
    // SAFETY: A valid inode of `T`, for the call.
    match T::xattr_get(unsafe { Inode::from_raw(inode) }, name, out) {
        // At most XATTR_SIZE_MAX.
        Ok(n) => n as c_int,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// Called by `__vfs_setxattr` or `__vfs_removexattr` (`value` null) with one of this
/// table's handlers, an inode of `T` whose `i_rwsem` is held, the name without the
/// prefix (within the full name), and `size` bytes at `value`.
unsafe extern "C" fn set<T: InodeOperations>(
    handler: *const bindings::xattr_handler,
    _idmap: *mut bindings::mnt_idmap,
    _dentry: *mut bindings::dentry,
    inode: *mut bindings::inode,
    name: *const c_char,
    value: *const c_void,
    size: usize,
    flags: c_int,
) -> c_int {
    // SAFETY: As in `get`.
    let name = unsafe { CStr::from_char_ptr(bindings::xattr_full_name(handler, name)) };
    let value = if value.is_null() {
        None
    } else if size == 0 {
        Some(&[][..])
    } else {
        // SAFETY: The VFS's copy of the value, `size` bytes, valid for the call.
        Some(unsafe { core::slice::from_raw_parts(value.cast::<u8>(), size) })
    };
    // SAFETY: A valid inode of `T`, for the call.
    let inode = unsafe { Inode::from_raw(inode) };
    crate::kapi::fs::fs_context::to_errno(T::xattr_set(inode, name, value, flags))
}

/// # Safety
///
/// Called by `vfs_listxattr` with a positive dentry of `T`, pinned for the call, and a
/// buffer of `size` bytes or none.
pub(crate) unsafe extern "C" fn listxattr<T: InodeOperations>(
    dentry: *mut bindings::dentry,
    buffer: *mut c_char,
    size: usize,
) -> isize {
    // INVARIANT: The VFS's buffer of `size` bytes (at most XATTR_LIST_MAX), or null.
    let mut list = NameList {
        buf: buffer.cast(),
        remaining: size as isize,
        size,
        // SAFETY: Asks about the current task; `init_user_ns` is static.
        trusted: unsafe {
            bindings::ns_capable_noaudit(
                &raw mut bindings::init_user_ns,
                bindings::CAP_SYS_ADMIN as c_int,
            )
        },
        _buf: PhantomData,
    };
    // SAFETY: The dentry is positive and pinned, its inode one of `T`.
    let inode = unsafe { Inode::from_raw((*dentry).d_inode) };
    match T::listxattr(inode, &mut list) {
        Ok(()) => list.len(),
        Err(e) => e.to_errno() as isize,
    }
}

/// A handler of one namespace: the prefix, and the trampolines.
const fn handler<T: InodeOperations>(prefix: &'static [u8]) -> bindings::xattr_handler {
    bindings::xattr_handler {
        name: core::ptr::null(),
        prefix: prefix.as_ptr().cast(),
        flags: 0,
        list: None,
        get: Some(get::<T>),
        set: Some(set::<T>),
    }
}

struct Handlers<T>(PhantomData<T>);

impl<T: InodeOperations> Handlers<T> {
    const SECURITY: bindings::xattr_handler = handler::<T>(bindings::XATTR_SECURITY_PREFIX);
    const TRUSTED: bindings::xattr_handler = handler::<T>(bindings::XATTR_TRUSTED_PREFIX);
    const USER: bindings::xattr_handler = handler::<T>(bindings::XATTR_USER_PREFIX);
    /// tmpfs's three namespaces, ended by a null entry, as `s_xattr` is.
    const ALL: [*const bindings::xattr_handler; 4] = [
        &Self::SECURITY,
        &Self::TRUSTED,
        &Self::USER,
        core::ptr::null(),
    ];
}

/// The handlers for a superblock's `s_xattr`.
pub(crate) fn handlers<T: InodeOperations>() -> &'static [*const bindings::xattr_handler; 4] {
    const { &Handlers::<T>::ALL }
}
