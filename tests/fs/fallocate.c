// SPDX-License-Identifier: GPL-2.0
/*
 * fallocate: allocation with and without KEEP_SIZE, PUNCH_HOLE, ZERO_RANGE, the
 * errnos of fallocate(2), no half state after a failed preallocation, and
 * MADV_REMOVE reaching the punch; on rshmem and on tmpfs (which has no
 * ZERO_RANGE: there the test checks EOPNOTSUPP).
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/statfs.h>
#include <linux/falloc.h>

/* Also on huge=always instances (fs_fixture.h). */
#define FS_FIXTURE_HUGE
#include "fs_fixture.h"

static long blocks_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : (long)st.st_blocks;
}

static off_t size_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : st.st_size;
}

static long free_blocks(const char *dir)
{
	struct statfs sfs;

	return statfs(dir, &sfs) ? -1 : (long)sfs.f_bfree;
}

static int all_zero(int fd, off_t off, size_t len)
{
	static char buf[64 * PAGE];

	while (len) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);

		if (pread(fd, buf, n, off) != (ssize_t)n)
			return 0;
		for (size_t i = 0; i < n; i++)
			if (buf[i])
				return 0;
		off += n;
		len -= n;
	}
	return 1;
}

TEST_F(fs, allocate_extends_keep_size_does_not)
{
	const long G = grain(variant);
	/*
	 * The pages the first call allocates: 11 units. On rshmem huge=always the
	 * last, partial unit is one page: fallocate allocates a PMD-size folio only
	 * where the range covers all of it; tmpfs allocates a whole one (README,
	 * "differ").
	 */
	const long first = huge_instance(variant) && !strcmp(variant->type, "rshmem") ?
			   10 * (G / PAGE) + 1 : 11 * (G / PAGE);
	long free0 = free_blocks(self->dir);
	int fd = open(in(self, "f"), O_CREAT | O_RDWR, 0600);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fallocate(fd, 0, 0, 10 * G + 1));
	EXPECT_EQ(10 * G + 1, size_of(fd));
	EXPECT_EQ(first * PAGE / 512, blocks_of(fd));
	EXPECT_EQ(free0 - first, free_blocks(self->dir));
	EXPECT_TRUE(all_zero(fd, 0, 10 * G + 1));
	/* KEEP_SIZE past EOF: the blocks show, the size does not move. */
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_KEEP_SIZE, 20 * G, 4 * G));
	EXPECT_EQ(10 * G + 1, size_of(fd));
	EXPECT_EQ((first + 4 * (G / PAGE)) * PAGE / 512, blocks_of(fd));
	EXPECT_EQ(free0 - first - 4 * (G / PAGE), free_blocks(self->dir));
	/* Allocating what is there changes nothing, and keeps the data. */
	ASSERT_EQ(4, pwrite(fd, "data", 4, 5 * G));
	ASSERT_EQ(0, fallocate(fd, 0, 0, 6 * G));
	EXPECT_EQ((first + 4 * (G / PAGE)) * PAGE / 512, blocks_of(fd));
	char buf[4];
	ASSERT_EQ(4, pread(fd, buf, 4, 5 * G));
	EXPECT_EQ(0, memcmp(buf, "data", 4));
	/* Growing the size over preallocated pages shows zeros. */
	ASSERT_EQ(0, ftruncate(fd, 30 * G));
	EXPECT_TRUE(all_zero(fd, 20 * G, 4 * G));
	close(fd);
	ASSERT_EQ(0, unlink(in(self, "f")));
	EXPECT_EQ(free0, free_blocks(self->dir));
}

