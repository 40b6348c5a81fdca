// SPDX-License-Identifier: GPL-2.0
/*
 * Large folios (huge=): rshmem with huge=always against tmpfs with huge=always,
 * in the same boot. PMD mappings happen (smaps' FilePmdMapped on rshmem,
 * ShmemPmdMapped on tmpfs); data written through a PMD mapping survives a punch
 * of part of its folio, which reads as zeros; truncation through the middle of a
 * PMD-mapped folio gives SIGBUS past the new end and zeros after growing back;
 * writes and reads at unaligned offsets across folio edges; the space charged
 * (st_blocks, statfs) agrees with itself; huge= as tmpfs shows it in
 * /proc/mounts, with remount; and a full instance gives back the pages of
 * large folios past the ends of files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/falloc.h>

#include "kselftest_harness.h"
#include "../lib/page.h"

#define HUGE_SZ (2UL << 20)
#define FILE_SZ (2 * HUGE_SZ)

FIXTURE(huge) {
	char dir[128];
	char path[512];
};

FIXTURE_VARIANT(huge) {
	const char *type;
	const char *pmd_key;	/* smaps' field for PMD-mapped file memory */
};

FIXTURE_VARIANT_ADD(huge, rshmem_huge) {
	.type = "rshmem",
	.pmd_key = "FilePmdMapped:",
};

FIXTURE_VARIANT_ADD(huge, tmpfs_huge) {
	.type = "tmpfs",
	.pmd_key = "ShmemPmdMapped:",
};

FIXTURE_SETUP(huge)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/huge.%s.%d", variant->type,
		 getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	ASSERT_EQ(0, mount("none", self->dir, variant->type, 0,
			   "size=64m,huge=always")) {
		TH_LOG("mount %s: %s", variant->type, strerror(errno));
	}
	snprintf(self->path, sizeof(self->path), "%s/f", self->dir);
}

FIXTURE_TEARDOWN_PARENT(huge)
{
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

static int sigbus_on(volatile char *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	int bus = 0;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1) == 0)
		(void)*p;
	else
		bus = 1;
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

/* The byte every offset holds before anything is punched or truncated. */
static char pattern(size_t off)
{
	return (char)(off * 7 + off / 4096 + 1) | 1;
}

/* The kB of @key in /proc/self/smaps for the mapping at @addr. */
static long smaps_kb(void *addr, const char *key)
{
	char line[256], want[32];
	FILE *f = fopen("/proc/self/smaps", "r");
	int in = 0;
	long kb = -1;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') &&
		    strchr(line, '-') < strchr(line, ' ') &&
		    line[0] != ' ' && strchr("0123456789abcdef", line[0]))
			in = strncmp(line, want, strlen(want)) == 0;
		if (in && strncmp(line, key, strlen(key)) == 0) {
			kb = atol(line + strlen(key));
			break;
		}
	}
	fclose(f);
	return kb;
}

/* A file of FILE_SZ bytes written through a shared mapping of it, returned mapped. */
static char *fill_mapped(struct __test_metadata *_metadata, const char *path,
			 int *fdp)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char *p;

	EXPECT_LE(0, fd);
	EXPECT_EQ(0, ftruncate(fd, FILE_SZ));
	p = mmap(NULL, FILE_SZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_NE(MAP_FAILED, p);
	for (size_t i = 0; i < FILE_SZ; i++)
		p[i] = pattern(i);
	*fdp = fd;
	return p;
}

