// SPDX-License-Identifier: GPL-2.0

//! Extended attributes, as tmpfs keeps them with CONFIG_TMPFS_XATTR: names in the
//! `security.`, `trusted.` and `user.` namespaces (the VFS applies their rules: see
//! `kapi::fs::xattr`), each inode's attributes in memory, in name order, and their size
//! charged against `nr_inodes=` as tmpfs charges it (`simple_xattr_space`: 40 bytes,
//! the name and the value, out of the 1024 bytes an inode counts for). The LSMs' labels
//! of a new inode (Smack's `security.SMACK64`, SELinux's `security.selinux`) are stored
//! at its creation (`init_security`), all or none.
//!
//! Locks: each inode's attributes are under a mutex of their own, taken under
//! `i_rwsem` by a set or removal (the VFS holds it), or alone by a get or a listing
//! (the VFS holds nothing). Nothing but memory allocation and the instance's `Space`
//! spinlock is taken under it. A get racing with a set sees the value before or after.

#![deny(unsafe_code)]

use crate::kapi::error;
use crate::kapi::fs::inode::Inode;
use crate::kapi::fs::xattr::{set_flags, NameList, SecurityXattrs, ValueOut, SECURITY_PREFIX};
use crate::rshmem::filesystem::Rshmem;
use core::cmp::Ordering;
use kernel::alloc::flags::GFP_KERNEL_ACCOUNT;
use kernel::alloc::{KVVec, KVec};
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::str::CString;
use kernel::sync::Mutex;

/// What an attribute of `name_len` bytes of name and `size` bytes of value costs in
/// `nr_inodes=`'s space, as tmpfs counts it (`simple_xattr_space`).
fn space_of(name_len: usize, size: usize) -> u64 {
    // Names are at most 255 bytes and values 64 KiB: no overflow.
    40 + size as u64 + name_len as u64
}

/// One attribute.
struct Xattr {
    /// The full name, prefix included.
    name: CString,
    value: KVVec<u8>,
}

impl Xattr {
    fn new(name: &CStr, value: &[u8]) -> Result<Self> {
        let mut v = KVVec::with_capacity(value.len(), GFP_KERNEL_ACCOUNT)?;
        v.extend_from_slice(value, GFP_KERNEL_ACCOUNT)?;
        Ok(Self {
            name: CString::try_from(name)?,
            value: v,
        })
    }

    fn space(&self) -> u64 {
        space_of(self.name.len(), self.value.len())
    }
}

/// An inode's attributes.
///
/// # Invariants
///
/// `slots[..len]` are all `Some`, in strictly increasing order of name (`strcmp`'s, as
/// libfs's rbtree keeps them); `slots[len..]` are all `None`, room kept for insertions.
struct Entries {
    slots: KVec<Option<Xattr>>,
    len: usize,
}

impl Entries {
    /// The attributes, in name order.
    fn iter(&self) -> impl DoubleEndedIterator<Item = &Xattr> {
        self.slots[..self.len].iter().flatten()
    }

    /// Where `name` is: `Ok(index)`, or `Err(index)` where it would go.
    fn find(&self, name: &[u8]) -> Result<usize, usize> {
        self.slots[..self.len].binary_search_by(|slot| match slot {
            Some(x) => x.name.as_bytes().cmp(name),
            // None below `len` (type invariant).
            None => Ordering::Greater,
        })
    }

    /// Puts `x` at `at`, the place `find` gave for its name.
    fn insert(&mut self, at: usize, x: Xattr) -> Result {
        if self.len == self.slots.len() {
            self.slots.push(None, GFP_KERNEL_ACCOUNT)?;
        }
        let len = self.len;
        self.slots[len] = Some(x);
        // INVARIANT: The new entry moves down to `at`, those after it up by one: still
        // in order, still `Some` below `len + 1`.
        self.slots[at..=len].rotate_right(1);
        self.len += 1;
        Ok(())
    }

    /// Takes the attribute at `at` out.
    fn remove(&mut self, at: usize) -> Option<Xattr> {
        let x = self.slots[at].take();
        // INVARIANT: The emptied slot moves up to `len - 1`, those after it down by one.
        self.slots[at..self.len].rotate_left(1);
        self.len -= 1;
        x
    }
}

/// An inode's extended attributes.
#[pin_data]
pub struct XattrStore {
    #[pin]
    entries: Mutex<Entries>,
}

impl XattrStore {
    /// No attributes.
    pub fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            // INVARIANT: No slots.
            entries <- new_mutex!(Entries { slots: KVec::new(), len: 0 }, "rshmem_xattrs"),
        })
    }

    /// Removes every attribute; returns what they were charged, for `nr_inodes=`.
    pub fn clear(&self) -> u64 {
        let mut e = self.entries.lock();
        let mut freed = 0;
        while e.len > 0 {
            let last = e.len - 1;
            if let Some(x) = e.remove(last) {
                freed += x.space();
            }
        }
        freed
    }
}