TEST_F(fs, punch_hole_frees_pages_and_zeroes_edges)
{
	const long G = grain(variant);
	static char buf[8 * PMD_FOLIO];
	long free0 = free_blocks(self->dir);
	int fd = open(in(self, "f"), O_CREAT | O_RDWR, 0600);

	ASSERT_LE(0, fd);
	memset(buf, 'd', 8 * G);
	ASSERT_EQ(8 * G, pwrite(fd, buf, 8 * G, 0));
	EXPECT_EQ(8 * G / 512, blocks_of(fd));
	/* From the middle of page 1 to the middle of page 5: pages 2-4 go. */
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       G + 100, 4 * G));
	EXPECT_EQ(8 * G, size_of(fd));
	/*
	 * Only whole pages inside the hole go: on a huge instance the two
	 * folios at its edges are split (truncate_inode_partial_folio), and the
	 * pages of theirs that the hole covers only in part stay.
	 */
	long kept = ((G + 100 + PAGE - 1) / PAGE * PAGE + 8 * G - (5 * G + 100) / PAGE * PAGE) / PAGE;

	EXPECT_EQ(kept * PAGE / 512, blocks_of(fd));
	EXPECT_EQ(free0 - kept, free_blocks(self->dir));
	ASSERT_EQ(8 * G, pread(fd, buf, 8 * G, 0));
	for (long i = 0; i < 8 * G; i++) {
		char want = (i >= G + 100 && i < 5 * G + 100) ? 0 : 'd';

		if (buf[i] != want) {
			EXPECT_EQ(want, buf[i]) {
				TH_LOG("byte %ld", i);
			}
			break;
		}
	}
	/* A punch past EOF is fine and changes nothing. */
	EXPECT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100 * G, G));
	EXPECT_EQ(8 * G, size_of(fd));
	close(fd);
}

TEST_F(fs, zero_range)
{
	const long G = grain(variant);
	static char buf[6 * PMD_FOLIO];
	int fd = open(in(self, "f"), O_CREAT | O_RDWR, 0600);
	int r;

	ASSERT_LE(0, fd);
	memset(buf, 'z', sizeof(buf));
	ASSERT_EQ(4 * G, pwrite(fd, buf, 4 * G, 0));
	r = fallocate(fd, FALLOC_FL_ZERO_RANGE, G - 10, 2 * G + 20);
	if (!strcmp(variant->type, "tmpfs")) {
		/* tmpfs has no ZERO_RANGE; rshmem goes beyond it. */
		EXPECT_EQ(-1, r);
		EXPECT_EQ(EOPNOTSUPP, errno);
		close(fd);
		return;
	}
	ASSERT_EQ(0, r);
	ASSERT_EQ(4 * G, pread(fd, buf, 4 * G, 0));
	for (long i = 0; i < 4 * G; i++) {
		char want = (i >= G - 10 && i < 3 * G + 10) ? 0 : 'z';

		if (buf[i] != want) {
			EXPECT_EQ(want, buf[i]) {
				TH_LOG("byte %ld", i);
			}
			break;
		}
	}
	/* The range stays allocated. */
	EXPECT_EQ(4 * G / 512, blocks_of(fd));
	/* Past EOF: allocates and extends, or with KEEP_SIZE only allocates. */
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 4 * G, 2 * G));
	EXPECT_EQ(4 * G, size_of(fd));
	EXPECT_EQ(6 * G / 512, blocks_of(fd));
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_ZERO_RANGE, 6 * G, 10));
	EXPECT_EQ(6 * G + 10, size_of(fd));
	/* A page: a PMD-size folio only where the range covers all of it (README). */
	EXPECT_EQ((6 * G + PAGE) / 512, blocks_of(fd));
	EXPECT_TRUE(all_zero(fd, 4 * G, 2 * G + 10));
	close(fd);
}

TEST_F(fs, errnos_of_fallocate)
{
	int fd = open(in(self, "f"), O_CREAT | O_RDWR, 0600);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 16 * PAGE));
	EXPECT_EQ(-1, fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, PAGE));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, fallocate(fd, FALLOC_FL_INSERT_RANGE, 0, PAGE));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, fallocate(fd, FALLOC_FL_UNSHARE_RANGE, 0, PAGE));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, PAGE));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, fallocate(fd, 0, -1, PAGE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, fallocate(fd, 0, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, fallocate(fd, 0, 0, -5));
	EXPECT_EQ(EINVAL, errno);
	/* Beyond the largest file: EFBIG. */
	EXPECT_EQ(-1, fallocate(fd, 0, 0x7fffffffffffffffLL - PAGE, 2 * PAGE));
	EXPECT_EQ(EFBIG, errno);
	/* Beyond the filesystem (64 MiB): ENOSPC, and nothing changes. */
	long free0 = free_blocks(self->dir);
	EXPECT_EQ(-1, fallocate(fd, 0, 0, 65 << 20));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(16 * PAGE, size_of(fd));
	EXPECT_EQ(0, blocks_of(fd));
	EXPECT_EQ(free0, free_blocks(self->dir));
	/* Not open for writing: EBADF. */
	int ro = open(in(self, "f"), O_RDONLY);
	EXPECT_EQ(-1, fallocate(ro, 0, 0, PAGE));
	EXPECT_EQ(EBADF, errno);
	close(ro);
	close(fd);
}

