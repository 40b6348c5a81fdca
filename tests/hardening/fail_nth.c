// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation-failure injection (issue 10). Each operation that allocates
 * memory (create, mkdir, write, each fallocate mode, a write and a read fault
 * through a shared mapping, truncate, rename (with RENAME_WHITEOUT too), link,
 * symlink, mknod, O_TMPFILE, mount and remount) runs on an rshmem instance and on a tmpfs instance with
 * its 1st, 2nd, 3rd, ... fault-injection point made to fail, through the
 * per-task /proc/thread-self/fail-nth, until it gets through without reaching
 * the injected failure. Every attempt must either succeed or fail cleanly,
 * with ENOMEM or ENOSPC, and leave the instance as a model of it says: a
 * failed call changes nothing (names, contents, st_size, st_blocks, link
 * counts, statfs's free blocks and inodes, the directory's size), a successful
 * one exactly what it should. A write may stop short at the failing page (it
 * then wrote what it says), and a fault that fails for memory is retried by
 * the mm (VM_FAULT_OOM): it must not die of SIGBUS. Some injected failures
 * are absorbed by the kernel (kmemleak's own metadata, an xarray node first
 * tried without sleeping): the call succeeds, and must still be consistent.
 * An error path that leaks a charge, leaves a page or a name behind, or loses
 * data shows here. After all calls, the rshmem inode cache and Unevictable
 * (rshmem's folios) are back to where they were before the test: no error
 * path leaks an inode or a page.
 *
 * By default failslab and fail_page_alloc ignore allocations that may sleep,
 * and fail_page_alloc those from highmem and those of order 0: nearly every
 * allocation of these calls. The test lifts those exemptions in debugfs for
 * its run (quietly: verbose=0) and puts the old values back at the end; it
 * skips when fail-nth or those files are missing. It prints, for each call,
 * the largest n that failed on each filesystem.
 *
 * RSHMEM_FAIL_NTH_CAP (default 200, at most 250) bounds n: a call that still
 * fails at the cap is a failure, not a hang. RSHMEM_FAIL_NTH_TRACE=1 writes
 * each attempt to the kernel log, to tell which one a splat follows (each
 * call's start and end are always written there); RSHMEM_FAIL_NTH_VERBOSE=2
 * has each injected failure dump its stack there (those of allocations with
 * __GFP_NOWARN excepted).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/falloc.h>

#include "kselftest_harness.h"

#include "../lib/lsm.h"
#include "../lib/page.h"

/* The instances: 16 MiB (4096 pages) and 500 inodes. */
#define OPTS "size=16m,nr_inodes=500"
#define OPTS_BLOCKS 4096
#define OPTS_INODES 500
/* tmpfs's size of a directory entry, which rshmem copies. */
#define BOGO_DIRENT 20

#define MAX_PAGES 16
#define MAX_INODES 8
#define MAX_NAMES 8

#define NTH "/proc/thread-self/fail-nth"

enum { FS_RSHMEM, FS_TMPFS, NR_FS };
static const char *const fs_names[NR_FS] = { "rshmem", "tmpfs" };

/* The model of an instance: its inodes and the names in its root. */
struct minode {
	bool used;
	mode_t type;			/* S_IFREG, S_IFDIR, S_IFLNK, S_IFIFO or S_IFCHR */
	off_t size;			/* Regular files. */
	bool alloc[MAX_PAGES];		/* Pages that have a folio. */
	unsigned char data[MAX_PAGES * PAGE];
	char target[64];		/* Symbolic links. */
	bool open;			/* Held by e->fd with no name (O_TMPFILE). */
};

struct mname {
	char name[16];
	int ino;			/* -1: no name */
};

struct model {
	struct minode ino[MAX_INODES];
	struct mname names[MAX_NAMES];
	long blocks;			/* f_blocks, which remount changes */
};

struct env {
	struct __test_metadata *md;
	const struct call *call;
	int fs;
	const char *type;
	const char *dir;		/* The instance. */
	const char *dir2;		/* Where the mount call mounts. */
	int dirfd;
	int nth;			/* /proc/thread-self/fail-nth */
	unsigned int n;			/* This attempt fails the nth point. */
	long left;			/* fail-nth read back after the call */
	bool sigbus;			/* The faulting child died of SIGBUS. */
	int fd;				/* The call's file, or -1. */
	char *map;
	bool mounted2;
	/* The empty instance, after the fixture's mount. */
	long base_used_blocks, base_used_inodes;
	off_t base_dirsize;
	struct model m;
};

struct call {
	const char *name;
	/* tmpfs has no such call: it fails with this errno (0: it has). */
	int tmpfs_errno;
	/* Arms fail-nth itself, in a child (e->left set by the call). */
	bool own_arming;
	/* Builds the state before the call, in the instance and the model. */
	void (*setup)(struct env *e);
	/* The call: >= 0 on success, -1 with errno on failure. */
	ssize_t (*call)(struct env *e);
	/* A successful call (its result r) as the model sees it. */
	void (*done)(struct env *e, ssize_t r);
	/* Checks beyond the model, after success or failure; false if wrong. */
	bool (*extra)(struct env *e, bool succeeded);
};

/* What each test found, for the summary: shared by the harness's processes. */
struct result {
	bool ran, unsupported, complete;
	int maxfail;		/* Largest n whose call failed. */
	int failed;		/* Attempts that failed (cleanly). */
	int absorbed;		/* Injected, and the call still succeeded. */
	int shorts;		/* Short writes. */
	int points;		/* Points the call passed when nothing failed. */
	int attempts;
};

static struct result (*results)[NR_FS];
static unsigned int cap = 200;
static bool trace;
static struct timespec t_start;

/* The baseline of memory, taken before anything is mounted. */
static long base_inode_objs, base_unevictable_kib;

static unsigned char wbuf[4 * PAGE];
static unsigned char rbuf[MAX_PAGES * PAGE + PAGE];

static void kmsg(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int fd, len;

	/* Opened each time: a writer's messages are rate-limited per open. */
	fd = open("/dev/kmsg", O_WRONLY);
	if (fd < 0)
		return;
	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (write(fd, buf, len) < 0) {
		/* Nothing to do: the marker is only a help. */
	}
	close(fd);
}

/* A mismatch between the instance and the model: logged, and the test fails. */
static void __printf(2, 3) bad(struct env *e, const char *fmt, ...)
{
	struct __test_metadata *_metadata = e->md;
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	TH_LOG("%s on %s, n=%u: %s", e->call->name, e->type, e->n, buf);
	_metadata->exit_code = KSFT_FAIL;
}

/* A byte of the pattern of `seed` at file offset `off`: never zero. */
static unsigned char pattern(int seed, off_t off)
{
	return 'A' + (off + off / PAGE + seed * 7) % 26;
}

static void fill(unsigned char *buf, size_t len, int seed, off_t off)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pattern(seed, off + i);
}

/* The model. */

static int m_new(struct env *e, mode_t type)
{
	for (int i = 0; i < MAX_INODES; i++) {
		if (!e->m.ino[i].used) {
			memset(&e->m.ino[i], 0, sizeof(e->m.ino[i]));
			e->m.ino[i].used = true;
			e->m.ino[i].type = type;
			return i;
		}
	}
	abort();
}

static int m_lookup(struct env *e, const char *name)
{
	for (int i = 0; i < MAX_NAMES; i++)
		if (e->m.names[i].ino >= 0 && !strcmp(e->m.names[i].name, name))
			return i;
	return -1;
}

static int m_links(struct env *e, int ino)
{
	int n = 0;

	for (int i = 0; i < MAX_NAMES; i++)
		n += e->m.names[i].ino == ino;
	return n;
}

/* An inode with no name and not held open is gone. */
static void m_collect(struct env *e)
{
	for (int i = 0; i < MAX_INODES; i++)
		if (e->m.ino[i].used && !e->m.ino[i].open && !m_links(e, i))
			e->m.ino[i].used = false;
}

/* The inode of a name the model has. */
static int ino_of(struct env *e, const char *name)
{
	return e->m.names[m_lookup(e, name)].ino;
}

static void m_name(struct env *e, const char *name, int ino)
{
	for (int i = 0; i < MAX_NAMES; i++) {
		if (e->m.names[i].ino < 0) {
			snprintf(e->m.names[i].name, sizeof(e->m.names[i].name), "%s", name);
			e->m.names[i].ino = ino;
			return;
		}
	}
	abort();
}

static void m_unname(struct env *e, const char *name)
{
	int i = m_lookup(e, name);

	if (i >= 0)
		e->m.names[i].ino = -1;
	m_collect(e);
}

static void m_write(struct env *e, int ino, off_t off, const unsigned char *buf, size_t len)
{
	struct minode *in = &e->m.ino[ino];

	memcpy(in->data + off, buf, len);
	for (off_t p = off / PAGE; len && p <= (off_t)(off + len - 1) / PAGE; p++)
		in->alloc[p] = true;
	if (off + (off_t)len > in->size)
		in->size = off + len;
}

static void m_allocate(struct env *e, int ino, off_t off, off_t len, bool keep_size)
{
	struct minode *in = &e->m.ino[ino];

	for (off_t p = off / PAGE; p <= (off + len - 1) / PAGE; p++)
		in->alloc[p] = true;
	if (!keep_size && off + len > in->size)
		in->size = off + len;
}

static void m_zero(struct env *e, int ino, off_t off, off_t len)
{
	memset(e->m.ino[ino].data + off, 0, len);
}

static void m_punch(struct env *e, int ino, off_t off, off_t len)
{
	struct minode *in = &e->m.ino[ino];

	m_zero(e, ino, off, len);
	for (off_t p = (off + PAGE - 1) / PAGE; (p + 1) * PAGE <= off + len; p++)
		in->alloc[p] = false;
}

static void m_truncate(struct env *e, int ino, off_t size)
{
	struct minode *in = &e->m.ino[ino];

	if (size < in->size) {
		memset(in->data + size, 0, sizeof(in->data) - size);
		/* Pages wholly beyond the new end go, preallocated ones too. */
		for (off_t p = (size + PAGE - 1) / PAGE; p < MAX_PAGES; p++)
			in->alloc[p] = false;
	}
	in->size = size;
}

/*
 * The model's usage: pages, and bytes of nr_inodes='s space charged (1024 per
 * inode and per extra link, and the LSM's label of each inode).
 */
static void m_usage(struct env *e, long *pages, long *inodes, int *names, int *dirs)
{
	long label = lsm_label_space();

	*pages = *inodes = *names = *dirs = 0;
	for (int i = 0; i < MAX_INODES; i++) {
		struct minode *in = &e->m.ino[i];
		int links = m_links(e, i);

		if (!in->used)
			continue;
		*inodes += 1024 + label +
			   (in->type != S_IFDIR && links > 1 ? links - 1 : 0) * 1024;
		for (int p = 0; p < MAX_PAGES; p++)
			*pages += in->alloc[p];
		if (in->type == S_IFDIR)
			*dirs += links;
	}
	for (int i = 0; i < MAX_NAMES; i++)
		*names += e->m.names[i].ino >= 0;
}

/* Compares a regular file, open at fd, with inode `ino` of the model. */
static bool check_regular(struct env *e, const char *what, int fd, int ino, int links)
{
	struct minode *in = &e->m.ino[ino];
	long pages = 0;
	struct stat st;
	ssize_t got;

	for (int p = 0; p < MAX_PAGES; p++)
		pages += in->alloc[p];
	if (fstat(fd, &st)) {
		bad(e, "fstat %s: %s", what, strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode) || st.st_size != in->size ||
	    st.st_blocks != pages * (PAGE / 512) || st.st_nlink != (nlink_t)links) {
		bad(e, "%s: mode %o, size %lld, %lld blocks, %lu links; the model says a file of %lld bytes, %ld blocks, %d links",
		    what, st.st_mode, (long long)st.st_size, (long long)st.st_blocks,
		    (unsigned long)st.st_nlink, (long long)in->size, pages * (PAGE / 512), links);
		return false;
	}
	got = pread(fd, rbuf, sizeof(rbuf), 0);
	if (got != in->size) {
		bad(e, "%s: read %zd bytes of %lld (%s)", what, got, (long long)in->size,
		    got < 0 ? strerror(errno) : "short");
		return false;
	}
	for (off_t i = 0; i < in->size; i++) {
		if (rbuf[i] != in->data[i]) {
			bad(e, "%s: byte %lld is 0x%02x, the model says 0x%02x", what,
			    (long long)i, rbuf[i], in->data[i]);
			return false;
		}
	}
	return true;
}

/*
 * Compares the instance with the model: the names in the root and nothing else,
 * each inode's type, size, blocks, links and contents, statfs, and the root's
 * size and link count.
 */
static bool check(struct env *e)
{
	long pages, inodes;
	int names, dirs, seen = 0;
	struct dirent *de;
	struct statfs sfs;
	struct stat st;
	bool ok = true;
	DIR *d;

	m_usage(e, &pages, &inodes, &names, &dirs);
	d = opendir(e->dir);
	if (!d) {
		bad(e, "opendir: %s", strerror(errno));
		return false;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		seen++;
		if (m_lookup(e, de->d_name) < 0) {
			bad(e, "there is a name \"%s\" the model does not have", de->d_name);
			ok = false;
		}
	}
	closedir(d);
	if (seen != names) {
		bad(e, "%d names in the directory, the model has %d", seen, names);
		ok = false;
	}
	for (int i = 0; i < MAX_NAMES; i++) {
		struct mname *nm = &e->m.names[i];
		struct minode *in;
		char target[128];
		ssize_t len;
		int fd;

		if (nm->ino < 0)
			continue;
		in = &e->m.ino[nm->ino];
		if (fstatat(e->dirfd, nm->name, &st, AT_SYMLINK_NOFOLLOW)) {
			bad(e, "\"%s\" should exist: %s", nm->name, strerror(errno));
			ok = false;
			continue;
		}
		if ((st.st_mode & S_IFMT) != in->type) {
			bad(e, "\"%s\" has mode %o, the model says type %o", nm->name,
			    st.st_mode, in->type);
			ok = false;
			continue;
		}
		switch (in->type) {
		case S_IFREG:
			fd = openat(e->dirfd, nm->name, O_RDONLY);
			if (fd < 0) {
				bad(e, "open \"%s\": %s", nm->name, strerror(errno));
				ok = false;
				break;
			}
			ok &= check_regular(e, nm->name, fd, nm->ino, m_links(e, nm->ino));
			close(fd);
			break;
		case S_IFDIR:
			if (st.st_nlink != 2 || st.st_size != 2 * BOGO_DIRENT) {
				bad(e, "directory \"%s\": %lu links, size %lld; the model says 2 and %d",
				    nm->name, (unsigned long)st.st_nlink, (long long)st.st_size,
				    2 * BOGO_DIRENT);
				ok = false;
			}
			break;
		case S_IFLNK:
			len = readlinkat(e->dirfd, nm->name, target, sizeof(target));
			if (len != (ssize_t)strlen(in->target) || memcmp(target, in->target, len) ||
			    st.st_size != len || st.st_blocks != 0) {
				bad(e, "symlink \"%s\": readlink gives %zd bytes, size %lld, %lld blocks; the model says \"%s\"",
				    nm->name, len, (long long)st.st_size,
				    (long long)st.st_blocks, in->target);
				ok = false;
			}
			break;
		case S_IFIFO:
			if (st.st_size != 0 || st.st_nlink != 1) {
				bad(e, "fifo \"%s\": size %lld, %lu links", nm->name,
				    (long long)st.st_size, (unsigned long)st.st_nlink);
				ok = false;
			}
			break;
		case S_IFCHR:
			/* A whiteout. */
			if (st.st_rdev != 0 || (st.st_mode & 07777) || st.st_nlink != 1) {
				bad(e, "whiteout \"%s\": device %#lx, mode %o, %lu links", nm->name,
				    (unsigned long)st.st_rdev, st.st_mode,
				    (unsigned long)st.st_nlink);
				ok = false;
			}
			break;
		}
	}
	/* The unnamed file held open (O_TMPFILE). */
	for (int i = 0; i < MAX_INODES; i++)
		if (e->m.ino[i].used && e->m.ino[i].open && !m_links(e, i))
			ok &= check_regular(e, "the O_TMPFILE file", e->fd, i, 0);
	if (statfs(e->dir, &sfs)) {
		bad(e, "statfs: %s", strerror(errno));
		return false;
	}
	if ((long)sfs.f_blocks != e->m.blocks ||
	    (long)sfs.f_bfree != e->m.blocks - e->base_used_blocks - pages ||
	    (long)sfs.f_files != OPTS_INODES ||
	    (long)sfs.f_ffree != ((OPTS_INODES - e->base_used_inodes) * 1024 - inodes) / 1024) {
		bad(e, "statfs: %ld of %ld blocks and %ld of %ld inodes free; the model says %ld of %ld and %ld of %d",
		    (long)sfs.f_bfree, (long)sfs.f_blocks, (long)sfs.f_ffree,
		    (long)sfs.f_files, e->m.blocks - e->base_used_blocks - pages, e->m.blocks,
		    ((OPTS_INODES - e->base_used_inodes) * 1024 - inodes) / 1024, OPTS_INODES);
		ok = false;
	}
	if (fstat(e->dirfd, &st)) {
		bad(e, "fstat of the root: %s", strerror(errno));
		return false;
	}
	if (st.st_size != e->base_dirsize + names * BOGO_DIRENT ||
	    st.st_nlink != (nlink_t)(2 + dirs)) {
		bad(e, "the root: size %lld, %lu links; the model says %lld and %d",
		    (long long)st.st_size, (unsigned long)st.st_nlink,
		    (long long)(e->base_dirsize + names * BOGO_DIRENT), 2 + dirs);
		ok = false;
	}
	return ok;
}

/*
 * Empties the instance between attempts: whatever the last attempt left is
 * closed, unmapped, unmounted and removed; then the instance must be as it was
 * when mounted (a failed call that leaked a charge shows here).
 */
static bool reset(struct env *e)
{
	struct dirent *de;
	struct statfs sfs;
	bool ok = true;
	DIR *d;

	if (e->map) {
		munmap(e->map, 2 * PAGE);
		e->map = NULL;
	}
	if (e->fd >= 0) {
		close(e->fd);
		e->fd = -1;
	}
	if (e->mounted2) {
		if (umount2(e->dir2, 0)) {
			bad(e, "umount of the new instance: %s", strerror(errno));
			ok = false;
			umount2(e->dir2, MNT_DETACH);
		}
		e->mounted2 = false;
	}
	d = opendir(e->dir);
	if (!d) {
		bad(e, "opendir: %s", strerror(errno));
		return false;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(e->dirfd, de->d_name, de->d_type == DT_DIR ? AT_REMOVEDIR : 0)) {
			bad(e, "removing \"%s\": %s", de->d_name, strerror(errno));
			ok = false;
		}
	}
	closedir(d);
	for (int i = 0; i < MAX_INODES; i++)
		e->m.ino[i].used = false;
	for (int i = 0; i < MAX_NAMES; i++)
		e->m.names[i].ino = -1;
	if (statfs(e->dir, &sfs)) {
		bad(e, "statfs: %s", strerror(errno));
		return false;
	}
	if ((long)(sfs.f_blocks - sfs.f_bfree) != e->base_used_blocks ||
	    (long)(sfs.f_files - sfs.f_ffree) != e->base_used_inodes) {
		bad(e, "with everything removed, %ld blocks and %ld inodes are in use; %ld and %ld were when it was mounted (after attempt n=%u)",
		    (long)(sfs.f_blocks - sfs.f_bfree), (long)(sfs.f_files - sfs.f_ffree),
		    e->base_used_blocks, e->base_used_inodes, e->n);
		ok = false;
	}
	return ok;
}