TEST_F(huge, pmd_mapped)
{
	int fd;
	char *p = fill_mapped(_metadata, self->path, &fd);
	struct stat st;
	char buf[4096];

	ASSERT_NE(MAP_FAILED, p);
	/* Both 2 MiB folios are mapped by PMDs: the mapping is aligned for it. */
	EXPECT_EQ(0, (uintptr_t)p % HUGE_SZ);
	EXPECT_EQ((long)(FILE_SZ >> 10), smaps_kb(p, variant->pmd_key));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(FILE_SZ / 512, st.st_blocks);
	ASSERT_EQ((ssize_t)sizeof(buf), pread(fd, buf, sizeof(buf), HUGE_SZ + 12345));
	for (size_t i = 0; i < sizeof(buf); i++)
		ASSERT_EQ(pattern(HUGE_SZ + 12345 + i), buf[i]);
	munmap(p, FILE_SZ);
	close(fd);
}

TEST_F(huge, partial_punch_keeps_the_rest)
{
	int fd;
	char *p = fill_mapped(_metadata, self->path, &fd);
	/* Unaligned edges inside the first folio, and a whole page or more between. */
	const off_t start = HUGE_SZ / 2 + 100, len = 5 * 4096 + 333;
	char buf[8192];

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ((long)(FILE_SZ >> 10), smaps_kb(p, variant->pmd_key));
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       start, len));
	for (size_t i = 0; i < FILE_SZ; i++) {
		char want = (i >= (size_t)start && i < (size_t)(start + len)) ?
			0 : pattern(i);
		ASSERT_EQ(want, p[i]) TH_LOG("mapped byte %zu", i);
	}
	for (size_t off = 0; off < FILE_SZ; off += sizeof(buf)) {
		ASSERT_EQ((ssize_t)sizeof(buf), pread(fd, buf, sizeof(buf), off));
		for (size_t i = 0; i < sizeof(buf); i++) {
			size_t o = off + i;
			char want = (o >= (size_t)start && o < (size_t)(start + len)) ?
				0 : pattern(o);
			ASSERT_EQ(want, buf[i]) TH_LOG("read byte %zu", o);
		}
	}
	/* The second folio is still mapped by its PMD. */
	EXPECT_LE((long)(HUGE_SZ >> 10), smaps_kb(p, variant->pmd_key));
	/* A punch of whole folios frees them. */
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       HUGE_SZ, HUGE_SZ));
	for (size_t i = HUGE_SZ; i < FILE_SZ; i += 4096)
		ASSERT_EQ(0, p[i]);
	munmap(p, FILE_SZ);
	close(fd);
}

TEST_F(huge, truncate_through_a_pmd_mapped_folio)
{
	int fd;
	char *p = fill_mapped(_metadata, self->path, &fd);
	const off_t end = HUGE_SZ + HUGE_SZ / 4 + 100;
	const size_t page = 4096, tail = (end + page - 1) & ~(page - 1);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ((long)(FILE_SZ >> 10), smaps_kb(p, variant->pmd_key));
	ASSERT_EQ(0, ftruncate(fd, end));
	/* Intact before the new end, zeros to the end of its page, SIGBUS after. */
	for (size_t i = 0; i < (size_t)end; i++) {
		ASSERT_EQ(pattern(i), p[i]) TH_LOG("byte %zu", i);
	}
	for (size_t i = end; i < tail; i++)
		ASSERT_EQ(0, p[i]);
	EXPECT_TRUE(sigbus_on(p + tail));
	EXPECT_TRUE(sigbus_on(p + FILE_SZ - 1));
	/* The first folio is still mapped by its PMD. */
	EXPECT_LE((long)(HUGE_SZ >> 10), smaps_kb(p, variant->pmd_key));
	/* Growing back shows zeros, never the old data. */
	ASSERT_EQ(0, ftruncate(fd, FILE_SZ));
	for (size_t i = end; i < FILE_SZ; i++) {
		ASSERT_EQ(0, p[i]) TH_LOG("byte %zu", i);
	}
	munmap(p, FILE_SZ);
	close(fd);
}

