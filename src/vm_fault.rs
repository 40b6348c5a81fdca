// SPDX-License-Identifier: GPL-2.0

//! `struct vm_fault`: a page fault on a mapping of a file.

use crate::bindings;
use crate::file::File;
use crate::folio::{Folio, LockedFolio};
use crate::inode::Inode;
use crate::vfs::FileSystem;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::types::{ARef, Opaque};

/// What a fault handler returns (`vm_fault_t`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct FaultResult(pub(crate) u32);

impl FaultResult {
    /// The folio of the fault, locked, with a reference for the caller: `VM_FAULT_LOCKED`.
    pub const LOCKED: Self = Self(bindings::vm_fault_reason_VM_FAULT_LOCKED);
    /// Nothing to map, and no error: the fault is retried from user space.
    pub const NOPAGE: Self = Self(bindings::vm_fault_reason_VM_FAULT_NOPAGE);
    /// Beyond the end of the file, or no space left: SIGBUS.
    pub const SIGBUS: Self = Self(bindings::vm_fault_reason_VM_FAULT_SIGBUS);
    /// The page's memory failed (it is poisoned): SIGBUS with `BUS_MCEERR_AR`.
    pub const HWPOISON: Self = Self(bindings::vm_fault_reason_VM_FAULT_HWPOISON);
    /// Out of memory.
    pub const OOM: Self = Self(bindings::vm_fault_reason_VM_FAULT_OOM);
    /// The fault lock was released: the mm retries the fault.
    pub const RETRY: Self = Self(bindings::vm_fault_reason_VM_FAULT_RETRY);
}

/// A page fault on a mapping of a file of filesystem `T`.
#[repr(transparent)]
pub struct VmFault<T: FileSystem>(Opaque<bindings::vm_fault>, PhantomData<T>);

impl<T: FileSystem> VmFault<T> {
    /// # Safety
    ///
    /// `ptr` is a valid fault on a mapping of a file of `T`, used by nothing else for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::vm_fault) -> &'a mut Self {
        // SAFETY: `VmFault` is `repr(transparent)`; validity is the caller's promise.
        unsafe { &mut *ptr.cast() }
    }

    fn raw(&self) -> &bindings::vm_fault {
        // SAFETY: The fault is valid for the handler's duration.
        unsafe { &*self.0.get() }
    }

    /// The page index in the file.
    pub fn pgoff(&self) -> u64 {
        self.raw().__bindgen_anon_1.pgoff as u64
    }

    /// The mapped file.
    pub fn file(&self) -> &File<T> {
        // SAFETY: The VMA, and its file, are pinned by the fault lock (mmap_lock or the
        // per-VMA lock) held for the handler's duration; the mapping's operations are
        // `T`'s only on files of `T`.
        unsafe { File::from_raw((*self.raw().__bindgen_anon_1.vma).vm_file) }
    }

    /// The mapped file's inode.
    pub fn inode(&self) -> &Inode<T> {
        self.file().inode()
    }

    /// Answers the fault with `folio`, locked, at the faulting index.
    pub fn set_locked_folio(&mut self, folio: LockedFolio) -> FaultResult {
        let index = self.pgoff();
        // SAFETY: The fault is ours to fill in; `page` takes over the lock and reference.
        unsafe { (*self.0.get()).page = folio.into_locked_page(index) };
        FaultResult::LOCKED
    }

    /// Answers `page_mkwrite` with the page's folio still locked.
    pub fn keep_locked(&mut self, folio: LockedFolio) -> FaultResult {
        folio.leave_locked();
        FaultResult::LOCKED
    }

    /// Releases the fault lock (mmap_lock or the per-VMA lock) for a long wait, if the
    /// fault allows that: it is its first attempt, it allows retry, and not without
    /// waiting. The file is pinned first and stays pinned until the returned value is
    /// dropped; the handler must then return `VM_FAULT_RETRY`, and not touch the VMA.
    /// This is `maybe_unlock_mmap_for_io` of mm/internal.h.
    pub fn release_lock_for_wait(&mut self) -> Option<ARef<File<T>>> {
        let vmf = self.0.get();
        // SAFETY: The fault is valid, and its VMA pinned by the lock we still hold.
        unsafe {
            let flags = (*vmf).flags;
            if !bindings::fault_flag_allow_retry_first(flags)
                || flags & bindings::fault_flag_FAULT_FLAG_RETRY_NOWAIT != 0
            {
                return None;
            }
            let file = bindings::get_file((*(*vmf).__bindgen_anon_1.vma).vm_file);
            bindings::release_fault_lock(vmf);
            // The reference `get_file` took is the `ARef`'s.
            Some(ARef::from_raw(NonNull::new_unchecked(file.cast())))
        }
    }

    /// The folio of the page being made writable (`page_mkwrite`), with a reference.
    pub fn page_folio(&self) -> ARef<Folio> {
        // SAFETY: `page` is the mapped page, pinned by its PTE; the folio is its head.
        unsafe {
            let folio = bindings::_compound_head(self.raw().page) as *mut bindings::folio;
            bindings::folio_get(folio);
            Folio::from_raw(NonNull::new_unchecked(folio))
        }
    }
}
