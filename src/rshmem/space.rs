// SPDX-License-Identifier: GPL-2.0

//! Space and inode accounting of an rshmem instance: the `size=` and `nr_inodes=`
//! limits, enforced as tmpfs enforces them; and, under the same lock as in tmpfs
//! (`stat_lock`), the instance's inode numbers and the options that govern them.
//!
//! Inode numbers are the instance's own, as on tmpfs (`shmem_reserve_inode`): 1 for the
//! root, then one more for each inode, hard links taking none. With `inode32` (the
//! default unless the kernel's tmpfs defaults to `inode64`, CONFIG_TMPFS_INODE64) they
//! stay within 32 bits: past 2^32 - 1 they start again at 1, with a warning, as
//! `get_next_ino` wraps. With `inode64` they do not wrap. 0, and with it every number
//! whose low 32 bits are 0, is never given (`is_zero_ino`).
//!
//! `nr_inodes=` is counted in bytes, as tmpfs counts it (`free_ispace`): each inode, and
//! each extra hard link, takes 1024 bytes (`BOGO_INODE_SIZE`), and extended attributes
//! take their size (`xattr.rs`) from the same allowance; `statfs` shows what is left in
//! whole inodes.
//!
//! Locks: one spinlock, a leaf: nothing is taken under it. It may be taken under a
//! folio lock and under an inode's `alloced` lock (see `fault.rs` for the whole order).

#![deny(unsafe_code)]

use kernel::new_spinlock;
use kernel::prelude::*;
use kernel::sync::SpinLock;

/// What an inode (or an extra hard link) counts for in `nr_inodes=`'s space, in bytes.
pub const BOGO_INODE_SIZE: u64 = 1024;

/// The limits and what is used of them. A limit of 0 means none.
#[derive(Clone, Copy)]
pub struct Usage {
    /// `size=` in pages.
    pub max_blocks: u64,
    /// Pages charged: page-cache folios of every file.
    pub used_blocks: u64,
    /// `nr_inodes=`.
    pub max_inodes: u64,
    /// Bytes of `nr_inodes=`'s space charged: `BOGO_INODE_SIZE` per inode and per extra
    /// hard link, and the size of every extended attribute, as on tmpfs. Counted with a
    /// limit or without: an instance mounted without one cannot get one by a remount.
    pub used_ispace: u64,
}

impl Usage {
    /// `nr_inodes=` in bytes. `max_inodes` is at most `u64::MAX / BOGO_INODE_SIZE`
    /// (`mount_options.rs`), so this does not overflow.
    fn max_ispace(&self) -> u64 {
        self.max_inodes.saturating_mul(BOGO_INODE_SIZE)
    }

    /// What is left of `nr_inodes=`'s space, in bytes.
    fn free_ispace(&self) -> u64 {
        self.max_ispace().saturating_sub(self.used_ispace)
    }

    /// What is left of `nr_inodes=`, in whole inodes, as `statfs` shows it.
    pub fn free_inodes(&self) -> u64 {
        self.free_ispace() / BOGO_INODE_SIZE
    }

    /// Charges `n` bytes of `nr_inodes=`'s space, or fails with `ENOSPC` if less is left.
    fn charge_ispace(&mut self, n: u64) -> Result {
        if self.max_inodes != 0 && self.free_ispace() < n {
            return Err(ENOSPC);
        }
        self.used_ispace = self.used_ispace.saturating_add(n);
        Ok(())
    }
}

/// Everything under the instance's lock.
struct State {
    usage: Usage,
    /// The next inode number to give.
    next_ino: u64,
    /// `inode64`: inode numbers do not wrap at 32 bits.
    full_inums: bool,
    /// `noswap`, as asked for: rshmem never swaps, with it or without (`README.md`).
    noswap: bool,
}

/// What a remount asks to change; `None` leaves a setting as it is.
pub struct Reconfig {
    /// `size=`, in pages.
    pub blocks: Option<u64>,
    /// `nr_inodes=`.
    pub inodes: Option<u64>,
    /// `inode64` (true) or `inode32` (false).
    pub full_inums: Option<bool>,
    /// `noswap` given: it cannot be turned on by a remount, only kept.
    pub noswap: bool,
}

/// A new inode's number, and whether giving it wrapped the 32-bit numbers round.
pub struct InodeNumber {
    /// The number.
    pub ino: u64,
    /// Whether the numbers wrapped round to 1 (`inode32` only): tmpfs warns then.
    pub wrapped: bool,
}

/// The accounting of one instance.
#[pin_data]
pub struct Space {
    #[pin]
    state: SpinLock<State>,
}

impl Space {
    /// An instance with these limits and inode-number options, nothing used.
    pub fn new(
        max_blocks: u64,
        max_inodes: u64,
        full_inums: bool,
        noswap: bool,
    ) -> impl PinInit<Self> {
        pin_init!(Self {
            state <- new_spinlock!(
                State {
                    usage: Usage {
                        max_blocks,
                        used_blocks: 0,
                        max_inodes,
                        used_ispace: 0,
                    },
                    next_ino: 1,
                    full_inums,
                    noswap,
                },
                "rshmem_space"
            ),
        })
    }