TEST_F(huge, unaligned_io_and_accounting)
{
	int fd = open(self->path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	static char buf[3 * 4096 + 17], back[sizeof(buf)];
	struct statfs before, after;
	struct stat st;
	off_t offs[] = { 4093, HUGE_SZ - 4096 - 5, 3 * HUGE_SZ + 4097 };

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, statfs(self->dir, &before));
	for (size_t k = 0; k < sizeof(offs) / sizeof(offs[0]); k++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = pattern(offs[k] + i);
		ASSERT_EQ((ssize_t)sizeof(buf), pwrite(fd, buf, sizeof(buf), offs[k]));
	}
	for (size_t k = 0; k < sizeof(offs) / sizeof(offs[0]); k++) {
		ASSERT_EQ((ssize_t)sizeof(back), pread(fd, back, sizeof(back), offs[k]));
		for (size_t i = 0; i < sizeof(back); i++)
			ASSERT_EQ(pattern(offs[k] + i), back[i]);
	}
	/* Everything else reads as zeros: no stale memory in a large folio. */
	for (off_t off = 0; off < 4 * (off_t)HUGE_SZ; off += 4096) {
		char c;
		int inside = 0;

		for (size_t k = 0; k < sizeof(offs) / sizeof(offs[0]); k++)
			inside |= off >= offs[k] && off < offs[k] + (off_t)sizeof(buf);
		if (inside || off >= 3 * (off_t)HUGE_SZ + 4097 + (off_t)sizeof(buf))
			continue;
		ASSERT_EQ(1, pread(fd, &c, 1, off));
		ASSERT_EQ(0, c) TH_LOG("offset %ld", (long)off);
	}
	/* st_blocks and statfs agree on what was charged, in whole pages. */
	ASSERT_EQ(0, fstat(fd, &st));
	ASSERT_EQ(0, statfs(self->dir, &after));
	EXPECT_EQ(st.st_blocks / 8, (long)(before.f_bfree - after.f_bfree));
	EXPECT_LE(st.st_blocks, 4 * HUGE_SZ / 512);
	TH_LOG("%s: st_blocks %ld", variant->type, (long)st.st_blocks);
	close(fd);
	ASSERT_EQ(0, unlink(self->path));
	ASSERT_EQ(0, statfs(self->dir, &after));
	EXPECT_EQ(before.f_bfree, after.f_bfree);
}

/* The options part of the /proc/mounts line of @dir. */
static int mount_opts(const char *dir, char *out, size_t len)
{
	char line[512];
	FILE *f = fopen("/proc/mounts", "r");
	int found = -1;

	while (f && fgets(line, sizeof(line), f)) {
		char dev[64], mnt[256], type[64], opts[256];

		if (sscanf(line, "%63s %255s %63s %255s", dev, mnt, type, opts) == 4 &&
		    strcmp(mnt, dir) == 0) {
			snprintf(out, len, "%s", opts);
			found = 0;
		}
	}
	if (f)
		fclose(f);
	return found;
}

