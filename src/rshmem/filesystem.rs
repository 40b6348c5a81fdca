// SPDX-License-Identifier: GPL-2.0

//! The rshmem filesystem: its mount options and instance state, mounting
//! ([`FileSystem`]) and the superblock's operations. Each other operation table is
//! implemented in the module that holds its logic: directories in `namespace.rs`,
//! attribute changes in `truncate.rs`, regular files and their page cache in
//! `regular_file.rs`, mappings in `fault.rs`.

#![deny(unsafe_code)]

use crate::kapi::cred::{Kgid, Kuid};
use crate::kapi::fs::attr::{Idmap, StatFs};
use crate::kapi::fs::fs_context::FsContext;
use crate::kapi::fs::fs_parser::{Param, ParamSpec, ParamTable};
use crate::kapi::fs::inode::mode::S_IFDIR;
use crate::kapi::fs::inode::{Inode, NewKind, INO_64BIT};
use crate::kapi::fs::super_block::{New, SuperBlock, SuperOperations, SuperParams};
use crate::kapi::fs::FileSystem;
use crate::kapi::mm::{thp_supported, MAX_LFS_FILESIZE, PAGE_SHIFT, PAGE_SIZE};
use crate::kapi::seq_file::SeqFile;
use crate::rshmem::huge_tails;
use crate::rshmem::mount_options::{self, Huge, MountOptions, Shown};
use crate::rshmem::namespace;
use crate::rshmem::rshmem_inode::{self, RshmemInode};
use crate::rshmem::space::{Reconfig, Space};
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use kernel::c_str;
use kernel::prelude::*;

/// `s_magic` of an rshmem superblock ("rshm").
pub const RSHMEM_MAGIC: kernel::ffi::c_ulong = 0x7273_686d;

const OPT_SIZE: u8 = 0;
const OPT_NR_INODES: u8 = 1;
const OPT_MODE: u8 = 2;
const OPT_UID: u8 = 3;
const OPT_GID: u8 = 4;
const OPT_MAPPED_MTIME: u8 = 5;
const OPT_INODE32: u8 = 6;
const OPT_INODE64: u8 = 7;
const OPT_NOSWAP: u8 = 8;
const OPT_HUGE: u8 = 9;

/// The mount parameters: tmpfs's names and value types, and `mapped_mtime` (rshmem's
/// own; see `fault.rs`).
pub static PARAMETERS: ParamTable<10> = ParamTable::new([
    ParamSpec::string(c_str!("size"), OPT_SIZE),
    ParamSpec::string(c_str!("nr_inodes"), OPT_NR_INODES),
    ParamSpec::u32oct(c_str!("mode"), OPT_MODE),
    ParamSpec::uid(c_str!("uid"), OPT_UID),
    ParamSpec::gid(c_str!("gid"), OPT_GID),
    ParamSpec::flag_no(c_str!("mapped_mtime"), OPT_MAPPED_MTIME),
    ParamSpec::flag(c_str!("inode32"), OPT_INODE32),
    ParamSpec::flag(c_str!("inode64"), OPT_INODE64),
    ParamSpec::flag(c_str!("noswap"), OPT_NOSWAP),
    // tmpfs's is an enum parameter; a string checked here gives the same answers and
    // the same message ("Bad value for 'huge'") for a value that is not one of them.
    ParamSpec::string(c_str!("huge"), OPT_HUGE),
]);

/// The rshmem filesystem.
pub struct Rshmem;

/// The state of one mounted rshmem instance.
#[pin_data]
pub struct RshmemInfo {
    /// The limits and what is used of them.
    #[pin]
    pub space: Space,
    /// The root directory's mode, uid and gid as mounted (a remount leaves them).
    mode: u16,
    uid: Kuid,
    gid: Kgid,
    /// `mapped_mtime`: whether new mappings get `.page_mkwrite`, which updates the times
    /// on a shared mapping's writes (`fault.rs`). A remount changes it for mappings made
    /// after it; a mapping keeps the operations it was made with.
    mapped_mtime: AtomicBool,
    /// `huge=` (a [`Huge`] as its number): read at each allocation of a regular file's
    /// folio (`rshmem_inode.rs`), so a remount changes it for what is allocated after.
    huge: AtomicU8,
    /// How many of its inodes may hold a large folio that reaches past their end
    /// (`huge_tails.rs`).
    pub(crate) tails: AtomicUsize,
}

