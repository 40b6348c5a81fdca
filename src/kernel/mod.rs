// SPDX-License-Identifier: GPL-2.0

//! The abstraction layer: safe wrappers over the C objects rshmem touches, laid out as
//! `rust/kernel` lays out the kernel crate (`fs/file.rs`, `fs/inode.rs`, `mm/folio.rs`,
//! ...), so that each file can be diffed against its upstream counterpart. This is the
//! only code with `unsafe` glue, and the only code that sees the bindings.

// The generated bindings (`Kbuild` writes them next to `bindings.rs`): private to this
// layer, so the filesystem cannot name them.
#[path = "../bindings.rs"]
mod bindings;

pub mod cmdline;
pub mod cred;
pub mod error;
pub mod fs;
pub mod iov;
pub mod mm;
pub mod seq_file;
pub mod sync;
pub mod task;
pub mod wait;
pub mod warn;