TEST_F(huge, option_shown_and_remounted)
{
	static const char *const values[] = { "never", "always", "within_size",
					      "advise" };
	char opts[256], want[64];

	ASSERT_EQ(0, mount_opts(self->dir, opts, sizeof(opts)));
	EXPECT_NE(NULL, strstr(opts, ",huge=always")) TH_LOG("%s", opts);
	for (size_t i = 0; i < 4; i++) {
		snprintf(want, sizeof(want), "huge=%s", values[i]);
		ASSERT_EQ(0, mount(NULL, self->dir, NULL, MS_REMOUNT, want));
		ASSERT_EQ(0, mount_opts(self->dir, opts, sizeof(opts)));
		if (i == 0) {
			EXPECT_EQ(NULL, strstr(opts, "huge=")) TH_LOG("%s", opts);
		} else {
			EXPECT_NE(NULL, strstr(opts, want)) TH_LOG("%s", opts);
		}
	}
	/* A remount without huge= keeps it. */
	ASSERT_EQ(0, mount(NULL, self->dir, NULL, MS_REMOUNT, "size=32m"));
	ASSERT_EQ(0, mount_opts(self->dir, opts, sizeof(opts)));
	EXPECT_NE(NULL, strstr(opts, "huge=advise")) TH_LOG("%s", opts);
	EXPECT_EQ(-1, mount(NULL, self->dir, NULL, MS_REMOUNT, "huge=sometimes"));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mount(NULL, self->dir, NULL, MS_REMOUNT, "huge"));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(huge, within_size_and_advise)
{
	int fd;
	char *p;

	/* within_size: a file of 2 MiB + 1 page gets one PMD-mapped folio, not two. */
	ASSERT_EQ(0, mount(NULL, self->dir, NULL, MS_REMOUNT, "huge=within_size"));
	fd = open(self->path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, HUGE_SZ + 4096));
	p = mmap(NULL, FILE_SZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 'w', HUGE_SZ + 4096);
	EXPECT_EQ((long)(HUGE_SZ >> 10), smaps_kb(p, variant->pmd_key));
	munmap(p, FILE_SZ);
	close(fd);
	unlink(self->path);

	/* advise: PMD-mapped only where the mapping asked with MADV_HUGEPAGE. */
	ASSERT_EQ(0, mount(NULL, self->dir, NULL, MS_REMOUNT, "huge=advise"));
	fd = open(self->path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, FILE_SZ));
	p = mmap(NULL, FILE_SZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise(p + HUGE_SZ, HUGE_SZ, MADV_HUGEPAGE));
	memset(p, 'a', FILE_SZ);
	EXPECT_EQ(0, smaps_kb(p, variant->pmd_key));
	EXPECT_EQ((long)(HUGE_SZ >> 10), smaps_kb(p + HUGE_SZ, variant->pmd_key));
	munmap(p, FILE_SZ);
	close(fd);
}

/*
 * st_blksize: the PMD size for a regular file that a write would put in a
 * PMD-size folio at offset 0 (shmem_getattr): always on huge=always, on
 * huge=within_size once the size covers the first 2 MiB; otherwise, and for
 * directories and huge=never and advise, a page.
 */
TEST_F(huge, preferred_io_size)
{
	static const struct {
		const char *huge;
		off_t size;
		long file, dir;
	} table[] = {
		{ "never", 0, 4096, 4096 },
		{ "never", HUGE_SZ, 4096, 4096 },
		{ "always", 0, HUGE_SZ, 4096 },
		{ "always", 4096, HUGE_SZ, 4096 },
		{ "within_size", 0, 4096, 4096 },
		{ "within_size", HUGE_SZ - 4096, 4096, 4096 },
		{ "within_size", HUGE_SZ - 4095, HUGE_SZ, 4096 },
		{ "within_size", HUGE_SZ, HUGE_SZ, 4096 },
		{ "advise", HUGE_SZ, 4096, 4096 },
	};
	char opts[64], dir[600];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s.d", self->path);
	ASSERT_EQ(0, mkdir(dir, 0755));
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		int fd;

		snprintf(opts, sizeof(opts), "huge=%s", table[i].huge);
		ASSERT_EQ(0, mount(NULL, self->dir, NULL, MS_REMOUNT, opts));
		fd = open(self->path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ftruncate(fd, table[i].size));
		ASSERT_EQ(0, fstat(fd, &st));
		EXPECT_EQ(table[i].file, (long)st.st_blksize) {
			TH_LOG("%s, a file of %lld bytes", opts, (long long)table[i].size);
		}
		close(fd);
		ASSERT_EQ(0, stat(dir, &st));
		EXPECT_EQ(table[i].dir, (long)st.st_blksize) TH_LOG("%s, a directory", opts);
	}
	rmdir(dir);
}

/*
 * A full instance gives back what large folios hold past the ends of files
 * (tmpfs's shmem_unused_huge_shrink): with huge=always a write into a small
 * file takes a 2 MiB folio; when a new one cannot be charged, the last folios
 * of other files are split and their pages past the end freed, and the charge
 * is tried again. A file with pages preallocated past its end keeps those.
 */