impl RshmemInfo {
    /// Whether a new mapping should update the times on its writes.
    pub fn mapped_mtime(&self) -> bool {
        // Relaxed: a flag read once per `mmap`; a remount racing with it may or may not
        // be seen by that mapping, as with any option that applies to later mappings.
        self.mapped_mtime.load(Ordering::Relaxed)
    }

    /// `huge=` now.
    pub fn huge(&self) -> Huge {
        // Relaxed: a remount racing with an allocation may or may not be seen by it;
        // either folio size is correct.
        Huge::from_u8(self.huge.load(Ordering::Relaxed))
    }
}

/// `NAME_MAX`.
const NAME_MAX: u64 = 255;

impl FileSystem for Rshmem {
    type Options = MountOptions;
    type Info = RshmemInfo;
    type InodeData = RshmemInode;
    const NAME: &'static CStr = c_str!("rshmem");
    const INODE_CACHE_NAME: &'static CStr = c_str!("rshmem_inode_cache");
    const FS_FLAGS: core::ffi::c_int = crate::kapi::fs::fs_type::FS_USERNS_MOUNT;
    const POSIX_ACL: bool = true;

    fn init_options(fc: &FsContext) -> Result<MountOptions> {
        Ok(MountOptions::new(fc.fsuid(), fc.fsgid()))
    }

    fn parse_param(fc: &FsContext, opts: &mut MountOptions, param: &Param<'_>) -> Result {
        let ok = match param.opt() as u8 {
            OPT_SIZE => opts.set_size(param.string()).is_ok(),
            OPT_NR_INODES => opts.set_nr_inodes(param.string()).is_ok(),
            OPT_MODE => {
                opts.set_mode(param.uint_32());
                true
            }
            // The owner must be representable in the filesystem's idmapping.
            OPT_UID => {
                opts.uid = param.uid();
                fc.has_uid_mapping(opts.uid)
            }
            OPT_GID => {
                opts.gid = param.gid();
                fc.has_gid_mapping(opts.gid)
            }
            OPT_MAPPED_MTIME => {
                opts.mapped_mtime = Some(!param.negated());
                true
            }
            OPT_INODE32 => {
                opts.inode64 = Some(false);
                true
            }
            // Refused where `ino_t` is 32-bit, as tmpfs refuses it.
            OPT_INODE64 if !INO_64BIT => {
                return Err(fc.invalid(c_str!("Cannot use inode64 with <64bit inums in kernel")));
            }
            OPT_INODE64 => {
                opts.inode64 = Some(true);
                true
            }
            // Only the host's administrator may ask for it, on tmpfs (it changes how a
            // mount's memory is reclaimed). rshmem never swaps, but refuses it to the same
            // callers, so that a mount line works on both or on neither.
            OPT_NOSWAP if !fc.is_privileged_in_init_ns() => {
                return Err(fc.invalid(c_str!(
                    "Turning off swap in unprivileged rshmem mounts unsupported"
                )));
            }
            OPT_NOSWAP => {
                opts.noswap = true;
                true
            }
            OPT_HUGE => match Huge::parse(param.string()) {
                // Refused without transparent huge pages, with fs_parser's message, as
                // tmpfs refuses it ("unsupported_parameter").
                Some(h) if h != Huge::Never && !thp_supported() => {
                    return Err(fc.unsupported(param.key()));
                }
                Some(h) => {
                    opts.huge = Some(h);
                    true
                }
                None => false,
            },
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(fc.bad_value(param.key()))
        }
    }

    fn new_info(opts: &MountOptions) -> impl PinInit<RshmemInfo, Error> {
        try_pin_init!(RshmemInfo {
            space <- Space::new(
                opts.blocks,
                opts.inodes,
                opts.inode64.unwrap_or(mount_options::DEFAULT_INODE64),
                opts.noswap
            ),
            mode: opts.mode,
            uid: opts.uid,
            gid: opts.gid,
            mapped_mtime: AtomicBool::new(opts.mapped_mtime.unwrap_or(false)),
            huge: AtomicU8::new(opts.huge.unwrap_or(Huge::Never) as u8),
            tails: AtomicUsize::new(0),
        }? Error)
    }