TEST_F(fs, failed_preallocation_leaves_no_half_state)
{
	long free0 = free_blocks(self->dir);
	int fd = open(in(self, "f"), O_CREAT | O_RDWR, 0600);
	int other = open(in(self, "other"), O_CREAT | O_RDWR, 0600);

	ASSERT_LE(0, fd);
	ASSERT_LE(0, other);
	/* Leave 100 pages free, then ask for 200 that would fit an empty filesystem. */
	ASSERT_EQ(0, fallocate(other, 0, 0, (free0 - 100) * PAGE));
	ASSERT_EQ(4, pwrite(fd, "keep", 4, 0));
	EXPECT_EQ(-1, fallocate(fd, 0, 0, 200 * PAGE));
	EXPECT_EQ(ENOSPC, errno);
	/* The page written before stays, nothing else was added, the size is as it was. */
	EXPECT_EQ(4, size_of(fd));
	EXPECT_EQ(PAGE / 512, blocks_of(fd));
	EXPECT_EQ(99, free_blocks(self->dir));
	char buf[4];
	ASSERT_EQ(4, pread(fd, buf, 4, 0));
	EXPECT_EQ(0, memcmp(buf, "keep", 4));
	close(other);
	close(fd);
}

/*
 * The undo after a failure removes only what the failing call added: pages an
 * earlier preallocation left in its range (never written, so not uptodate)
 * stay, as on tmpfs, whose SGP_FALLOC zeroes them so that its undo, which
 * drops the pages that are not uptodate, cannot take them.
 */
TEST_F(fs, failed_preallocation_keeps_an_earlier_one)
{
	/*
	 * In units of G (a page, or a PMD-size folio): PRE preallocated first,
	 * FREE left free, then a preallocation of twice both fails.
	 */
	const long G = grain(variant), per = G / PAGE;
	const long PRE = huge_instance(variant) ? 4 : 10, FREE = huge_instance(variant) ? 8 : 100;
	long free0 = free_blocks(self->dir);
	int fd = open(in(self, "f"), O_CREAT | O_RDWR, 0600);
	int other = open(in(self, "other"), O_CREAT | O_RDWR, 0600);

	ASSERT_LE(0, fd);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_KEEP_SIZE, PRE * G, PRE * G));
	ASSERT_EQ(0, fallocate(other, 0, 0, (free0 - (PRE + FREE) * per) * PAGE));
	EXPECT_EQ(-1, fallocate(fd, 0, 0, 2 * (PRE + FREE) * G));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(0, size_of(fd));
	EXPECT_EQ(PRE * G / 512, blocks_of(fd));
	EXPECT_EQ(FREE * per, free_blocks(self->dir));
	ASSERT_EQ(0, ftruncate(fd, 3 * PRE * G));
	EXPECT_TRUE(all_zero(fd, 0, 3 * PRE * G));
	close(other);
	close(fd);
}

LIMITED_FS_FIXTURE(unlimited, "size=0")

/*
 * On an instance without a size limit nothing bounds a preallocation but
 * memory, and only a fatal signal stops it (tmpfs ignores other signals
 * there, lest periodic timers keep restarting it). SIGKILL must stop it
 * promptly, and the undo must leave nothing. The range is 128 TiB, far more
 * than the machine has: rshmem once sized a per-call bitmap by the range, a
 * kvmalloc() above INT_MAX, which WARNs and fails with ENOMEM at once.
 */
TEST_F(unlimited, huge_preallocation_stops_when_killed)
{
	char path[256];
	struct stat st;
	int fd, status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/huge", self->dir);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	pid = fork();
	if (pid == 0)
		_exit(fallocate(fd, 0, 0, 1LL << 47) ? errno : 0);
	ASSERT_LT(0, pid);
	usleep(200000);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* Killed in the call, not returned from it. */
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
		TH_LOG("the preallocation ended by itself: status %#x", status);
	}
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(0, st.st_size);
	EXPECT_EQ(0, st.st_blocks);
	close(fd);
}

