// SPDX-License-Identifier: GPL-2.0

//! Kernel user and group ids (`kuid_t`, `kgid_t`).

use crate::kapi::bindings;

/// A kernel user id: a uid mapped into the initial user namespace.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Kuid(u32);

/// A kernel group id: a gid mapped into the initial user namespace.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Kgid(u32);

impl Kuid {
    /// The global root user.
    pub const ROOT: Self = Self(0);

    pub(crate) fn from_raw(k: bindings::kuid_t) -> Self {
        Self(k.val)
    }

    pub(crate) fn into_raw(self) -> bindings::kuid_t {
        bindings::kuid_t { val: self.0 }
    }

    /// The id as the initial user namespace sees it, the overflow id if it has none.
    pub fn to_init_ns(self) -> u32 {
        // SAFETY: `init_user_ns` is static; the call only reads the namespace's map.
        unsafe { bindings::from_kuid_munged(&raw mut bindings::init_user_ns, self.into_raw()) }
    }
}

impl Kgid {
    /// The global root group.
    pub const ROOT: Self = Self(0);

    pub(crate) fn from_raw(k: bindings::kgid_t) -> Self {
        Self(k.val)
    }

    pub(crate) fn into_raw(self) -> bindings::kgid_t {
        bindings::kgid_t { val: self.0 }
    }

    /// The id as the initial user namespace sees it, the overflow id if it has none.
    pub fn to_init_ns(self) -> u32 {
        // SAFETY: As in `Kuid::to_init_ns`.
        unsafe { bindings::from_kgid_munged(&raw mut bindings::init_user_ns, self.into_raw()) }
    }
}
