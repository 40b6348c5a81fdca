// SPDX-License-Identifier: GPL-2.0

//! `struct iov_iter` and `struct kiocb`: the user buffers and position of a read or write.

use crate::kapi::bindings;
use crate::kapi::fs::file::File;
use crate::kapi::fs::FileSystem;
use core::marker::PhantomData;
use kernel::types::Opaque;

/// An iterator over the user (or kernel) buffers of one I/O.
#[repr(transparent)]
pub struct IovIter(Opaque<bindings::iov_iter>);

impl IovIter {
    /// # Safety
    ///
    /// `ptr` is a valid iterator, used by nothing else for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::iov_iter) -> &'a mut Self {
        // SAFETY: `IovIter` is `repr(transparent)`; validity is the caller's promise.
        unsafe { &mut *ptr.cast() }
    }

    pub(crate) fn as_ptr(&mut self) -> *mut bindings::iov_iter {
        self.0.get()
    }

    /// How many bytes the buffers have left.
    pub fn count(&mut self) -> usize {
        // SAFETY: The iterator is valid.
        unsafe { bindings::iov_iter_count(self.as_ptr()) }
    }

    /// Writes `len` zero bytes; returns how many were written, fewer on a fault.
    pub fn zero(&mut self, len: usize) -> usize {
        // SAFETY: The iterator is valid.
        unsafe { bindings::iov_iter_zero(len, self.as_ptr()) }
    }
}

/// The control block of one I/O on a file of filesystem `T`: its file and position.
///
/// # Invariants
///
/// `ki_filp` is an open file of `T`, pinned for the I/O.
#[repr(transparent)]
pub struct Kiocb<T: FileSystem>(Opaque<bindings::kiocb>, PhantomData<T>);

impl<T: FileSystem> Kiocb<T> {
    /// # Safety
    ///
    /// `ptr` is a valid kiocb of an I/O on a file of `T`, used by nothing else for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::kiocb) -> &'a mut Self {
        // SAFETY: `Kiocb` is `repr(transparent)`; validity is the caller's promise.
        // INVARIANT: The caller's promise.
        unsafe { &mut *ptr.cast() }
    }

    /// The file position of the I/O.
    pub fn pos(&self) -> i64 {
        // SAFETY: The kiocb is valid.
        unsafe { (*self.0.get()).ki_pos }
    }

    /// Moves the file position.
    pub fn set_pos(&mut self, pos: i64) {
        // SAFETY: The kiocb is valid and ours for the call.
        unsafe { (*self.0.get()).ki_pos = pos };
    }

    /// The file of the I/O.
    pub fn file(&self) -> &File<T> {
        // SAFETY: `ki_filp` is an open file of `T`, pinned by the I/O in progress (type
        // invariant).
        unsafe { File::from_raw((*self.0.get()).ki_filp) }
    }
}