TEST_F(fs, madvise_remove_reaches_the_punch)
{
	int fd = open(in(self, "f"), O_CREAT | O_RDWR, 0600);
	char *m;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 8 * PAGE));
	m = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	memset(m, 'm', 8 * PAGE);
	EXPECT_EQ(8 * PAGE / 512, blocks_of(fd));
	ASSERT_EQ(0, madvise(m + 2 * PAGE, 3 * PAGE, MADV_REMOVE));
	EXPECT_EQ(5 * PAGE / 512, blocks_of(fd));
	EXPECT_EQ(0, m[2 * PAGE]);
	EXPECT_EQ(0, m[5 * PAGE - 1]);
	EXPECT_EQ('m', m[5 * PAGE]);
	EXPECT_TRUE(all_zero(fd, 2 * PAGE, 3 * PAGE));
	munmap(m, 8 * PAGE);
	close(fd);
}

/* lseek(SEEK_DATA or SEEK_HOLE), -1 for ENXIO (any other errno fails). */
static off_t seek(int fd, off_t off, int whence)
{
	off_t r = lseek(fd, off, whence);

	return r < 0 && errno != ENXIO ? -2 : r;
}

/*
 * Preallocated, never-written pages are holes for SEEK_DATA and SEEK_HOLE, as
 * on tmpfs (mapping_seek_hole_data() takes a folio that is not uptodate for a
 * hole), although they are allocated (st_blocks). A write, a fault (read or
 * write) or a second preallocation over them makes them data; a read(2) does
 * not.
 */
TEST_F(fs, seek_treats_preallocated_pages_as_holes)
{
	const long G = grain(variant);
	int fd = open(in(self, "f"), O_CREAT | O_RDWR, 0600);
	char buf[16], *m;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 12 * G));
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_KEEP_SIZE, 2 * G, 8 * G));
	EXPECT_EQ(8 * G / 512, blocks_of(fd));
	EXPECT_EQ(-1, seek(fd, 0, SEEK_DATA));
	EXPECT_EQ(0, seek(fd, 0, SEEK_HOLE));
	EXPECT_EQ(2 * G + 5, seek(fd, 2 * G + 5, SEEK_HOLE));
	/* read(2) sees zeros and leaves them holes. */
	ASSERT_EQ(sizeof(buf), pread(fd, buf, sizeof(buf), 2 * G));
	EXPECT_EQ(-1, seek(fd, 0, SEEK_DATA));
	/* A write of one byte makes its page data, and only its page. */
	ASSERT_EQ(1, pwrite(fd, "w", 1, 3 * G + 9));
	EXPECT_EQ(3 * G, seek(fd, 0, SEEK_DATA));
	EXPECT_EQ(3 * G + 100, seek(fd, 3 * G + 100, SEEK_DATA));
	EXPECT_EQ(4 * G, seek(fd, 3 * G, SEEK_HOLE));
	EXPECT_EQ(-1, seek(fd, 4 * G, SEEK_DATA));
	/* A read fault and a write fault make theirs data. */
	m = mmap(NULL, 12 * G, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(0, *(volatile char *)(m + 5 * G));
	m[6 * G + 1] = 'm';
	EXPECT_EQ(5 * G, seek(fd, 4 * G, SEEK_DATA));
	EXPECT_EQ(7 * G, seek(fd, 5 * G, SEEK_HOLE));
	munmap(m, 12 * G);
	/* A second preallocation over preallocated pages commits them: data. */
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_KEEP_SIZE, 8 * G, G));
	EXPECT_EQ(8 * G, seek(fd, 7 * G, SEEK_DATA));
	EXPECT_EQ(9 * G, seek(fd, 8 * G, SEEK_HOLE));
	EXPECT_EQ(-1, seek(fd, 9 * G, SEEK_DATA));
	EXPECT_EQ(8 * G / 512, blocks_of(fd));
	/* Preallocation extending the file: the new end is a hole too. */
	ASSERT_EQ(0, fallocate(fd, 0, 12 * G, 2 * G + 10));
	EXPECT_EQ(14 * G + 10, size_of(fd));
	EXPECT_EQ(-1, seek(fd, 9 * G, SEEK_DATA));
	EXPECT_EQ(12 * G, seek(fd, 12 * G, SEEK_HOLE));
	EXPECT_EQ(14 * G + 9, seek(fd, 14 * G + 9, SEEK_HOLE));
	EXPECT_EQ(-1, seek(fd, 14 * G + 10, SEEK_HOLE));
	/* Writing the last page: SEEK_HOLE from there finds the end. */
	ASSERT_EQ(1, pwrite(fd, "e", 1, 14 * G));
	EXPECT_EQ(14 * G + 10, seek(fd, 14 * G, SEEK_HOLE));
	EXPECT_EQ(14 * G, seek(fd, 9 * G, SEEK_DATA));
	close(fd);
}

