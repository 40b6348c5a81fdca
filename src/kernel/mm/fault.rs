// SPDX-License-Identifier: GPL-2.0

//! `struct vm_fault`: a page fault on a mapping of a file.
//!
//! Each access level has its own type, as in `rust/kernel/mm/virt.rs`. A `.fault`
//! handler gets a [`VmFault`], which stands for the fault lock (mmap_lock or the
//! per-VMA lock) held on its behalf: while it exists the VMA and its file are pinned.
//! Releasing the lock consumes it ([`VmFault::release_lock`]) and gives back a
//! [`Released`] token, which can only end the fault with `VM_FAULT_RETRY`. The file,
//! and so the inode, stay pinned until the handler returns: a reference taken before
//! the release is parked in the trampoline's frame ([`PinSlot`]). A `.page_mkwrite`
//! handler gets a [`PageMkwrite`], the only one that offers the faulting page.

use crate::kapi::bindings;
use crate::kapi::fs::file::File;
use crate::kapi::fs::inode::Inode;
use crate::kapi::fs::FileSystem;
use crate::kapi::mm::folio::{Folio, LockedFolio};
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::types::ARef;

/// What a fault handler returns (`vm_fault_t`). Only the fault itself gives one out:
/// every answer but `VM_FAULT_RETRY` consumes a [`VmFault`] (or [`PageMkwrite`]), which
/// stands for the fault lock still held, and `VM_FAULT_RETRY` only comes from a
/// [`Released`] token. So a handler that released the lock cannot answer as if it held it.
/// The lifetime ties the answer to the one fault it answers: it cannot be kept for
/// another.
pub struct FaultResult<'a>(pub(in crate::kapi) u32, PhantomData<&'a ()>);

impl FaultResult<'_> {
    const fn new(reason: bindings::vm_fault_reason) -> Self {
        Self(reason, PhantomData)
    }

    const LOCKED: Self = Self::new(bindings::vm_fault_reason_VM_FAULT_LOCKED);
    const NOPAGE: Self = Self::new(bindings::vm_fault_reason_VM_FAULT_NOPAGE);
    const SIGBUS: Self = Self::new(bindings::vm_fault_reason_VM_FAULT_SIGBUS);
    const HWPOISON: Self = Self::new(bindings::vm_fault_reason_VM_FAULT_HWPOISON);
    const OOM: Self = Self::new(bindings::vm_fault_reason_VM_FAULT_OOM);
    const RETRY: Self = Self::new(bindings::vm_fault_reason_VM_FAULT_RETRY);
}

/// Where a handler's file reference waits, in the trampoline's frame, until the handler
/// has returned: what keeps the file and inode of a [`VmFault`] alive once the fault
/// lock is released.
pub(crate) type PinSlot<T> = Option<ARef<File<T>>>;

/// A page fault on a mapping of a file of filesystem `T`, with the fault lock held:
/// the argument of `.fault`.
///
/// # Invariants
///
/// `ptr` is a valid fault on a VMA whose file is a file of `T`. The fault lock (mmap_lock
/// or the per-VMA lock) is held for as long as this value exists. `pin` lives in the
/// trampoline's frame until the handler has returned.
pub struct VmFault<'a, T: FileSystem> {
    ptr: NonNull<bindings::vm_fault>,
    pin: &'a mut PinSlot<T>,
}

impl<'a, T: FileSystem> VmFault<'a, T> {
    /// # Safety
    ///
    /// `ptr` is a valid fault on a mapping of a file of `T`, under the fault lock, used
    /// by nothing else for `'a`; `'a` ends when the handler returns, and `pin` is dropped
    /// after that.
    pub(crate) unsafe fn from_raw(ptr: *mut bindings::vm_fault, pin: &'a mut PinSlot<T>) -> Self {
        // INVARIANT: The caller's promise.
        Self {
            // SAFETY: The caller passes a valid, hence non-null, pointer.
            ptr: unsafe { NonNull::new_unchecked(ptr) },
            pin,
        }
    }

    fn raw(&self) -> &bindings::vm_fault {
        // SAFETY: The fault is valid (type invariant).
        unsafe { self.ptr.as_ref() }
    }

    /// The page index in the file.
    pub fn pgoff(&self) -> u64 {
        self.raw().__bindgen_anon_1.pgoff as u64
    }

