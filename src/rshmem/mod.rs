// SPDX-License-Identifier: GPL-2.0

//! The filesystem layer: rshmem itself, in safe Rust. Every module here denies
//! `unsafe_code` and cannot name the bindings (they are private to `crate::kapi`), so the
//! compiler keeps the promise that the filesystem is safe code over safe wrappers. The
//! lock order is stated in `fault.rs`.

pub mod fallocate;
pub mod fault;
pub mod file_range;
pub mod filesystem;
pub mod huge_tails;
pub mod inode_attr;
pub mod mount_options;
pub mod namespace;
pub mod punch_wait;
pub mod readdir;
pub mod regular_file;
pub mod rshmem_inode;
pub mod space;
pub mod truncate;
pub mod xattr;