/* Setup helpers: they change the instance and the model alike, or abort the test. */

static void setup_failed(struct env *e, const char *what)
{
	struct __test_metadata *_metadata = e->md;

	ASSERT_TRUE(false) {
		TH_LOG("%s on %s, n=%u: setup: %s: %s", e->call->name, e->type, e->n, what,
		       strerror(errno));
	}
}

/* Creates regular file `name`, open at e->fd; returns its model inode. */
static int new_file(struct env *e, const char *name)
{
	int ino;

	if (e->fd >= 0)
		close(e->fd);
	e->fd = openat(e->dirfd, name, O_CREAT | O_EXCL | O_RDWR, 0644);
	if (e->fd < 0)
		setup_failed(e, name);
	ino = m_new(e, S_IFREG);
	m_name(e, name, ino);
	return ino;
}

/* Writes the pattern `seed` at [off, off + len) of e->fd, model inode `ino`. */
static void put(struct env *e, int ino, off_t off, size_t len, int seed)
{
	static unsigned char buf[MAX_PAGES * PAGE];

	fill(buf, len, seed, off);
	if (pwrite(e->fd, buf, len, off) != (ssize_t)len)
		setup_failed(e, "pwrite");
	m_write(e, ino, off, buf, len);
}

static void close_fd(struct env *e)
{
	close(e->fd);
	e->fd = -1;
}