/*
 * SEEK over ZERO_RANGE (rshmem only; tmpfs has no ZERO_RANGE and refuses it,
 * leaving the file as it was). rshmem keeps the pages allocated and reports
 * them by the rule above: pages that held data (written, or preallocated
 * before and so committed by this second allocation) are zeroed in place and
 * stay data; pages ZERO_RANGE allocates are holes until written, as ext4 and
 * xfs report unwritten extents.
 */
TEST_F(fs, seek_over_zero_range)
{
	const long G = grain(variant);
	static char page[PMD_FOLIO];
	int fd = open(in(self, "f"), O_CREAT | O_RDWR, 0600);
	int r;

	ASSERT_LE(0, fd);
	memset(page, 'a', G);
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(G, pwrite(fd, page, G, i * G));
	ASSERT_EQ(0, ftruncate(fd, 10 * G));
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_KEEP_SIZE, 6 * G, 2 * G));
	/* Data 0-3, holes 4-5, preallocated 6-7, holes 8-9. */
	r = fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, G / 2, 9 * G);
	if (!strcmp(variant->type, "tmpfs")) {
		EXPECT_EQ(-1, r);
		EXPECT_EQ(EOPNOTSUPP, errno);
		EXPECT_EQ(0, seek(fd, 0, SEEK_DATA));
		EXPECT_EQ(4 * G, seek(fd, 0, SEEK_HOLE));
		EXPECT_EQ(-1, seek(fd, 4 * G, SEEK_DATA));
		EXPECT_EQ(6 * G / 512 , blocks_of(fd));
		close(fd);
		return;
	}
	ASSERT_EQ(0, r);
	EXPECT_TRUE(all_zero(fd, G / 2, 9 * G + G / 2));
	/* The pages the range touches (order-0 ones in the last half unit). */
	EXPECT_EQ((9 * G + G / 2 + PAGE - 1) / PAGE * PAGE / 512, blocks_of(fd));
	EXPECT_EQ(0, seek(fd, 0, SEEK_DATA));
	EXPECT_EQ(4 * G, seek(fd, 0, SEEK_HOLE));
	EXPECT_EQ(6 * G, seek(fd, 4 * G, SEEK_DATA));
	EXPECT_EQ(8 * G, seek(fd, 6 * G, SEEK_HOLE));
	EXPECT_EQ(-1, seek(fd, 8 * G, SEEK_DATA));
	close(fd);
}

/*
 * Preallocated pages are not zeroed when fallocate adds them (as on tmpfs): they
 * must still never show what the memory held before. Fill 32 MiB with a pattern
 * and free it, so the page allocator hands those pages out again, then
 * preallocate and look through read(2), a shared and a private mapping, and a
 * write of one byte into a page (the rest of which must read as zeros).
 */
TEST_F(fs, preallocated_pages_never_show_old_memory)
{
	const size_t len = 32 << 20;
	char *m, *p;
	int fd;

	fd = open(in(self, "old"), O_CREAT | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_EQ(0, ftruncate(fd, len));
	ASSERT_NE(MAP_FAILED, m);
	memset(m, 0xa5, len);
	munmap(m, len);
	close(fd);
	ASSERT_EQ(0, unlink(in(self, "old")));

	fd = open(in(self, "new"), O_CREAT | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fallocate(fd, 0, 0, len));
	EXPECT_TRUE(all_zero(fd, 0, len));
	/* One byte written into page 3: the rest of that page is zeros. */
	ASSERT_EQ(1, pwrite(fd, "x", 1, 3 * PAGE + 100));
	EXPECT_TRUE(all_zero(fd, 3 * PAGE, 100));
	EXPECT_TRUE(all_zero(fd, 3 * PAGE + 101, PAGE - 101));
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	ASSERT_NE(MAP_FAILED, p);
	for (size_t i = 0; i < len; i += 64) {
		if (i == 3 * PAGE + 64)
			continue; /* The byte written above. */
		if (*(volatile uint64_t *)(m + i) || *(volatile uint64_t *)(p + i + 8)) {
			EXPECT_EQ(0, i) TH_LOG("non-zero preallocated memory at %zu", i);
			break;
		}
	}
	EXPECT_EQ('x', m[3 * PAGE + 100]);
	munmap(m, len);
	munmap(p, len);
	close(fd);
}

TEST_HARNESS_MAIN
