/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C interface rshmem uses, for the module's own bindgen pass (Kbuild).
 * bindgen also writes bindings_static.c: a C wrapper for every static inline
 * function that Kbuild's allowlist names, so Rust can call them.
 */
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/exportfs.h>
#include <linux/falloc.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/fileattr.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/highmem.h>
#include <linux/huge_mm.h>
#include <linux/iversion.h>
#include <linux/maple_tree.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pipe_fs_i.h>
#include <linux/posix_acl.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/security.h>
#include <linux/wait.h>
#include <linux/statfs.h>
#include <linux/swap.h>
#include <linux/uio.h>
#include <linux/uuid.h>
#include <linux/seq_file.h>
#include <linux/stat.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <linux/xattr.h>

/* Macros bindgen cannot evaluate, as constants it can. */
static const unsigned long RSHMEM_PAGE_SIZE = PAGE_SIZE;
static const unsigned int RSHMEM_PAGE_SHIFT = PAGE_SHIFT;
static const long long RSHMEM_MAX_LFS_FILESIZE = MAX_LFS_FILESIZE;
static const gfp_t RSHMEM_GFP_KERNEL = GFP_KERNEL;
/*
 * Charged to the memcg of the task that creates the inode, as shmem's cache is; not
 * SLAB_RECLAIM_ACCOUNT: no shrinker can free an inode of a filesystem in memory.
 */
static const slab_flags_t RSHMEM_INODE_CACHE_FLAGS = SLAB_ACCOUNT | SLAB_HWCACHE_ALIGN;
static const fgf_t RSHMEM_FGP_LOCK = FGP_LOCK;
static const unsigned long RSHMEM_SB_NOSEC = SB_NOSEC;
static const fmode_t RSHMEM_FMODE_CAN_ODIRECT = FMODE_CAN_ODIRECT;
static const unsigned short RSHMEM_FS_PARAM_NEG_WITH_NO = fs_param_neg_with_no;
static const unsigned long RSHMEM_SB_I_VERSION = SB_I_VERSION;
static const unsigned long RSHMEM_SB_POSIXACL = SB_POSIXACL;
static const int RSHMEM_FILEID_INO32_GEN = FILEID_INO32_GEN;
static const int RSHMEM_FILEID_INVALID = FILEID_INVALID;
static const unsigned int RSHMEM_TASK_NORMAL = TASK_NORMAL;
static const unsigned int RSHMEM_TASK_UNINTERRUPTIBLE = TASK_UNINTERRUPTIBLE;
/* Directory offset maps (src/kernel/fs/dir_offsets.rs). */
static const unsigned int RSHMEM_MT_FLAGS_ALLOC_RANGE = MT_FLAGS_ALLOC_RANGE;
static const gfp_t RSHMEM_GFP_KERNEL_NOFAIL = GFP_KERNEL | __GFP_NOFAIL;
/* The bits of folio->flags that src/kernel/mm/folio.rs tests inline. */
static const unsigned int RSHMEM_PG_UPTODATE = PG_uptodate;
static const unsigned int RSHMEM_PG_HEAD = PG_head;
static const unsigned int RSHMEM_PG_DIRTY = PG_dirty;
#ifdef CONFIG_MEMORY_FAILURE
static const unsigned int RSHMEM_PG_HWPOISON = PG_hwpoison;
#endif
/*
 * Large folios (src/kernel/mm/mapping.rs): the order of a PMD-size folio, where the
 * page cache can hold one (0 where it cannot: no THP, or a PMD larger than
 * MAX_PAGECACHE_ORDER, which rshmem_thp_supported() checks); the VMA flag of MADV_HUGEPAGE; and what an allocation of one
 * adds to the mapping's mask: no warning, no retrying, no reserves, and what it takes
 * out of it (RSHMEM_GFP_RECLAIM): both direct reclaim and the waking of kswapd (and
 * with it kcompactd), as shmem's allocations of huge folios for a mapping without
 * MADV_HUGEPAGE under the default defrag setting (GFP_TRANSHUGE_LIGHT), so that
 * fragmentation makes it fall back to order 0 at once and starts no compaction.
 */
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
static const unsigned int RSHMEM_HPAGE_PMD_ORDER = HPAGE_PMD_ORDER;
#else
static const unsigned int RSHMEM_HPAGE_PMD_ORDER = 0;
#endif
static const unsigned long RSHMEM_VM_HUGEPAGE = VM_HUGEPAGE;
static const gfp_t RSHMEM_GFP_LARGE_FOLIO = __GFP_NOWARN | __GFP_NORETRY | __GFP_NOMEMALLOC;
static const gfp_t RSHMEM_GFP_RECLAIM = __GFP_RECLAIM;

