// SPDX-License-Identifier: GPL-2.0

//! Space and inode accounting of an rshmem instance: the `size=` and `nr_inodes=`
//! limits, enforced as tmpfs enforces them.
//!
//! Locks: one spinlock, a leaf: nothing is taken under it. It may be taken under a
//! folio lock and under an inode's `alloced` lock (see `fault.rs` for the whole order).

#![deny(unsafe_code)]

use kernel::new_spinlock;
use kernel::prelude::*;
use kernel::sync::SpinLock;

/// The limits and what is used of them. A limit of 0 means none.
#[derive(Clone, Copy)]
pub struct Usage {
    /// `size=` in pages.
    pub max_blocks: u64,
    /// Pages charged: page-cache folios of every file.
    pub used_blocks: u64,
    /// `nr_inodes=`.
    pub max_inodes: u64,
    /// Inodes charged: one per inode, and one per extra hard link, as on tmpfs.
    pub used_inodes: u64,
}

/// The accounting of one instance.
#[pin_data]
pub struct Space {
    #[pin]
    usage: SpinLock<Usage>,
}

impl Space {
    /// An instance with these limits, nothing used.
    pub fn new(max_blocks: u64, max_inodes: u64) -> impl PinInit<Self> {
        pin_init!(Self {
            usage <- new_spinlock!(
                Usage {
                    max_blocks,
                    used_blocks: 0,
                    max_inodes,
                    used_inodes: 0,
                },
                "rshmem_space"
            ),
        })
    }

    /// The limits and usage now.
    pub fn usage(&self) -> Usage {
        *self.usage.lock()
    }

    /// Charges `n` pages, or fails with `ENOSPC` if that would pass the limit.
    pub fn charge_blocks(&self, n: u64) -> Result {
        let mut u = self.usage.lock();
        let used = u.used_blocks.checked_add(n).ok_or(ENOSPC)?;
        if u.max_blocks != 0 && used > u.max_blocks {
            return Err(ENOSPC);
        }
        u.used_blocks = used;
        Ok(())
    }

    /// Returns `n` pages charged before.
    pub fn uncharge_blocks(&self, n: u64) {
        let mut u = self.usage.lock();
        // More returned than charged is a bug of ours: warn, and keep the count sane.
        crate::kapi::warn::warn_on_once(n > u.used_blocks);
        u.used_blocks = u.used_blocks.saturating_sub(n);
    }

    /// Charges one inode, or fails with `ENOSPC` at the limit.
    pub fn reserve_inode(&self) -> Result {
        let mut u = self.usage.lock();
        if u.max_inodes != 0 && u.used_inodes >= u.max_inodes {
            return Err(ENOSPC);
        }
        u.used_inodes += 1;
        Ok(())
    }

    /// Returns one inode charged before.
    pub fn free_inode(&self) {
        let mut u = self.usage.lock();
        crate::kapi::warn::warn_on_once(u.used_inodes == 0);
        u.used_inodes = u.used_inodes.saturating_sub(1);
    }

    /// Applies new limits (`None`: unchanged) from a remount, if they hold what is in
    /// use; otherwise says why not, in tmpfs's words.
    pub fn set_limits(
        &self,
        blocks: Option<u64>,
        inodes: Option<u64>,
    ) -> Result<(), &'static CStr> {
        // One lock for the check and the change: a charge cannot slip in between.
        let mut u = self.usage.lock();
        if let Some(b) = blocks.filter(|&b| b != 0) {
            if u.max_blocks == 0 {
                return Err(c_str!("Cannot retroactively limit size"));
            }
            if u.used_blocks > b {
                return Err(c_str!("Too small a size for current use"));
            }
        }
        if let Some(i) = inodes.filter(|&i| i != 0) {
            if u.max_inodes == 0 {
                return Err(c_str!("Cannot retroactively limit inodes"));
            }
            if u.used_inodes > i {
                return Err(c_str!("Too few inodes for current use"));
            }
        }
        if let Some(b) = blocks {
            u.max_blocks = b;
        }
        if let Some(i) = inodes {
            u.max_inodes = i;
        }
        Ok(())
    }
}

use kernel::c_str;