    /// Whether inode numbers are 64-bit (`inode64`).
    pub fn full_inums(&self) -> bool {
        self.state.lock().full_inums
    }

    /// Whether the instance was mounted with `noswap`.
    pub fn noswap(&self) -> bool {
        self.state.lock().noswap
    }

    /// The limits and usage now.
    pub fn usage(&self) -> Usage {
        self.state.lock().usage
    }

    /// Charges `n` pages, or fails with `ENOSPC` if that would pass the limit.
    pub fn charge_blocks(&self, n: u64) -> Result {
        let mut s = self.state.lock();
        let u = &mut s.usage;
        let used = u.used_blocks.checked_add(n).ok_or(ENOSPC)?;
        if u.max_blocks != 0 && used > u.max_blocks {
            return Err(ENOSPC);
        }
        u.used_blocks = used;
        Ok(())
    }

    /// Returns `n` pages charged before.
    pub fn uncharge_blocks(&self, n: u64) {
        let mut s = self.state.lock();
        let u = &mut s.usage;
        // More returned than charged is a bug of ours: warn, and keep the count sane.
        crate::kapi::warn::warn_on_once(n > u.used_blocks);
        u.used_blocks = u.used_blocks.saturating_sub(n);
    }

    /// Charges one inode, or fails with `ENOSPC` at the limit: for a hard link, which
    /// takes no inode number.
    pub fn reserve_inode(&self) -> Result {
        let mut s = self.state.lock();
        Self::charge_inode(&mut s.usage)
    }

    /// Charges one inode and gives it a number, or fails with `ENOSPC` at the limit.
    pub fn reserve_inode_number(&self) -> Result<InodeNumber> {
        let mut s = self.state.lock();
        Self::charge_inode(&mut s.usage)?;
        let mut wrapped = false;
        let mut ino = s.next_ino;
        // 0 (as `is_zero_ino` sees it: the low 32 bits) is no inode number.
        if ino as u32 == 0 {
            ino += 1;
        }
        if !s.full_inums && ino > u64::from(u32::MAX) {
            wrapped = true;
            ino = 1;
        }
        // `ino < 2^64 - 1`: at one inode a nanosecond, 584 years of them.
        s.next_ino = ino.saturating_add(1);
        Ok(InodeNumber { ino, wrapped })
    }

    fn charge_inode(u: &mut Usage) -> Result {
        u.charge_ispace(BOGO_INODE_SIZE)
    }

    /// Returns one inode charged before.
    pub fn free_inode(&self) {
        self.uncharge_ispace(BOGO_INODE_SIZE);
    }

    /// Charges `n` bytes of `nr_inodes=`'s space (an extended attribute), or fails with
    /// `ENOSPC` if less is left.
    pub fn charge_ispace(&self, n: u64) -> Result {
        self.state.lock().usage.charge_ispace(n)
    }

    /// Returns `n` bytes of `nr_inodes=`'s space charged before.
    pub fn uncharge_ispace(&self, n: u64) {
        let mut s = self.state.lock();
        let u = &mut s.usage;
        // More returned than charged is a bug of ours: warn, and keep the count sane.
        crate::kapi::warn::warn_on_once(n > u.used_ispace);
        u.used_ispace = u.used_ispace.saturating_sub(n);
    }

    /// Applies a remount's changes, if they hold what is in use and may be made;
    /// otherwise says why not, in tmpfs's words and order (`shmem_reconfigure`), and
    /// changes nothing.
    pub fn reconfigure(&self, r: &Reconfig) -> Result<(), &'static CStr> {
        // One lock for the checks and the change: a charge cannot slip in between.
        let mut s = self.state.lock();
        let u = &s.usage;
        if let Some(b) = r.blocks.filter(|&b| b != 0) {
            if u.max_blocks == 0 {
                return Err(c_str!("Cannot retroactively limit size"));
            }
            if u.used_blocks > b {
                return Err(c_str!("Too small a size for current use"));
            }
        }
        if let Some(i) = r.inodes.filter(|&i| i != 0) {
            if u.max_inodes == 0 {
                return Err(c_str!("Cannot retroactively limit inodes"));
            }
            if i.saturating_mul(BOGO_INODE_SIZE) < u.used_ispace {
                return Err(c_str!("Too few inodes for current use"));
            }
        }
        if r.full_inums == Some(false) && s.next_ino > u64::from(u32::MAX) {
            return Err(c_str!("Current inum too high to switch to 32-bit inums"));
        }
        // There is no "swap" option to turn it back on: a remount can only keep it.
        if r.noswap && !s.noswap {
            return Err(c_str!("Cannot disable swap on remount"));
        }
        if let Some(b) = r.blocks {
            s.usage.max_blocks = b;
        }
        if let Some(i) = r.inodes {
            s.usage.max_inodes = i;
        }
        if let Some(full) = r.full_inums {
            s.full_inums = full;
        }
        Ok(())
    }
}

use kernel::c_str;
