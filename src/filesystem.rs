// SPDX-License-Identifier: GPL-2.0

//! The rshmem filesystem type: mount, remount, umount and /proc/mounts.

use crate::bindings;
use crate::cred::{Kgid, Kuid};
use crate::fs_context::{FileSystem, FsContext};
use crate::fs_parser::{Param, ParamSpec, ParamTable};
use crate::inode::NewInode;
use crate::mm::{MAX_LFS_FILESIZE, PAGE_SHIFT};
use crate::mount_options::{self, MountOptions};
use crate::seq_file::SeqFile;
use crate::super_block::{SuperBlock, SuperParams};
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::c_str;
use kernel::prelude::*;

/// `s_magic` of an rshmem superblock ("rshm").
pub const RSHMEM_MAGIC: kernel::ffi::c_ulong = 0x7273_686d;

const OPT_SIZE: u8 = 0;
const OPT_NR_INODES: u8 = 1;
const OPT_MODE: u8 = 2;
const OPT_UID: u8 = 3;
const OPT_GID: u8 = 4;

/// The mount parameters: tmpfs's names and value types.
pub static PARAMETERS: ParamTable<5> = ParamTable::new([
    ParamSpec::string(c_str!("size"), OPT_SIZE),
    ParamSpec::string(c_str!("nr_inodes"), OPT_NR_INODES),
    ParamSpec::u32oct(c_str!("mode"), OPT_MODE),
    ParamSpec::uid(c_str!("uid"), OPT_UID),
    ParamSpec::gid(c_str!("gid"), OPT_GID),
]);

/// The rshmem filesystem.
pub struct Rshmem;

/// The state of one mounted rshmem instance.
pub struct RshmemInfo {
    /// The size limit in pages, 0 for none. A remount changes it.
    max_blocks: AtomicU64,
    /// The inode limit, 0 for none. A remount changes it.
    max_inodes: AtomicU64,
    /// The root directory's mode, uid and gid as mounted (a remount leaves them).
    mode: u16,
    uid: Kuid,
    gid: Kgid,
}

impl FileSystem for Rshmem {
    type Options = MountOptions;
    type Info = RshmemInfo;
    type InodeData = ();
    const NAME: &'static CStr = c_str!("rshmem");
    const INODE_CACHE_NAME: &'static CStr = c_str!("rshmem_inode_cache");
    const FS_FLAGS: core::ffi::c_int = bindings::FS_USERNS_MOUNT as core::ffi::c_int;

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
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(fc.bad_value(param.key()))
        }
    }

    fn new_info(opts: &MountOptions) -> Result<RshmemInfo> {
        Ok(RshmemInfo {
            max_blocks: AtomicU64::new(opts.blocks),
            max_inodes: AtomicU64::new(opts.inodes),
            mode: opts.mode,
            uid: opts.uid,
            gid: opts.gid,
        })
    }

    fn fill_super(sb: &SuperBlock<Self>, opts: &MountOptions) -> Result {
        sb.set_params(&SuperParams {
            magic: RSHMEM_MAGIC,
            maxbytes: MAX_LFS_FILESIZE,
            blocksize_bits: PAGE_SHIFT as u8,
            time_gran: 1,
        });
        let mut root = NewInode::new(sb)?;
        root.init_root_dir(opts.mode, opts.uid, opts.gid);
        root.set_simple_dir_ops();
        sb.set_root(root)
    }

    fn reconfigure(fc: &FsContext, sb: &SuperBlock<Self>, opts: &MountOptions) -> Result {
        let info = sb.info();
        // As on tmpfs, an unlimited instance stays unlimited: what it holds was never
        // counted against a limit. Mode, uid and gid belong to the root inode and are
        // left as mounted.
        if opts.seen_blocks && opts.blocks != 0 && info.max_blocks.load(Ordering::Relaxed) == 0 {
            return Err(fc.invalid(c_str!("Cannot retroactively limit size")));
        }
        if opts.seen_inodes && opts.inodes != 0 && info.max_inodes.load(Ordering::Relaxed) == 0 {
            return Err(fc.invalid(c_str!("Cannot retroactively limit inodes")));
        }
        if opts.seen_blocks {
            info.max_blocks.store(opts.blocks, Ordering::Relaxed);
        }
        if opts.seen_inodes {
            info.max_inodes.store(opts.inodes, Ordering::Relaxed);
        }
        Ok(())
    }

    fn show_options(sb: &SuperBlock<Self>, seq: &mut SeqFile) -> core::fmt::Result {
        let info = sb.info();
        mount_options::show(
            seq,
            info.max_blocks.load(Ordering::Relaxed),
            info.max_inodes.load(Ordering::Relaxed),
            info.mode,
            info.uid,
            info.gid,
        )
    }
}