/* The calls. */

static void setup_nothing(struct env *e)
{
}

static ssize_t call_create(struct env *e)
{
	return openat(e->dirfd, "new", O_CREAT | O_EXCL | O_RDWR, 0644);
}

static void done_create(struct env *e, ssize_t r)
{
	e->fd = r;
	m_name(e, "new", m_new(e, S_IFREG));
}

static ssize_t call_mkdir(struct env *e)
{
	return mkdirat(e->dirfd, "d", 0755);
}

static void done_mkdir(struct env *e, ssize_t r)
{
	m_name(e, "d", m_new(e, S_IFDIR));
}

/* Pages 0 and 3 written, 1 and 2 holes; then a whole page into page 1. */
static void setup_write_hole(struct env *e)
{
	int ino = new_file(e, "f");

	put(e, ino, 0, PAGE, 1);
	put(e, ino, 3 * PAGE, PAGE, 2);
	fill(wbuf, PAGE, 3, PAGE);
}

static ssize_t call_write_hole(struct env *e)
{
	return pwrite(e->fd, wbuf, PAGE, PAGE);
}

static void done_write_hole(struct env *e, ssize_t r)
{
	m_write(e, ino_of(e, "f"), PAGE, wbuf, r);
}

/*
 * A file of a page and 100 bytes; then three pages from its end: one more page
 * partly, two whole and one partly. A short write is a success of its length.
 */
