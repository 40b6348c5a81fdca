// SPDX-License-Identifier: GPL-2.0

//! rshmem's mount options, with tmpfs's syntax, defaults and /proc/mounts form.

#![deny(unsafe_code)]

use crate::kapi::cmdline::memparse;
use crate::kapi::cred::{Kgid, Kuid};
use crate::kapi::mm::{totalhigh_pages, totalram_pages, PAGE_SHIFT, PAGE_SIZE};
use core::fmt::Write;
use kernel::str::CStr;

// `nr_inodes` is capped so that the budget in bytes (`space.rs`) fits an unsigned long,
// as on tmpfs.
use crate::rshmem::space::BOGO_INODE_SIZE;

/// The mode of the root directory when `mode=` is not given.
pub const DEFAULT_MODE: u16 = 0o1777;

/// The default `size=`, in pages: half of RAM.
pub fn default_max_blocks() -> u64 {
    totalram_pages() / 2
}

/// The default `nr_inodes=`: half the pages of RAM, in lowmem, within the inode budget.
pub fn default_max_inodes() -> u64 {
    let pages = totalram_pages();
    (pages - totalhigh_pages())
        .min(pages / 2)
        .min(u64::MAX / BOGO_INODE_SIZE)
}

/// Whether inode numbers are 64-bit when neither `inode64` nor `inode32` is given: as
/// the kernel's tmpfs defaults (CONFIG_TMPFS_INODE64), so that the two agree.
pub const DEFAULT_INODE64: bool = cfg!(CONFIG_TMPFS_INODE64);

/// A malformed option value.
pub struct BadValue;

/// `huge=`: when a regular file's pages come in PMD-size folios, with tmpfs's values and
/// default (`never`). The numbers are tmpfs's `SHMEM_HUGE_*`.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Huge {
    /// Only order-0 folios (the default).
    Never = 0,
    /// A PMD-size folio wherever one fits.
    Always = 1,
    /// Only where the file's size (or a write's end) covers the whole folio.
    WithinSize = 2,
    /// Only for faults in mappings that asked with `madvise(MADV_HUGEPAGE)`.
    Advise = 3,
}

impl Huge {
    /// The values in the order of their numbers, with tmpfs's names.
    const ALL: [(Huge, &'static str); 4] = [
        (Huge::Never, "never"),
        (Huge::Always, "always"),
        (Huge::WithinSize, "within_size"),
        (Huge::Advise, "advise"),
    ];

    /// The value named `name`, as fs_parser's enum lookup (`lookup_constant`) matches.
    pub fn parse(name: &CStr) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, n)| n.as_bytes() == name.as_bytes())
            .map(|&(h, _)| h)
    }

    /// The value numbered `n` (as [`Huge`]'s `repr`), `Never` for any other number.
    pub fn from_u8(n: u8) -> Self {
        Self::ALL
            .iter()
            .find(|(h, _)| *h as u8 == n)
            .map_or(Huge::Never, |&(h, _)| h)
    }

    /// tmpfs's name of the value.
    pub fn name(self) -> &'static str {
        Self::ALL[self as usize].1
    }
}

/// The options of one mount or remount request.
pub struct MountOptions {
    /// The size limit in pages; 0 means no limit.
    pub blocks: u64,
    /// The inode limit; 0 means no limit.
    pub inodes: u64,
    /// The permission bits of the root directory.
    pub mode: u16,
    /// The owner of the root directory.
    pub uid: Kuid,
    /// The group of the root directory.
    pub gid: Kgid,
    /// Whether `size=` was given, so a remount changes the limit.
    pub seen_blocks: bool,
    /// Whether `nr_inodes=` was given.
    pub seen_inodes: bool,
    /// `mapped_mtime` or `nomapped_mtime`, if given (default off, as tmpfs behaves).
    pub mapped_mtime: Option<bool>,
    /// `inode64` (true) or `inode32` (false), the last one given, if any.
    pub inode64: Option<bool>,
    /// `noswap` given.
    pub noswap: bool,
    /// `huge=`, the last one given, if any.
    pub huge: Option<Huge>,
}