/// `getxattr`: `name`'s value, or ENODATA.
pub fn get(inode: &Inode<Rshmem>, name: &CStr, out: ValueOut<'_>) -> Result<usize> {
    let e = inode.data().xattrs.entries.lock();
    match e.find(name.as_bytes()) {
        Ok(at) => match &e.slots[at] {
            Some(x) => out.put(&x.value),
            None => Err(error::ENODATA()),
        },
        Err(_) => Err(error::ENODATA()),
    }
}

/// `setxattr` (`value` given) and `removexattr` (none), as tmpfs does them
/// (`shmem_xattr_handler_set`, `simple_xattr_set`): the new attribute's space is charged
/// first (ENOSPC), then it replaces the old one (which gives its space back), subject to
/// XATTR_CREATE (EEXIST) and XATTR_REPLACE (ENODATA). Any success changes ctime and the
/// change counter, even a removal of nothing.
pub fn set(inode: &Inode<Rshmem>, name: &CStr, value: Option<&[u8]>, flags: i32) -> Result {
    let space = &inode.super_block().info().space;
    let (new, charged) = match value {
        Some(v) => {
            let n = space_of(name.len(), v.len());
            space.charge_ispace(n)?;
            match Xattr::new(name, v) {
                Ok(x) => (Some(x), n),
                Err(e) => {
                    space.uncharge_ispace(n);
                    return Err(e);
                }
            }
        }
        None => (None, 0),
    };
    let old = {
        let mut e = inode.data().xattrs.entries.lock();
        replace(&mut e, name, new, flags)
    };
    match old {
        Ok(old) => {
            if let Some(old) = old {
                space.uncharge_ispace(old.space());
            }
            inode.touch_ctime();
            inode.inc_iversion();
            Ok(())
        }
        Err(err) => {
            space.uncharge_ispace(charged);
            Err(err)
        }
    }
}

/// `simple_xattr_set`'s change: puts `new` (or nothing) in `name`'s place; returns the
/// attribute it replaced or removed.
fn replace(e: &mut Entries, name: &CStr, new: Option<Xattr>, flags: i32) -> Result<Option<Xattr>> {
    match e.find(name.as_bytes()) {
        Ok(at) => {
            if flags & set_flags::CREATE != 0 {
                return Err(EEXIST);
            }
            match new {
                Some(x) => Ok(e.slots[at].replace(x)),
                None => Ok(e.remove(at)),
            }
        }
        Err(at) => {
            if flags & set_flags::REPLACE != 0 {
                return Err(error::ENODATA());
            }
            if let Some(x) = new {
                e.insert(at, x)?;
            }
            Ok(None)
        }
    }
}

/// `listxattr`, as libfs lists (`simple_xattr_list`): the ACLs' names, the LSMs', then
/// the stored ones, without `trusted.*` for a caller who may not see them. Stored names
/// come in descending `strcmp` order: libfs's rbtree compares the other way round from
/// what its walk from `rb_first` assumes, so tmpfs lists them last name first.
pub fn list(inode: &Inode<Rshmem>, list: &mut NameList<'_>) -> Result {
    list.push_acl_names(inode)?;
    list.push_lsm_names(inode)?;
    let e = inode.data().xattrs.entries.lock();
    for x in e.iter().rev() {
        list.push_stored(&x.name)?;
    }
    Ok(())
}

/// The LSMs' labels of a new inode (`shmem_initxattrs`): their whole space is charged
/// first (ENOSPC), then each is stored under `security.`; if one cannot be (ENOMEM),
/// none is.
pub fn init_security(inode: &Inode<Rshmem>, xattrs: SecurityXattrs<'_>) -> Result {
    let space = &inode.super_block().info().space;
    let total: u64 = xattrs
        .map(|(suffix, value)| space_of(SECURITY_PREFIX.len() + suffix.len(), value.len()))
        .sum();
    space.charge_ispace(total)?;
    let store = &inode.data().xattrs;
    for (suffix, value) in xattrs {
        if store_security(inode, suffix, value).is_err() {
            // The inode is new and only ours: nothing else was stored.
            store.clear();
            space.uncharge_ispace(total);
            return Err(ENOMEM);
        }
    }
    Ok(())
}

/// Stores `security.<suffix>` on a new inode.
fn store_security(inode: &Inode<Rshmem>, suffix: &CStr, value: &[u8]) -> Result {
    let mut name =
        KVec::with_capacity(SECURITY_PREFIX.len() + suffix.len() + 1, GFP_KERNEL_ACCOUNT)?;
    name.extend_from_slice(SECURITY_PREFIX, GFP_KERNEL_ACCOUNT)?;
    name.extend_from_slice(suffix.as_bytes_with_nul(), GFP_KERNEL_ACCOUNT)?;
    let name = CStr::from_bytes_with_nul(&name).map_err(|_| EINVAL)?;
    let x = Xattr::new(name, value)?;
    let mut e = inode.data().xattrs.entries.lock();
    match e.find(x.name.as_bytes()) {
        // Two LSMs with one name would be a bug of theirs; keep the first.
        Ok(_) => Ok(()),
        Err(at) => e.insert(at, x),
    }
}