static void setup_write_extend(struct env *e)
{
	int ino = new_file(e, "f");

	put(e, ino, 0, PAGE + 100, 1);
	fill(wbuf, 3 * PAGE, 3, PAGE + 100);
}

static ssize_t call_write_extend(struct env *e)
{
	return pwrite(e->fd, wbuf, 3 * PAGE, PAGE + 100);
}

static void done_write_extend(struct env *e, ssize_t r)
{
	m_write(e, ino_of(e, "f"), PAGE + 100, wbuf, r);
}

/* One page written, for the allocating fallocate modes. */
static void setup_one_page(struct env *e)
{
	put(e, new_file(e, "f"), 0, PAGE, 1);
}

static ssize_t call_fallocate_alloc(struct env *e)
{
	return fallocate(e->fd, 0, 0, 4 * PAGE);
}

static void done_fallocate_alloc(struct env *e, ssize_t r)
{
	m_allocate(e, ino_of(e, "f"), 0, 4 * PAGE, false);
}

static ssize_t call_fallocate_keep_size(struct env *e)
{
	return fallocate(e->fd, FALLOC_FL_KEEP_SIZE, 2 * PAGE, 3 * PAGE);
}

static void done_fallocate_keep_size(struct env *e, ssize_t r)
{
	m_allocate(e, ino_of(e, "f"), 2 * PAGE, 3 * PAGE, true);
}

static void setup_four_pages(struct env *e)
{
	put(e, new_file(e, "f"), 0, 4 * PAGE, 1);
}

/* From the middle of page 1 to the middle of page 3: page 2 goes. */
static ssize_t call_fallocate_punch_hole(struct env *e)
{
	return fallocate(e->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PAGE + 100, 2 * PAGE);
}

static void done_fallocate_punch_hole(struct env *e, ssize_t r)
{
	m_punch(e, ino_of(e, "f"), PAGE + 100, 2 * PAGE);
}

/*
 * Pages 0, 1 and 3 written, 2 a hole; zeroes from page 1 to two pages past the
 * end: the hole and the new pages are allocated, the size grows.
 */
static void setup_zero_range(struct env *e)
{
	int ino = new_file(e, "f");

	put(e, ino, 0, 2 * PAGE, 1);
	put(e, ino, 3 * PAGE, PAGE, 2);
}

static ssize_t call_fallocate_zero_range(struct env *e)
{
	return fallocate(e->fd, FALLOC_FL_ZERO_RANGE, PAGE + 100, 4 * PAGE);
}

static void done_fallocate_zero_range(struct env *e, ssize_t r)
{
	m_allocate(e, ino_of(e, "f"), PAGE + 100, 4 * PAGE, false);
	m_zero(e, ino_of(e, "f"), PAGE + 100, 4 * PAGE);
}

/* Two pages, the first written, the second a hole, mapped shared. */
static void setup_mapped(struct env *e)
{
	int ino = new_file(e, "f");

	put(e, ino, 0, PAGE, 1);
	if (ftruncate(e->fd, 2 * PAGE))
		setup_failed(e, "ftruncate");
	m_truncate(e, ino, 2 * PAGE);
	e->map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, e->fd, 0);
	if (e->map == MAP_FAILED) {
		e->map = NULL;
		setup_failed(e, "mmap");
	}
}

#define FAULT_OFF (PAGE + 17)

/*
 * Arms fail-nth for n, reads the byte at p or stores v there, and returns
 * fail-nth read back (-1: error).
 */
static long __attribute__((noinline)) access_armed(int nth, unsigned int n, volatile char *p,
						   bool write, char v)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);
	ssize_t got;

	if (pwrite(nth, buf, len, 0) != len)
		return -1;
	if (write)
		*p = v;
	else
		v = *p;
	got = pread(nth, buf, sizeof(buf) - 1, 0);
	if (pwrite(nth, "0", 1, 0) != 1 || got <= 0 || v != *p)
		return -1;
	buf[got] = 0;
	return strtol(buf, NULL, 10);
}

/*
 * The fault runs in a child, which arms its own fail-nth: a fault that fails
 * with VM_FAULT_OOM is retried by the mm (the access then completes, and
 * fail-nth reads 0), one that fails with VM_FAULT_SIGBUS kills the child.
 */