impl MountOptions {
    /// The defaults, with the root owned by `uid` and `gid` (the caller's fs ids).
    pub fn new(uid: Kuid, gid: Kgid) -> Self {
        Self {
            blocks: default_max_blocks(),
            inodes: default_max_inodes(),
            mode: DEFAULT_MODE,
            uid,
            gid,
            seen_blocks: false,
            seen_inodes: false,
            mapped_mtime: None,
            inode64: None,
            noswap: false,
            huge: None,
        }
    }

    /// `size=`: bytes with a K/M/G/T/P/E suffix, or a percentage of RAM, rounded up to
    /// whole pages. The arithmetic wraps exactly as tmpfs's `unsigned long long` does.
    pub fn set_size(&mut self, value: &CStr) -> Result<(), BadValue> {
        let (mut size, rest) = memparse(value);
        let mut rest = rest.as_bytes();
        if let [b'%', tail @ ..] = rest {
            size = (size << PAGE_SHIFT).wrapping_mul(totalram_pages()) / 100;
            rest = tail;
        }
        if !rest.is_empty() {
            return Err(BadValue);
        }
        self.blocks = size.wrapping_add(PAGE_SIZE - 1) / PAGE_SIZE;
        self.seen_blocks = true;
        Ok(())
    }

    /// `nr_inodes=`: a count with a K/M/G/T/P/E suffix.
    pub fn set_nr_inodes(&mut self, value: &CStr) -> Result<(), BadValue> {
        let (inodes, rest) = memparse(value);
        if !rest.is_empty() || inodes > u64::MAX / BOGO_INODE_SIZE {
            return Err(BadValue);
        }
        self.inodes = inodes;
        self.seen_inodes = true;
        Ok(())
    }

    /// `mode=`: octal permission bits; higher bits are dropped, as on tmpfs.
    pub fn set_mode(&mut self, mode: u32) {
        self.mode = (mode & 0o7777) as u16;
    }
}

/// The options of a mounted instance, as they are now.
pub struct Shown {
    /// `size=`, in pages.
    pub blocks: u64,
    /// `nr_inodes=`.
    pub inodes: u64,
    /// The root directory's mode, uid and gid as mounted.
    pub mode: u16,
    /// See `mode`.
    pub uid: Kuid,
    /// See `mode`.
    pub gid: Kgid,
    /// `inode64`.
    pub inode64: bool,
    /// `noswap`.
    pub noswap: bool,
    /// `mapped_mtime`.
    pub mapped_mtime: bool,
    /// `huge=`.
    pub huge: Huge,
}

/// The options of a mounted instance as /proc/mounts shows them: only those that differ
/// from the defaults, in tmpfs's order and format.
pub fn show(out: &mut impl Write, o: &Shown) -> core::fmt::Result {
    let Shown {
        blocks,
        inodes,
        mode,
        uid,
        gid,
        inode64,
        noswap,
        mapped_mtime,
        huge,
    } = *o;
    if blocks != default_max_blocks() {
        write!(out, ",size={}k", blocks << (PAGE_SHIFT - 10))?;
    }
    if inodes != default_max_inodes() {
        write!(out, ",nr_inodes={inodes}")?;
    }
    if mode != DEFAULT_MODE {
        write!(out, ",mode={mode:03o}")?;
    }
    if uid != Kuid::ROOT {
        write!(out, ",uid={}", uid.to_init_ns())?;
    }
    if gid != Kgid::ROOT {
        write!(out, ",gid={}", gid.to_init_ns())?;
    }
    // Shown when it is not the default, or always where the kernel's tmpfs defaults to
    // `inode64`, as shmem_show_options does.
    if DEFAULT_INODE64 || inode64 {
        write!(out, ",inode{}", if inode64 { 64 } else { 32 })?;
    }
    // Between the inode numbers and `noswap`, when not `never`, as shmem_show_options
    // shows it.
    if huge != Huge::Never {
        write!(out, ",huge={}", huge.name())?;
    }
    if noswap {
        out.write_str(",noswap")?;
    }
    // rshmem's own option, after tmpfs's.
    if mapped_mtime {
        out.write_str(",mapped_mtime")?;
    }
    Ok(())
}
