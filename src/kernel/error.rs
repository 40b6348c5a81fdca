// SPDX-License-Identifier: GPL-2.0

//! Error codes the kernel crate of 6.12 has no constants for, and error pointers.

#![allow(non_snake_case)]

use crate::kapi::bindings;
use kernel::error::Error;

/// `ENOTEMPTY`: directory not empty.
pub fn ENOTEMPTY() -> Error {
    Error::from_errno(-(bindings::ENOTEMPTY as i32))
}

/// `ENAMETOOLONG`: file name too long.
pub fn ENAMETOOLONG() -> Error {
    Error::from_errno(-(bindings::ENAMETOOLONG as i32))
}

/// `EOPNOTSUPP`: operation not supported.
pub fn EOPNOTSUPP() -> Error {
    Error::from_errno(-(bindings::EOPNOTSUPP as i32))
}

/// `ENODATA`: no such attribute.
pub fn ENODATA() -> Error {
    Error::from_errno(-(bindings::ENODATA as i32))
}

/// Whether `ptr` is an error pointer (`IS_ERR`): the top `MAX_ERRNO` addresses hold
/// negated errnos. Inline, where `kernel::error::from_err_ptr` calls a C helper.
#[inline(always)]
pub fn is_err_ptr<T>(ptr: *const T) -> bool {
    (ptr as usize) >= (bindings::MAX_ERRNO as usize).wrapping_neg()
}
