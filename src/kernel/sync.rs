// SPDX-License-Identifier: GPL-2.0

//! Synchronisation primitives the kernel crate of 6.12 lacks.

pub mod spinlock;