TEST_F(huge, full_instance_gives_back_tails)
{
	static const char *const names[] = { "a", "b", "c" };
	const long small = 3 * 4096 + 10;
	static char buf[3 * 4096 + 10], back[sizeof(buf)];
	int fd[3], pfd, dfd;
	long blocks = 0;
	struct statfs sf;
	struct stat st;
	char path[600];
	char c;

	for (long i = 0; i < small; i++)
		buf[i] = pattern(i);
	/* 8 MiB: four 2 MiB folios. */
	ASSERT_EQ(0, mount(NULL, self->dir, NULL, MS_REMOUNT, "size=8m"));
	/* p: 12 KiB written, and preallocated up to 1 MiB past its end. */
	snprintf(path, sizeof(path), "%s/p", self->dir);
	pfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ASSERT_LE(0, pfd);
	ASSERT_EQ(12288, pwrite(pfd, buf, 12288, 0));
	ASSERT_EQ(0, fallocate(pfd, FALLOC_FL_KEEP_SIZE, 12288, (1 << 20) - 12288));
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", self->dir, names[i]);
		fd[i] = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		ASSERT_LE(0, fd[i]);
		ASSERT_EQ(small, pwrite(fd[i], buf, small, 0));
		ASSERT_EQ(0, fstat(fd[i], &st));
		ASSERT_EQ((long)(HUGE_SZ / 512), (long)st.st_blocks) TH_LOG("file %s", names[i]);
	}
	ASSERT_EQ(0, statfs(self->dir, &sf));
	ASSERT_EQ(0, (long)sf.f_bfree);
	/* A fifth file gets its 2 MiB folio from the others' tails. */
	snprintf(path, sizeof(path), "%s/d", self->dir);
	dfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ASSERT_LE(0, dfd);
	ASSERT_EQ(1, pwrite(dfd, "d", 1, 0)) TH_LOG("pwrite: %s", strerror(errno));
	ASSERT_EQ(0, fstat(dfd, &st));
	EXPECT_EQ((long)(HUGE_SZ / 512), (long)st.st_blocks);
	blocks += st.st_blocks;
	/* Not from p's preallocation, which a write on the full instance can use. */
	ASSERT_EQ(0, fstat(pfd, &st));
	EXPECT_LE((long)((1 << 20) / 512), (long)st.st_blocks);
	blocks += st.st_blocks;
	ASSERT_EQ(4096, pwrite(pfd, buf, 4096, 512 << 10));
	/* The data stays; past the ends, grown back, zeros; the charges add up. */
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(small, pread(fd[i], back, small, 0));
		EXPECT_EQ(0, memcmp(buf, back, small)) TH_LOG("file %s", names[i]);
		ASSERT_EQ(0, ftruncate(fd[i], HUGE_SZ));
		ASSERT_EQ(1, pread(fd[i], &c, 1, small));
		EXPECT_EQ(0, c);
		ASSERT_EQ(1, pread(fd[i], &c, 1, HUGE_SZ - 1));
		EXPECT_EQ(0, c);
		ASSERT_EQ(0, fstat(fd[i], &st));
		blocks += st.st_blocks;
		close(fd[i]);
	}
	ASSERT_EQ(12288, pread(pfd, back, 12288, 0));
	EXPECT_EQ(0, memcmp(buf, back, 12288));
	ASSERT_EQ(0, statfs(self->dir, &sf));
	EXPECT_EQ(blocks / 8, (long)(sf.f_blocks - sf.f_bfree));
	EXPECT_LT(0, (long)sf.f_bfree);
	TH_LOG("%s: %ld KiB used of 8192, %ld free", variant->type, blocks / 2,
	       (long)sf.f_bfree * 4);
	close(pfd);
	close(dfd);
}

TEST_HARNESS_MAIN