    fn fill_super(sb: &SuperBlock<Self, New>, opts: &MountOptions) -> Result {
        sb.set_params(&SuperParams {
            magic: RSHMEM_MAGIC,
            maxbytes: MAX_LFS_FILESIZE,
            blocksize_bits: PAGE_SHIFT as u8,
            time_gran: 1,
            nosec: true,
            i_version: true,
        });
        // Handles of the inode's generation and number, as tmpfs's (`shmem_export_ops`).
        sb.enable_file_handles();
        sb.set_random_uuid();
        // Extended attributes and POSIX ACLs, as tmpfs has them with CONFIG_TMPFS_XATTR
        // and CONFIG_TMPFS_POSIX_ACL (`xattr.rs`, `kapi::fs::acl`); before the root inode.
        sb.enable_xattrs();
        sb.enable_posix_acl();
        let mode = S_IFDIR | opts.mode;
        let mut root = namespace::new_inode(Idmap::identity(), sb, None, mode, NewKind::Directory)?;
        root.set_owner(opts.uid, opts.gid);
        sb.set_root(root)
    }

    fn reconfigure(fc: &FsContext, sb: &SuperBlock<Self>, opts: &MountOptions) -> Result {
        // Mode, uid and gid belong to the root inode and are left as mounted, as on
        // tmpfs.
        let info = sb.info();
        info.space
            .reconfigure(&Reconfig {
                blocks: opts.seen_blocks.then_some(opts.blocks),
                inodes: opts.seen_inodes.then_some(opts.inodes),
                full_inums: opts.inode64,
                noswap: opts.noswap,
            })
            .map_err(|msg| fc.invalid(msg))?;
        // After the limits, so that a remount that fails changes nothing.
        if let Some(on) = opts.mapped_mtime {
            info.mapped_mtime.store(on, Ordering::Relaxed);
        }
        // As on tmpfs, only if given: a remount without `huge=` keeps it.
        if let Some(h) = opts.huge {
            info.huge.store(h as u8, Ordering::Relaxed);
        }
        Ok(())
    }

    fn init_inode_data() -> impl PinInit<RshmemInode, Error> {
        RshmemInode::new()
    }
}

/// The superblock operations: statistics, /proc/mounts, and inode eviction.
#[vtable]
impl SuperOperations for Rshmem {
    fn show_options(sb: &SuperBlock<Self>, seq: &mut SeqFile) -> core::fmt::Result {
        let info = sb.info();
        let usage = info.space.usage();
        mount_options::show(
            seq,
            &Shown {
                blocks: usage.max_blocks,
                inodes: usage.max_inodes,
                mode: info.mode,
                uid: info.uid,
                gid: info.gid,
                inode64: info.space.full_inums(),
                noswap: info.space.noswap(),
                mapped_mtime: info.mapped_mtime(),
                huge: info.huge(),
            },
        )
    }

    fn statfs(sb: &SuperBlock<Self>, buf: &mut StatFs) {
        buf.set_basics(RSHMEM_MAGIC as u64, PAGE_SIZE, NAME_MAX);
        let u = sb.info().space.usage();
        // With no limit, the counts stay 0, as on tmpfs (and simple_statfs).
        if u.max_blocks != 0 {
            buf.set_blocks(u.max_blocks, u.max_blocks.saturating_sub(u.used_blocks));
        }
        if u.max_inodes != 0 {
            buf.set_files(u.max_inodes, u.free_inodes());
        }
        buf.set_fsid_from_uuid(sb);
    }

    fn evict_inode(inode: &Inode<Self>) {
        // Every folio goes, and with it its charge; then the inode's own charge, and its
        // extended attributes' (`shmem_evict_inode`).
        inode.mapping().truncate_final();
        rshmem_inode::recalc(inode, 0);
        huge_tails::forget(inode);
        let space = &inode.super_block().info().space;
        space.uncharge_ispace(inode.data().xattrs.clear());
        space.free_inode();
    }
}
