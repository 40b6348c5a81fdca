// SPDX-License-Identifier: GPL-2.0

//! `struct fs_context`: mount and remount requests.

use crate::kapi::bindings;
use crate::kapi::cred::{Kgid, Kuid};
use crate::kapi::fs::fs_parser::Param;
use crate::kapi::fs::super_block::{self, SuperBlock};
use crate::kapi::fs::{FileSystem, Operations};
use core::ffi::c_int;
use core::marker::PhantomData;
use kernel::c_str;
use kernel::prelude::*;
use kernel::types::Opaque;

/// A mount or remount request.
#[repr(transparent)]
pub struct FsContext(Opaque<bindings::fs_context>);

impl FsContext {
    /// # Safety
    ///
    /// `ptr` points to a valid `struct fs_context` that outlives `'a`.
    unsafe fn from_raw<'a>(ptr: *mut bindings::fs_context) -> &'a Self {
        // SAFETY: `FsContext` is `repr(transparent)`; validity is the caller's promise.
        unsafe { &*ptr.cast() }
    }

    /// The filesystem user id of the task that made the request.
    pub fn fsuid(&self) -> Kuid {
        // SAFETY: `cred` is set, and held, for the lifetime of the context.
        Kuid::from_raw(unsafe { (*(*self.0.get()).cred).fsuid })
    }

    /// The filesystem group id of the task that made the request.
    pub fn fsgid(&self) -> Kgid {
        // SAFETY: As in `fsuid`.
        Kgid::from_raw(unsafe { (*(*self.0.get()).cred).fsgid })
    }

    /// Whether `uid` can be represented in the user namespace of the request.
    pub fn has_uid_mapping(&self, uid: Kuid) -> bool {
        // SAFETY: `user_ns` is set, and held, for the lifetime of the context.
        unsafe { bindings::kuid_has_mapping((*self.0.get()).user_ns, uid.into_raw()) }
    }

    /// Whether `gid` can be represented in the user namespace of the request.
    pub fn has_gid_mapping(&self, gid: Kgid) -> bool {
        // SAFETY: As in `has_uid_mapping`.
        unsafe { bindings::kgid_has_mapping((*self.0.get()).user_ns, gid.into_raw()) }
    }

    /// Whether the request comes from the initial user namespace, from a task with
    /// `CAP_SYS_ADMIN` there: what tmpfs asks of options only the host's administrator
    /// may set (`noswap`).
    pub fn is_privileged_in_init_ns(&self) -> bool {
        // SAFETY: `user_ns` is set, and held, for the lifetime of the context; the initial
        // namespace is static, and only its address is taken. `capable` checks the
        // current task, which is making the request.
        unsafe {
            core::ptr::eq((*self.0.get()).user_ns, &raw const bindings::init_user_ns)
                && bindings::capable(bindings::CAP_SYS_ADMIN as _)
        }
    }

    /// Logs "Bad value for '`key`'" as an error of this request, as tmpfs does, and
    /// returns `EINVAL`.
    pub fn bad_value(&self, key: &CStr) -> Error {
        self.log_error(c_str!("Bad value for '%s'"), key)
    }

    /// Logs that parameter `key` is not supported here ("Unsupported parameter"), as
    /// tmpfs does for `huge=` without transparent huge pages, and returns `EINVAL`.
    pub fn unsupported(&self, key: &CStr) -> Error {
        self.log_error(c_str!("Unsupported parameter '%s'"), key)
    }

    /// Logs `msg` as an error of this request and returns `EINVAL`.
    pub fn invalid(&self, msg: &CStr) -> Error {
        self.log_error(c_str!("%s"), msg)
    }

    fn log_error(&self, fmt: &CStr, arg: &CStr) -> Error {
        let fc = self.0.get();
        // SAFETY: `log` is the context's own message log (or null, when `logfc`
        // prints to the kernel log). `fmt` takes exactly one string, `arg`.
        unsafe {
            bindings::logfc(
                (*fc).log.log,
                (*fc).log.prefix,
                b'e',
                fmt.as_char_ptr(),
                arg.as_char_ptr(),
            )
        };
        EINVAL
    }
}

