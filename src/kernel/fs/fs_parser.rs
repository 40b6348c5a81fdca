// SPDX-License-Identifier: GPL-2.0

//! Mount parameter tables (`struct fs_parameter_spec`) and parsed parameters, for the
//! kernel's fs_parser.

use crate::kapi::bindings;
use crate::kapi::cred::{Kgid, Kuid};
use kernel::prelude::*;
use kernel::types::Opaque;

/// One entry of a parameter table.
#[repr(transparent)]
pub struct ParamSpec(Opaque<bindings::fs_parameter_spec>);

// SAFETY: A table is constant after construction; fs_parser only reads it.
unsafe impl Sync for ParamSpec {}

/// The type checker fs_parser runs on a parameter's value.
pub type ParamType = unsafe extern "C" fn(
    *mut bindings::p_log,
    *const bindings::fs_parameter_spec,
    *mut bindings::fs_parameter,
    *mut bindings::fs_parse_result,
) -> core::ffi::c_int;

impl ParamSpec {
    const fn with(
        name: &'static CStr,
        opt: u8,
        kind: Option<ParamType>,
        flags: u16,
        data: usize,
    ) -> Self {
        // SAFETY: `struct fs_parameter_spec` is valid all-zero (it then ends a table).
        let mut p: bindings::fs_parameter_spec = unsafe { core::mem::zeroed() };
        p.name = name.as_char_ptr();
        p.type_ = kind;
        p.opt = opt;
        p.flags = flags;
        // Like the `fsparam_*` macros, `data` carries an integer, not a pointer.
        p.data = data as *const core::ffi::c_void;
        Self(Opaque::new(p))
    }

    /// `fsparam_string`: the value is a string, read with [`Param::string`].
    pub const fn string(name: &'static CStr, opt: u8) -> Self {
        Self::with(name, opt, Some(bindings::fs_param_is_string), 0, 0)
    }

    /// `fsparam_u32oct`: an octal `u32`, read with [`Param::uint_32`].
    pub const fn u32oct(name: &'static CStr, opt: u8) -> Self {
        // The base goes in `data`, as with `fsparam_u32oct`.
        Self::with(name, opt, Some(bindings::fs_param_is_u32), 0, 8)
    }

    /// `fsparam_uid`: a user id in the caller's namespace, read with [`Param::uid`].
    pub const fn uid(name: &'static CStr, opt: u8) -> Self {
        Self::with(name, opt, Some(bindings::fs_param_is_uid), 0, 0)
    }

    /// `fsparam_gid`: a group id in the caller's namespace, read with [`Param::gid`].
    pub const fn gid(name: &'static CStr, opt: u8) -> Self {
        Self::with(name, opt, Some(bindings::fs_param_is_gid), 0, 0)
    }

    /// `fsparam_flag_no`: a flag without a value, set by `name` and cleared by
    /// `no<name>`; [`Param::negated`] says which.
    pub const fn flag_no(name: &'static CStr, opt: u8) -> Self {
        // No type checker: fs_parser accepts the parameter only without a value.
        Self::with(name, opt, None, bindings::RSHMEM_FS_PARAM_NEG_WITH_NO, 0)
    }

    /// `fsparam_flag`: a flag without a value (no `no` form).
    pub const fn flag(name: &'static CStr, opt: u8) -> Self {
        // No type checker: fs_parser accepts the parameter only without a value.
        Self::with(name, opt, None, 0, 0)
    }

    /// The all-zero entry that ends every table.
    const fn end() -> Self {
        // SAFETY: All-zero is the terminator fs_parser looks for.
        Self(Opaque::new(unsafe { core::mem::zeroed() }))
    }
}

/// A parameter table, as `struct file_system_type` points to it.
///
/// # Invariants
///
/// The entries are followed by the all-zero entry, as fs_parser requires.
#[repr(C)]
pub struct ParamTable<const N: usize> {
    specs: [ParamSpec; N],
    end: ParamSpec,
}

impl<const N: usize> ParamTable<N> {
    /// A table of `specs`.
    pub const fn new(specs: [ParamSpec; N]) -> Self {
        // INVARIANT: `repr(C)` places `end` right after the last entry of `specs`.
        Self {
            specs,
            end: ParamSpec::end(),
        }
    }

    /// The table as fs_parser takes it.
    pub const fn as_ptr(&'static self) -> *const bindings::fs_parameter_spec {
        (self as *const Self).cast()
    }
}

/// A mount parameter that fs_parser matched in a table and type-checked.
pub struct Param<'a> {
    raw: &'a Opaque<bindings::fs_parameter>,
    opt: u32,
    result: bindings::fs_parse_result,
}

impl<'a> Param<'a> {
    /// # Safety
    ///
    /// `raw` is a valid `struct fs_parameter` for `'a`; `opt` and `result` are what
    /// `fs_parse` returned for it.
    pub(crate) unsafe fn new(
        raw: *mut bindings::fs_parameter,
        opt: u32,
        result: bindings::fs_parse_result,
    ) -> Self {
        Self {
            // SAFETY: `Opaque<T>` is `repr(transparent)`; validity is the caller's promise.
            raw: unsafe { &*raw.cast::<Opaque<bindings::fs_parameter>>() },
            opt,
            result,
        }
    }

    /// The `opt` value of the matching [`ParamSpec`].
    pub fn opt(&self) -> u32 {
        self.opt
    }

    /// The value of a [`ParamSpec::string`] parameter.
    pub fn string(&self) -> &'a CStr {
        // SAFETY: `fs_param_is_string` accepted the parameter, so `string` points to a
        // NUL-terminated value that lives as long as the parameter.
        unsafe { CStr::from_char_ptr((*self.raw.get()).__bindgen_anon_1.string) }
    }

    /// Whether a [`ParamSpec::flag_no`] parameter was given in its `no` form.
    pub fn negated(&self) -> bool {
        self.result.negated
    }

    /// The value of a [`ParamSpec::u32oct`] parameter.
    pub fn uint_32(&self) -> u32 {
        // SAFETY: `fs_param_is_u32` wrote this member of the union.
        unsafe { self.result.__bindgen_anon_1.uint_32 }
    }

    /// The value of a [`ParamSpec::uid`] parameter.
    pub fn uid(&self) -> Kuid {
        // SAFETY: `fs_param_is_uid` wrote this member of the union.
        Kuid::from_raw(unsafe { self.result.__bindgen_anon_1.uid })
    }

    /// The value of a [`ParamSpec::gid`] parameter.
    pub fn gid(&self) -> Kgid {
        // SAFETY: `fs_param_is_gid` wrote this member of the union.
        Kgid::from_raw(unsafe { self.result.__bindgen_anon_1.gid })
    }

    /// The parameter's name, as the user wrote it.
    pub fn key(&self) -> &'a CStr {
        // SAFETY: `key` is a NUL-terminated string owned by the parameter.
        unsafe { CStr::from_char_ptr((*self.raw.get()).key) }
    }
}