/*
 * Zeroes every page of a folio with clear_highpage(), the loop shmem_get_folio_gfp
 * runs over a new folio (src/kernel/mm/folio.rs, make_uptodate). The loop is here
 * rather than in Rust so that clear_highpage() is inlined into it and each page costs
 * one call of clear_page, not two calls.
 */
static inline void rshmem_clear_folio(struct folio *folio)
{
	long i, nr = folio_nr_pages(folio);

	for (i = 0; i < nr; i++)
		clear_highpage(folio_page(folio, i));
}

/*
 * The next inode on sb's list after prev (the first if prev is NULL) that is neither
 * being set up nor being freed, with a reference taken for the caller; NULL after the
 * last. From the list's tail, oldest first: new inodes go to its head
 * (inode_sb_list_add). The walk of drop_pagecache_sb(): the reference the caller still
 * holds on prev keeps it on the list (eviction takes an inode off it only after its
 * last reference), so its successor can be read once the list lock is taken again;
 * the caller drops prev's reference after this returns, outside the lock
 * (src/kernel/fs/super_block.rs).
 */
static inline struct inode *rshmem_sb_next_inode(struct super_block *sb, struct inode *prev)
{
	struct list_head *pos;
	struct inode *inode;

	spin_lock(&sb->s_inode_list_lock);
	for (pos = prev ? prev->i_sb_list.prev : sb->s_inodes.prev; pos != &sb->s_inodes;
	     pos = pos->prev) {
		inode = list_entry(pos, struct inode, i_sb_list);
		spin_lock(&inode->i_lock);
		if (inode->i_state & (I_NEW | I_FREEING | I_WILL_FREE)) {
			spin_unlock(&inode->i_lock);
			continue;
		}
		__iget(inode);
		spin_unlock(&inode->i_lock);
		spin_unlock(&sb->s_inode_list_lock);
		return inode;
	}
	spin_unlock(&sb->s_inode_list_lock);
	return NULL;
}

/*
 * Whether the machine can map a PMD-size folio with one entry: the THP code is built
 * and the CPU has large pages (has_transparent_hugepage(), a macro on some
 * architectures). tmpfs refuses huge= other than never without it.
 */
static inline bool rshmem_thp_supported(void)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	return HPAGE_PMD_ORDER <= MAX_PAGECACHE_ORDER && has_transparent_hugepage();
#else
	return false;
#endif
}

/*
 * WARN_ON_ONCE() is a macro: this is the one function that expands it, and
 * bindgen's wrapper makes it callable from Rust (src/warn.rs).
 */
static inline bool rshmem_warn_on_once(bool cond)
{
	return WARN_ON_ONCE(cond);
}

/*
 * The lock shmem_encode_fh takes around hashing an inode the first time a handle
 * names it (insert_inode_hash is not idempotent): a static spinlock, defined once,
 * in the wrapper bindgen compiles (src/kernel/fs/export.rs).
 */
static inline spinlock_t *rshmem_export_hash_lock(void)
{
	static DEFINE_SPINLOCK(lock);

	return &lock;
}

/*
 * The entry of a directory's offset map at @index, or else the nearest one below
 * it down to @min, or NULL (src/kernel/fs/dir_offsets.rs). The walk needs a
 * maple state, which only the MA_STATE() macro sets up, and the RCU read lock,
 * which orders it against nothing here (the map's writers are excluded by the
 * directory's i_rwsem) but is what the maple tree's lockdep checks ask of a
 * reader that does not hold the tree's own lock.
 */
static inline void *rshmem_mt_find_rev(struct maple_tree *mt, unsigned long index,
				       unsigned long min)
{
	MA_STATE(mas, mt, index, index);
	void *entry;

	rcu_read_lock();
	entry = mas_find_rev(&mas, min);
	rcu_read_unlock();
	return entry;
}

/*
 * Takes a child dentry's d_lock under its parent's, as the dcache's own walks do:
 * spin_lock_nested() is a macro.
 */
static inline void rshmem_dentry_lock_nested(struct dentry *dentry)
{
	spin_lock_nested(&dentry->d_lock, DENTRY_D_LOCK_NESTED);
}
