// SPDX-License-Identifier: GPL-2.0

//! `struct seq_file`: output of /proc files, written with `core::fmt`.

use crate::kapi::bindings;
use kernel::types::Opaque;

/// A sequence file being filled, as in a `show_options` callback.
#[repr(transparent)]
pub struct SeqFile(Opaque<bindings::seq_file>);

impl SeqFile {
    /// # Safety
    ///
    /// `ptr` points to a valid `struct seq_file`, used by nothing else for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::seq_file) -> &'a mut Self {
        // SAFETY: `SeqFile` is `repr(transparent)`; validity is the caller's promise.
        unsafe { &mut *ptr.cast() }
    }
}

impl core::fmt::Write for SeqFile {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        // SAFETY: The file is valid (type invariant of `from_raw`), `s` is readable for
        // its length.
        let r = unsafe { bindings::seq_write(self.0.get(), s.as_ptr().cast(), s.len()) };
        if r == 0 {
            Ok(())
        } else {
            Err(core::fmt::Error)
        }
    }
}