/// A result as the VFS takes it: 0 or a negative errno.
pub(crate) fn to_errno(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// `fc` is a valid context whose `fs_private` is the `T::Options` that
/// [`init_fs_context`] put there.
unsafe fn options<'a, T: FileSystem>(fc: *mut bindings::fs_context) -> &'a mut T::Options {
    // SAFETY: The caller's promise; the VFS runs a context's callbacks one at a time.
    unsafe { &mut *(*fc).fs_private.cast::<T::Options>() }
}

struct Tables<T>(PhantomData<T>);

impl<T: Operations> Tables<T> {
    const OPS: bindings::fs_context_operations = bindings::fs_context_operations {
        free: Some(free::<T>),
        parse_param: Some(parse_param::<T>),
        get_tree: Some(get_tree::<T>),
        reconfigure: Some(reconfigure::<T>),
        dup: None,
        parse_monolithic: None,
    };
}

/// `file_system_type::init_fs_context`.
///
/// # Safety
///
/// Called by the VFS with a context that is being set up.
pub(crate) unsafe extern "C" fn init_fs_context<T: Operations>(
    fc: *mut bindings::fs_context,
) -> c_int {
    // SAFETY: The VFS passes a valid context.
    let ctx = unsafe { FsContext::from_raw(fc) };
    let opts = match T::init_options(ctx).and_then(|o| Ok(KBox::new(o, GFP_KERNEL)?)) {
        Ok(opts) => opts,
        Err(e) => return e.to_errno(),
    };
    // SAFETY: The context is ours to set up; `free` releases `fs_private`.
    unsafe {
        (*fc).fs_private = KBox::into_raw(opts).cast();
        (*fc).ops = const { &Tables::<T>::OPS };
    }
    0
}

/// # Safety
///
/// Called by the VFS, once, when the context is freed.
unsafe extern "C" fn free<T: Operations>(fc: *mut bindings::fs_context) {
    // SAFETY: `fs_private` is null or the box `init_fs_context` leaked, not yet freed.
    unsafe {
        let opts = (*fc).fs_private.cast::<T::Options>();
        if !opts.is_null() {
            drop(KBox::from_raw(opts));
        }
    }
}

/// # Safety
///
/// Called by the VFS with a context set up by `init_fs_context` and a parameter.
unsafe extern "C" fn parse_param<T: Operations>(
    fc: *mut bindings::fs_context,
    param: *mut bindings::fs_parameter,
) -> c_int {
    // SAFETY: All-zero is a valid `struct fs_parse_result`.
    let mut result: bindings::fs_parse_result = unsafe { core::mem::zeroed() };
    // SAFETY: `fc` and `param` are valid; the table is the one registered with the type.
    let opt = unsafe { bindings::fs_parse(fc, (*(*fc).fs_type).parameters, param, &mut result) };
    if opt < 0 {
        // `ENOPARAM` lets the VFS handle `source` or report an unknown parameter.
        return opt;
    }
    // SAFETY: `fs_parse` matched `param` and returned `opt` and `result` for it.
    let param = unsafe { Param::new(param, opt as u32, result) };
    // SAFETY: `fc` is valid and was set up by `init_fs_context`.
    let (ctx, opts) = unsafe { (FsContext::from_raw(fc), options::<T>(fc)) };
    to_errno(T::parse_param(ctx, opts, &param))
}

/// # Safety
///
/// Called by the VFS with a context set up by `init_fs_context`.
unsafe extern "C" fn get_tree<T: Operations>(fc: *mut bindings::fs_context) -> c_int {
    // SAFETY: `fc` is valid; `fill_super` is called with it.
    unsafe { bindings::get_tree_nodev(fc, Some(super_block::fill_super::<T>)) }
}

/// # Safety
///
/// Called by the VFS for a remount, with `root` set to the instance's root.
unsafe extern "C" fn reconfigure<T: Operations>(fc: *mut bindings::fs_context) -> c_int {
    // SAFETY: `fc` is valid, and its `root` pins a superblock of type `T` for the call.
    let (ctx, opts, sb) = unsafe {
        (
            FsContext::from_raw(fc),
            options::<T>(fc),
            SuperBlock::<T>::from_raw((*(*fc).root).d_sb),
        )
    };
    to_errno(T::reconfigure(ctx, sb, opts))
}