static ssize_t fault_in_child(struct env *e, bool write)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int nth = open(NTH, O_RDWR);
		long left;

		/*
		 * First the same path with nothing armed, on page 0 (there already;
		 * a store writes back the byte it holds): the child's copy-on-write
		 * stack, its text and the page table are in place before anything is
		 * counted.
		 */
		if (nth < 0 || access_armed(nth, 0, e->map, write, e->map[0]) < 0)
			_exit(255);
		left = access_armed(nth, e->n, e->map + FAULT_OFF, write, 'M');
		_exit(left < 0 || left > 250 ? 255 : left);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS) {
		e->sigbus = true;
		e->left = 0;
		errno = 0;
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 255) {
		bad(e, "the faulting child ended with status 0x%x", status);
		e->left = -1;
		errno = 0;
		return -1;
	}
	e->left = WEXITSTATUS(status);
	return 0;
}

static ssize_t call_mmap_write_fault(struct env *e)
{
	return fault_in_child(e, true);
}

static void done_mmap_write_fault(struct env *e, ssize_t r)
{
	unsigned char m = 'M';

	m_write(e, ino_of(e, "f"), FAULT_OFF, &m, 1);
}

/* A read fault on a hole adds a page of zeros, on tmpfs as on rshmem. */
static ssize_t call_mmap_read_fault(struct env *e)
{
	return fault_in_child(e, false);
}

static void done_mmap_read_fault(struct env *e, ssize_t r)
{
	m_allocate(e, ino_of(e, "f"), FAULT_OFF, 1, true);
}

static ssize_t call_truncate_down(struct env *e)
{
	return ftruncate(e->fd, PAGE + 100);
}

static void done_truncate_down(struct env *e, ssize_t r)
{
	m_truncate(e, ino_of(e, "f"), PAGE + 100);
}

static ssize_t call_truncate_up(struct env *e)
{
	return ftruncate(e->fd, 8 * PAGE + 5);
}

static void done_truncate_up(struct env *e, ssize_t r)
{
	m_truncate(e, ino_of(e, "f"), 8 * PAGE + 5);
}

/* Files "a" (one page) and "b" (two pages), closed. */
static void setup_two_files(struct env *e)
{
	put(e, new_file(e, "a"), 0, PAGE, 1);
	put(e, new_file(e, "b"), 0, 2 * PAGE, 2);
	close_fd(e);
}

static ssize_t call_rename_over(struct env *e)
{
	return renameat(e->dirfd, "a", e->dirfd, "b");
}

static void done_rename_over(struct env *e, ssize_t r)
{
	int a = m_lookup(e, "a");

	m_unname(e, "b");
	strcpy(e->m.names[a].name, "b");
}

static ssize_t call_rename_exchange(struct env *e)
{
	return renameat2(e->dirfd, "a", e->dirfd, "b", RENAME_EXCHANGE);
}

static void done_rename_exchange(struct env *e, ssize_t r)
{
	int a = m_lookup(e, "a"), b = m_lookup(e, "b");
	int t = e->m.names[a].ino;

	e->m.names[a].ino = e->m.names[b].ino;
	e->m.names[b].ino = t;
}

static ssize_t call_rename_whiteout(struct env *e)
{
	return renameat2(e->dirfd, "a", e->dirfd, "b", RENAME_WHITEOUT);
}

/* As rename_over, and a whiteout (a character device) takes the name "a". */
static void done_rename_whiteout(struct env *e, ssize_t r)
{
	done_rename_over(e, r);
	m_name(e, "a", m_new(e, S_IFCHR));
}

static void setup_one_file(struct env *e)
{
	put(e, new_file(e, "a"), 0, PAGE, 1);
	close_fd(e);
}

static ssize_t call_link(struct env *e)
{
	return linkat(e->dirfd, "a", e->dirfd, "l", 0);
}

static void done_link(struct env *e, ssize_t r)
{
	m_name(e, "l", ino_of(e, "a"));
}

#define TARGET "some/where/else"

static ssize_t call_symlink(struct env *e)
{
	return symlinkat(TARGET, e->dirfd, "s");
}

static void done_symlink(struct env *e, ssize_t r)
{
	int ino = m_new(e, S_IFLNK);

	strcpy(e->m.ino[ino].target, TARGET);
	m_name(e, "s", ino);
}

static ssize_t call_mknod_fifo(struct env *e)
{
	return mknodat(e->dirfd, "p", S_IFIFO | 0600, 0);
}

static void done_mknod_fifo(struct env *e, ssize_t r)
{
	m_name(e, "p", m_new(e, S_IFIFO));
}

static ssize_t call_tmpfile(struct env *e)
{
	return openat(e->dirfd, ".", O_TMPFILE | O_RDWR, 0600);
}

static void done_tmpfile(struct env *e, ssize_t r)
{
	e->fd = r;
	e->m.ino[m_new(e, S_IFREG)].open = true;
}

/* An O_TMPFILE file with a page written, open at e->fd. */
static void setup_tmpfile(struct env *e)
{
	int ino;

	e->fd = openat(e->dirfd, ".", O_TMPFILE | O_RDWR, 0600);
	if (e->fd < 0)
		setup_failed(e, "O_TMPFILE");
	ino = m_new(e, S_IFREG);
	e->m.ino[ino].open = true;
	put(e, ino, 0, PAGE, 1);
}

static ssize_t call_tmpfile_linkat(struct env *e)
{
	return linkat(e->fd, "", e->dirfd, "t", AT_EMPTY_PATH);
}

static void done_tmpfile_linkat(struct env *e, ssize_t r)
{
	for (int i = 0; i < MAX_INODES; i++)
		if (e->m.ino[i].used && e->m.ino[i].open)
			m_name(e, "t", i);
}

static ssize_t call_mount(struct env *e)
{
	return mount("none", e->dir2, e->type, 0, OPTS);
}

static void done_mount(struct env *e, ssize_t r)
{
	e->mounted2 = true;
}

/* The new instance is mounted with its limits, or nothing is mounted. */
static bool extra_mount(struct env *e, bool succeeded)
{
	struct statfs sfs, main_sfs;
	struct stat st, tmp;

	if (statfs(e->dir2, &sfs) || statfs(e->dir, &main_sfs) || stat(e->dir2, &st) ||
	    stat("/tmp", &tmp)) {
		bad(e, "stat or statfs: %s", strerror(errno));
		return false;
	}
	if (succeeded && (sfs.f_type != main_sfs.f_type || st.st_dev == tmp.st_dev ||
			  sfs.f_blocks != OPTS_BLOCKS || sfs.f_files != OPTS_INODES ||
			  sfs.f_bfree != OPTS_BLOCKS)) {
		bad(e, "the new instance: type 0x%lx, %ld of %ld blocks and %ld inodes free",
		    (long)sfs.f_type, (long)sfs.f_bfree, (long)sfs.f_blocks, (long)sfs.f_files);
		return false;
	}
	if (!succeeded && st.st_dev != tmp.st_dev) {
		bad(e, "the mount failed, yet something is mounted at %s", e->dir2);
		return false;
	}
	return true;
}