    /// The mapped file. It outlives the handler's whole run, even once the fault lock is
    /// released: the release pins it first.
    pub fn file(&self) -> &'a File<T> {
        // The fault lock is held until the handler returns, unless `release_lock` drops
        // it, and that takes a reference to the file first, kept until the handler has
        // returned (`pin`): so the file lives for `'a`.
        // SAFETY: The VMA, and so its file, are pinned by the fault lock or the pin (type
        // invariant); the mapping's operations are `T`'s only on files of `T`.
        unsafe { File::from_raw((*self.raw().__bindgen_anon_1.vma).vm_file) }
    }

    /// The mapped file's inode, valid for the handler's whole run (see [`Self::file`]).
    pub fn inode(&self) -> &'a Inode<T> {
        self.file().inode()
    }

    /// Whether the mapping asked for huge pages (`madvise(MADV_HUGEPAGE)`, `VM_HUGEPAGE`).
    pub fn vma_wants_huge(&self) -> bool {
        // SAFETY: The VMA is pinned by the fault lock (type invariant). Its flags change
        // only with the mmap lock held for writing and the VMA write-locked
        // (`vm_flags_set`), which excludes faults under either lock.
        let flags = unsafe { (*self.raw().__bindgen_anon_1.vma).__bindgen_anon_2.vm_flags };
        flags as u64 & bindings::RSHMEM_VM_HUGEPAGE as u64 != 0
    }

    /// Answers the fault with `folio`, locked, at the faulting index.
    pub fn set_locked_folio(self, folio: LockedFolio) -> FaultResult<'a> {
        let index = self.pgoff();
        // SAFETY: The fault is ours to fill in; `page` takes over the lock and reference.
        unsafe { (*self.ptr.as_ptr()).page = folio.into_locked_page(index) };
        FaultResult::LOCKED
    }

    /// Nothing to map, and no error: the access faults again (`VM_FAULT_NOPAGE`).
    pub fn nopage(self) -> FaultResult<'a> {
        FaultResult::NOPAGE
    }

    /// Beyond the end of the file, or no space left: SIGBUS (`VM_FAULT_SIGBUS`).
    pub fn sigbus(self) -> FaultResult<'a> {
        FaultResult::SIGBUS
    }

    /// The page's memory failed (it is poisoned): SIGBUS with `BUS_MCEERR_AR`
    /// (`VM_FAULT_HWPOISON`).
    pub fn hwpoison(self) -> FaultResult<'a> {
        FaultResult::HWPOISON
    }

    /// Out of memory (`VM_FAULT_OOM`).
    pub fn oom(self) -> FaultResult<'a> {
        FaultResult::OOM
    }

    /// Releases the fault lock (mmap_lock or the per-VMA lock) for a long wait, if the
    /// fault allows that: it is its first attempt, it allows retry, and not without
    /// waiting; otherwise gives the fault back, its lock still held. The file is pinned
    /// first, until the handler returns. This is `maybe_unlock_mmap_for_io` of
    /// mm/internal.h.
    pub fn release_lock(self) -> Result<Released<'a>, Self> {
        let vmf = self.ptr.as_ptr();
        // SAFETY: The fault is valid, and its VMA pinned by the lock we still hold.
        unsafe {
            let flags = (*vmf).flags;
            if !bindings::fault_flag_allow_retry_first(flags)
                || flags & bindings::fault_flag_FAULT_FLAG_RETRY_NOWAIT != 0
            {
                return Err(self);
            }
            let file = bindings::get_file((*(*vmf).__bindgen_anon_1.vma).vm_file);
            // The reference `get_file` took is the `ARef`'s, kept until the handler has
            // returned: `file()` and `inode()` promised that much.
            *self.pin = Some(ARef::from_raw(NonNull::new_unchecked(file.cast())));
            bindings::release_fault_lock(vmf);
        }
        Ok(Released(PhantomData))
    }
}

/// A fault whose lock was released: it can only end with `VM_FAULT_RETRY`.
#[must_use = "a fault whose lock was released must return VM_FAULT_RETRY"]
pub struct Released<'a>(PhantomData<&'a ()>);

impl<'a> Released<'a> {
    /// `VM_FAULT_RETRY`: the mm retries the fault, taking the lock again.
    pub fn retry(self) -> FaultResult<'a> {
        FaultResult::RETRY
    }
}

/// A write to a page mapped read-only in a shared mapping of a file of `T`: the argument
/// of `.page_mkwrite`, whose `vmf->page` is the mapped page.
///
/// # Invariants
///
/// `ptr` is a valid fault of `.page_mkwrite` on a VMA whose file is a file of `T`, with
/// the fault lock held for as long as this value exists; its `page` is the mapped page,
/// which the mm holds a reference on.
pub struct PageMkwrite<'a, T: FileSystem>(NonNull<bindings::vm_fault>, PhantomData<&'a T>);

impl<'a, T: FileSystem> PageMkwrite<'a, T> {
    /// # Safety
    ///
    /// `ptr` is the fault that `.page_mkwrite` got, on a mapping of a file of `T`, used
    /// by nothing else for `'a`, which ends when the handler returns.
    pub(crate) unsafe fn from_raw(ptr: *mut bindings::vm_fault) -> Self {
        // SAFETY: The caller passes a valid, hence non-null, pointer.
        // INVARIANT: The caller's promise.
        Self(unsafe { NonNull::new_unchecked(ptr) }, PhantomData)
    }

    fn raw(&self) -> &bindings::vm_fault {
        // SAFETY: The fault is valid (type invariant).
        unsafe { self.0.as_ref() }
    }

    /// The mapped file.
    pub fn file(&self) -> &'a File<T> {
        // SAFETY: The VMA, and its file, are pinned by the fault lock, held until the
        // handler returns (type invariant); the file is a file of `T`.
        unsafe { File::from_raw((*self.raw().__bindgen_anon_1.vma).vm_file) }
    }

    /// The mapped file's inode.
    pub fn inode(&self) -> &'a Inode<T> {
        self.file().inode()
    }

    /// The folio of the page being made writable, with a reference.
    pub fn page_folio(&self) -> ARef<Folio> {
        // SAFETY: In `.page_mkwrite`, `page` is the mapped page, on which the mm holds a
        // reference (type invariant); the folio is its head, and we take a reference of
        // our own.
        unsafe {
            let folio = bindings::_compound_head(self.raw().page) as *mut bindings::folio;
            bindings::folio_get(folio);
            Folio::from_raw(NonNull::new_unchecked(folio))
        }
    }

    /// The page is no longer the file's (truncated or punched since it was mapped): the
    /// access faults again (`VM_FAULT_NOPAGE`).
    pub fn nopage(self) -> FaultResult<'a> {
        FaultResult::NOPAGE
    }

    /// Answers `page_mkwrite` with the page's folio still locked.
    pub fn keep_locked(self, folio: LockedFolio) -> FaultResult<'a> {
        folio.leave_locked();
        FaultResult::LOCKED
    }
}
