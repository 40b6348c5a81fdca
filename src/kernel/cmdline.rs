// SPDX-License-Identifier: GPL-2.0

//! Parsing of sizes the way kernel command lines and tmpfs write them.

use crate::kapi::bindings;
use kernel::str::CStr;

/// `memparse`: a number in C syntax (decimal, 0x hex or 0 octal) with an optional
/// K, M, G, T, P or E suffix. Returns the value and the unparsed rest of `s`.
pub fn memparse(s: &CStr) -> (u64, &CStr) {
    let mut rest = core::ptr::null_mut();
    // SAFETY: `s` is NUL-terminated; `memparse` only reads it and sets `rest` to a
    // position inside it.
    let v = unsafe { bindings::memparse(s.as_char_ptr(), &mut rest) };
    // SAFETY: `rest` points into `s`, at or before its NUL, so it is a suffix of it.
    (v, unsafe { CStr::from_char_ptr(rest) })
}