/* A file in the instance, and the instance back at size=16m. */
static void setup_remount(struct env *e)
{
	setup_one_file(e);
	if (mount("none", e->dir, e->type, MS_REMOUNT, "size=16m"))
		setup_failed(e, "remount size=16m");
	e->m.blocks = OPTS_BLOCKS;
}

static ssize_t call_remount(struct env *e)
{
	return mount("none", e->dir, e->type, MS_REMOUNT, "size=32m");
}

static void done_remount(struct env *e, ssize_t r)
{
	e->m.blocks = 2 * OPTS_BLOCKS;
}

enum {
	C_CREATE, C_MKDIR, C_WRITE_HOLE, C_WRITE_EXTEND, C_FALLOC_ALLOC, C_FALLOC_KEEP,
	C_FALLOC_PUNCH, C_FALLOC_ZERO, C_FAULT, C_READ_FAULT, C_TRUNC_DOWN, C_TRUNC_UP,
	C_RENAME_OVER, C_RENAME_EXCHANGE, C_RENAME_WHITEOUT, C_LINK, C_SYMLINK, C_MKNOD, C_TMPFILE, C_TMPFILE_LINKAT,
	C_MOUNT, C_REMOUNT, NR_CALLS
};

static const struct call calls[NR_CALLS] = {
	[C_CREATE] = { "create", 0, false, setup_nothing, call_create, done_create },
	[C_MKDIR] = { "mkdir", 0, false, setup_nothing, call_mkdir, done_mkdir },
	[C_WRITE_HOLE] = { "write_hole", 0, false, setup_write_hole, call_write_hole,
			   done_write_hole },
	[C_WRITE_EXTEND] = { "write_extend", 0, false, setup_write_extend,
			     call_write_extend, done_write_extend },
	[C_FALLOC_ALLOC] = { "fallocate_alloc", 0, false, setup_one_page,
			     call_fallocate_alloc, done_fallocate_alloc },
	[C_FALLOC_KEEP] = { "fallocate_keep_size", 0, false, setup_one_page,
			    call_fallocate_keep_size, done_fallocate_keep_size },
	[C_FALLOC_PUNCH] = { "fallocate_punch_hole", 0, false, setup_four_pages,
			     call_fallocate_punch_hole, done_fallocate_punch_hole },
	[C_FALLOC_ZERO] = { "fallocate_zero_range", EOPNOTSUPP, false, setup_zero_range,
			    call_fallocate_zero_range, done_fallocate_zero_range },
	[C_FAULT] = { "mmap_write_fault", 0, true, setup_mapped,
		      call_mmap_write_fault, done_mmap_write_fault },
	[C_READ_FAULT] = { "mmap_read_fault", 0, true, setup_mapped,
			   call_mmap_read_fault, done_mmap_read_fault },
	[C_TRUNC_DOWN] = { "truncate_down", 0, false, setup_four_pages, call_truncate_down,
			   done_truncate_down },
	[C_TRUNC_UP] = { "truncate_up", 0, false, setup_one_page, call_truncate_up,
			 done_truncate_up },
	[C_RENAME_OVER] = { "rename_over", 0, false, setup_two_files, call_rename_over,
			    done_rename_over },
	[C_RENAME_EXCHANGE] = { "rename_exchange", 0, false, setup_two_files,
				call_rename_exchange, done_rename_exchange },
	[C_RENAME_WHITEOUT] = { "rename_whiteout", 0, false, setup_two_files,
				call_rename_whiteout, done_rename_whiteout },
	[C_LINK] = { "link", 0, false, setup_one_file, call_link, done_link },
	[C_SYMLINK] = { "symlink", 0, false, setup_nothing, call_symlink, done_symlink },
	[C_MKNOD] = { "mknod_fifo", 0, false, setup_nothing, call_mknod_fifo, done_mknod_fifo },
	[C_TMPFILE] = { "tmpfile", 0, false, setup_nothing, call_tmpfile, done_tmpfile },
	[C_TMPFILE_LINKAT] = { "tmpfile_linkat", 0, false, setup_tmpfile, call_tmpfile_linkat,
			       done_tmpfile_linkat },
	[C_MOUNT] = { "mount", 0, false, setup_nothing, call_mount, done_mount, extra_mount },
	[C_REMOUNT] = { "remount", 0, false, setup_remount, call_remount, done_remount },
};

static int arm(int nth, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(nth, buf, len, 0) == len ? 0 : -1;
}

/* Reads fail-nth back (0: the failure was injected) and disarms it. */
static long disarm(int nth)
{
	char buf[16];
	ssize_t got = pread(nth, buf, sizeof(buf) - 1, 0);

	if (pwrite(nth, "0", 1, 0) != 1 || got <= 0)
		return -1;
	buf[got] = 0;
	return strtol(buf, NULL, 10);
}

FIXTURE(inj) {
	char dir[128];
	char dir2[136];
	int dirfd;
};

FIXTURE_VARIANT(inj) {
	int fs;
};

FIXTURE_VARIANT_ADD(inj, rshmem) { .fs = FS_RSHMEM };
FIXTURE_VARIANT_ADD(inj, tmpfs) { .fs = FS_TMPFS };

FIXTURE_SETUP(inj)
{
	const char *type = fs_names[variant->fs];

	snprintf(self->dir, sizeof(self->dir), "/tmp/fail_nth.%s.%d", type, getpid());
	snprintf(self->dir2, sizeof(self->dir2), "%s.m", self->dir);
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	ASSERT_EQ(0, mkdir(self->dir2, 0755));
	ASSERT_EQ(0, mount("none", self->dir, type, 0, OPTS)) {
		TH_LOG("mount %s: %s", type, strerror(errno));
	}
	self->dirfd = open(self->dir, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, self->dirfd);
}

FIXTURE_TEARDOWN(inj)
{
	close(self->dirfd);
	/*
	 * Plain umount: nothing of the test may still hold the instance. (Not
	 * EXPECT_EQ with a handler: after a failed ASSERT its handler runs anyway.)
	 */
	if (umount2(self->dir, 0)) {
		TH_LOG("umount %s: %s", self->dir, strerror(errno));
		_metadata->exit_code = KSFT_FAIL;
		umount2(self->dir, MNT_DETACH);
	}
	umount2(self->dir2, MNT_DETACH);
	rmdir(self->dir2);
	rmdir(self->dir);
}

static struct env env;

static void run_call(struct __test_metadata *_metadata, FIXTURE_DATA(inj) *self,
		     const FIXTURE_VARIANT(inj) *variant, int id)
{
	const struct call *c = &calls[id];
	struct result *res = &results[id][variant->fs];
	struct env *e = &env;
	struct statfs sfs;
	struct stat st;
	int enomem = 0, enospc = 0;
	bool ok = true;
	unsigned int n;

	memset(e, 0, sizeof(*e));
	e->md = _metadata;
	e->call = c;
	e->fs = variant->fs;
	e->type = fs_names[variant->fs];
	e->dir = self->dir;
	e->dir2 = self->dir2;
	e->dirfd = self->dirfd;
	e->fd = -1;
	e->m.blocks = OPTS_BLOCKS;
	for (int i = 0; i < MAX_NAMES; i++)
		e->m.names[i].ino = -1;
	e->nth = open(NTH, O_RDWR);
	ASSERT_LE(0, e->nth);
	ASSERT_EQ(0, statfs(self->dir, &sfs));
	ASSERT_EQ(OPTS_BLOCKS, sfs.f_blocks);
	ASSERT_EQ(OPTS_INODES, sfs.f_files);
	e->base_used_blocks = sfs.f_blocks - sfs.f_bfree;
	e->base_used_inodes = sfs.f_files - sfs.f_ffree;
	ASSERT_EQ(0, fstat(self->dirfd, &st));
	e->base_dirsize = st.st_size;

	memset(res, 0, sizeof(*res));
	res->ran = true;
	kmsg("fail_nth: %s on %s: start\n", c->name, e->type);
	for (n = 1; n <= cap && ok; n++) {
		ssize_t r;
		int err;

		e->n = n;
		e->sigbus = false;
		if (!reset(e))
			break;
		c->setup(e);
		if (n == 1 && !check(e)) {
			TH_LOG("%s on %s: the state before the call is not what the model says",
			       c->name, e->type);
			break;
		}
		if (trace)
			kmsg("fail_nth: %s on %s: n=%u\n", c->name, e->type, n);
		if (c->own_arming) {
			r = c->call(e);
			err = errno;
		} else {
			ASSERT_EQ(0, arm(e->nth, n));
			r = c->call(e);
			err = errno;
			e->left = disarm(e->nth);
		}
		res->attempts++;
		if (trace)
			kmsg("fail_nth: %s on %s: n=%u gives %zd (%s), fail-nth reads %ld\n",
			     c->name, e->type, n, r, r < 0 ? strerrorname_np(err) ?: "?" : "-",
			     e->left);
		ASSERT_LE(0, e->left) {
			TH_LOG("%s on %s, n=%u: reading fail-nth back failed", c->name, e->type, n);
		}
		if (e->fs == FS_TMPFS && c->tmpfs_errno) {
			/* Not a tmpfs call: it fails, having allocated nothing. */
			if (r != -1 || err != c->tmpfs_errno || e->left != n) {
				bad(e, "returned %zd (%s) with fail-nth at %ld; expected %s before any allocation",
				    r, strerrorname_np(err) ?: "?", e->left,
				    strerrorname_np(c->tmpfs_errno));
				ok = false;
			}
			ok &= check(e);
			res->unsupported = res->complete = ok;
			break;
		}
		if (r < 0 && e->sigbus) {
			bad(e, "the fault died of SIGBUS: one failing for memory must be retried (VM_FAULT_OOM), not SIGBUS");
			ok = false;
		} else if (r < 0 && e->left != 0) {
			bad(e, "failed with %s, but no failure was injected (fail-nth reads %ld)",
			    strerrorname_np(err) ?: "?", e->left);
			ok = false;
		} else if (r < 0) {
			res->failed++;
			res->maxfail = n;
			if (err == ENOMEM) {
				enomem++;
			} else if (err == ENOSPC) {
				enospc++;
			} else {
				bad(e, "failed with %s: only ENOMEM and ENOSPC are clean",
				    strerrorname_np(err) ?: "?");
				ok = false;
			}
		} else {
			c->done(e, r);
			if (e->left == 0)
				res->absorbed++;
			if ((id == C_WRITE_HOLE && r != PAGE) ||
			    (id == C_WRITE_EXTEND && r != 3 * PAGE)) {
				res->shorts++;
				if (e->left != 0) {
					bad(e, "a short write (%zd bytes) with no failure injected", r);
					ok = false;
				}
			}
		}
		ok &= check(e);
		if (c->extra)
			ok &= c->extra(e, r >= 0);
		if (r >= 0 && e->left != 0) {
			res->points = n - e->left;
			res->complete = true;
			break;
		}
	}
	if (ok && !res->complete) {
		bad(e, "still failing at the cap (%u attempts)", cap);
		ok = false;
	}
	ok &= reset(e);
	close(e->nth);
	kmsg("fail_nth: %s on %s: end\n", c->name, e->type);
	if (res->unsupported)
		ksft_print_msg("fail_nth: %s on %s: not supported (%s), as expected\n",
			       c->name, e->type, strerrorname_np(c->tmpfs_errno));
	else
		ksft_print_msg("fail_nth: %s on %s: %d attempts, %d failed (ENOMEM %d, ENOSPC %d), largest n failing %d, %d succeeded despite the injected failure, %d short writes; %d injection points in a call that does not fail\n",
			       c->name, e->type, res->attempts, res->failed, enomem, enospc,
			       res->maxfail, res->absorbed, res->shorts, res->points);
	ASSERT_TRUE(ok);
}

#define CALL_TEST(test, id)						\
	TEST_F_TIMEOUT(inj, test, 120)					\
	{								\
		run_call(_metadata, self, variant, id);			\
	}

CALL_TEST(create, C_CREATE)
CALL_TEST(mkdir, C_MKDIR)
CALL_TEST(write_hole, C_WRITE_HOLE)
CALL_TEST(write_extend, C_WRITE_EXTEND)
CALL_TEST(fallocate_alloc, C_FALLOC_ALLOC)
CALL_TEST(fallocate_keep_size, C_FALLOC_KEEP)
CALL_TEST(fallocate_punch_hole, C_FALLOC_PUNCH)
CALL_TEST(fallocate_zero_range, C_FALLOC_ZERO)
CALL_TEST(mmap_write_fault, C_FAULT)
CALL_TEST(mmap_read_fault, C_READ_FAULT)
CALL_TEST(truncate_down, C_TRUNC_DOWN)
CALL_TEST(truncate_up, C_TRUNC_UP)
CALL_TEST(rename_over, C_RENAME_OVER)
CALL_TEST(rename_exchange, C_RENAME_EXCHANGE)
CALL_TEST(rename_whiteout, C_RENAME_WHITEOUT)
CALL_TEST(link, C_LINK)
CALL_TEST(symlink, C_SYMLINK)
CALL_TEST(mknod_fifo, C_MKNOD)
CALL_TEST(tmpfile, C_TMPFILE)
CALL_TEST(tmpfile_linkat, C_TMPFILE_LINKAT)
CALL_TEST(mount, C_MOUNT)
CALL_TEST(remount, C_REMOUNT)

/* Memory: the figures of tests/lib/memory.sh, read from C. */

static long meminfo_kib(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");
	size_t len = strlen(key);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			v = atol(line + len + 1);
	fclose(f);
	return v;
}

/* Active objects of the rshmem inode cache (-1 if it has none listed). */
static long inode_objs(void)
{
	char line[512], name[64];
	long active, v = -1;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", name, &active) == 2 &&
		    !strcmp(name, "rshmem_inode_cache"))
			v = active;
	fclose(f);
	return v;
}

static void write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return;
	if (write(fd, s, strlen(s)) < 0) {
		/* Best effort, as the shell's echo. */
	}
	close(fd);
}

/*
 * Lets freed memory settle (tests/lib/memory.sh): dentries and inodes dropped,
 * the inode cache's per-CPU slabs flushed, RCU-freed inodes given a second,
 * and the per-CPU vmstat deltas folded into /proc/meminfo.
 */
static void settle(void)
{
	sync();
	write_str("/proc/sys/vm/drop_caches", "3");
	write_str("/sys/kernel/slab/rshmem_inode_cache/shrink", "1");
	sleep(1);
	write_str("/sys/kernel/slab/rshmem_inode_cache/shrink", "1");
	write_str("/proc/sys/vm/stat_refresh", "1");
}

FIXTURE(end) {
};

FIXTURE_SETUP(end)
{
}

FIXTURE_TEARDOWN(end)
{
}

/*
 * Last: the table of the largest failing n, then memory against the baseline.
 * Every instance is unmounted by now. The inode cache must be back exactly.
 * Unevictable must be back within 64 KiB (16 pages): it is a count of the
 * whole system, which also holds pages outside rshmem (mlocked ones, ramfs)
 * that may come and go meanwhile, and a page added to the LRU just before a
 * reading may still wait, uncounted, in a per-CPU batch. A folio leaked by
 * each failing attempt of the calls that allocate folios (write, fallocate,
 * the faults: some 20 attempts per run) would be more than that; a leaked
 * charge shows in the statfs checks after each attempt.
 */
TEST_F_TIMEOUT(end, memory_back_to_baseline, 120)
{
	struct timespec now;
	long total = 0, objs = -1, unev = -1;

	for (int i = 0; i < NR_CALLS; i++) {
		char col[NR_FS][32];

		for (int f = 0; f < NR_FS; f++) {
			struct result *r = &results[i][f];

			if (!r->ran)
				snprintf(col[f], sizeof(col[f]), "not run");
			else if (r->unsupported)
				snprintf(col[f], sizeof(col[f]), "-");
			else
				snprintf(col[f], sizeof(col[f]), "%d%s", r->maxfail,
					 r->complete ? "" : " (incomplete)");
			total += r->attempts;
		}
		ksft_print_msg("fail_nth: %s: rshmem %s, tmpfs %s\n", calls[i].name,
			       col[FS_RSHMEM], col[FS_TMPFS]);
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	ksft_print_msg("fail_nth: %ld attempts in all, %ld s\n", total,
		       (long)(now.tv_sec - t_start.tv_sec));

	/* RCU may take a while to free the last inodes under TCG: up to 10 tries. */
	for (int i = 0; i < 10; i++) {
		settle();
		objs = inode_objs();
		unev = meminfo_kib("Unevictable");
		if (objs == base_inode_objs && labs(unev - base_unevictable_kib) <= 64)
			break;
	}
	ksft_print_msg("fail_nth: rshmem inode cache %ld objects (baseline %ld), Unevictable %ld KiB (baseline %ld)\n",
		       objs, base_inode_objs, unev, base_unevictable_kib);
	EXPECT_EQ(base_inode_objs, objs);
	EXPECT_GE(64, labs(unev - base_unevictable_kib));
}

/*
 * The debugfs knobs this test changes, their values for the run, and the old
 * ones. "times" is not set, but each injected failure counts it down: it is
 * put back too.
 */
static struct knob {
	const char *path;
	const char *value;
	char old[32];
	bool saved;
} knobs[] = {
	{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
	{ "/sys/kernel/debug/failslab/verbose", "0" },
	{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N" },
	{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N" },
	{ "/sys/kernel/debug/fail_page_alloc/min-order", "0" },
	{ "/sys/kernel/debug/fail_page_alloc/verbose", "0" },
	{ "/sys/kernel/debug/failslab/times", NULL },
	{ "/sys/kernel/debug/fail_page_alloc/times", NULL },
};

static void restore_knobs(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++)
		if (knobs[i].saved)
			write_str(knobs[i].path, knobs[i].old);
}

static void on_term(int sig)
{
	restore_knobs();
	signal(sig, SIG_DFL);
	raise(sig);
}

int main(int argc, char **argv)
{
	const char *s;

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	if (access(NTH, R_OK | W_OK))
		ksft_exit_skip("%s: %s (the kernel needs CONFIG_FAULT_INJECTION)\n", NTH,
			       strerror(errno));
	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++)
		if (access(knobs[i].path, R_OK | W_OK))
			ksft_exit_skip("%s: %s (the kernel needs CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC and CONFIG_FAULT_INJECTION_DEBUG_FS, and debugfs mounted)\n",
				       knobs[i].path, strerror(errno));
	s = getenv("RSHMEM_FAIL_NTH_CAP");
	if (s && atoi(s) > 0)
		cap = atoi(s) < 250 ? atoi(s) : 250;
	s = getenv("RSHMEM_FAIL_NTH_TRACE");
	trace = s && atoi(s) > 0;
	s = getenv("RSHMEM_FAIL_NTH_VERBOSE");
	if (s && (!strcmp(s, "1") || !strcmp(s, "2"))) {
		knobs[1].value = s;
		knobs[5].value = s;
	}

	results = mmap(NULL, sizeof(*results) * NR_CALLS, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (results == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));

	settle();
	base_inode_objs = inode_objs();
	base_unevictable_kib = meminfo_kib("Unevictable");

	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
		struct knob *k = &knobs[i];
		int fd = open(k->path, O_RDONLY);
		ssize_t got = fd < 0 ? -1 : read(fd, k->old, sizeof(k->old) - 1);

		if (fd >= 0)
			close(fd);
		if (got <= 0) {
			restore_knobs();
			ksft_exit_fail_msg("reading %s: %s\n", k->path, strerror(errno));
		}
		k->old[got] = 0;
		k->saved = true;
		if (k->value)
			write_str(k->path, k->value);
	}
	atexit(restore_knobs);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	ksft_print_msg("fail_nth: the cap of n is %u; baseline: rshmem inode cache %ld objects, Unevictable %ld KiB\n",
		       cap, base_inode_objs, base_unevictable_kib);
	return test_harness_run(argc, argv);
}
