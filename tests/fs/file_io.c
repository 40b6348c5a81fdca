// SPDX-License-Identifier: GPL-2.0
/*
 * Regular files: read and write through the page cache, holes, files past
 * 4 GiB, SEEK_DATA/SEEK_HOLE, splice, sendfile, copy_file_range, fsync, and
 * the size= and nr_inodes= limits with statfs and remount; on rshmem and tmpfs.
 */
#define _GNU_SOURCE
#include <sys/sendfile.h>
#include <sys/statfs.h>
#include <sys/uio.h>

/* Also on huge=always instances (fs_fixture.h). */
#define FS_FIXTURE_HUGE
#include "fs_fixture.h"

static void fill(char *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)(seed * 31 + i * 7 + (i >> 12));
}

TEST_F(fs, write_then_read_back_at_unaligned_offsets)
{
	static char want[5 * PAGE + 123], got[sizeof(want)];
	int fd = open(in(self, "f"), O_CREAT | O_RDWR, 0600);

	ASSERT_LE(0, fd);
	fill(want, sizeof(want), 1);
	ASSERT_EQ(1000, pwrite(fd, want + 777, 1000, 777));
	ASSERT_EQ(777, pwrite(fd, want, 777, 0));
	ASSERT_EQ(sizeof(want) - 1777, pwrite(fd, want + 1777, sizeof(want) - 1777, 1777));
	ASSERT_EQ(sizeof(got), pread(fd, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(want, got, sizeof(got)));
	/* A read at EOF returns 0, one across it stops at it. */
	EXPECT_EQ(0, pread(fd, got, 10, sizeof(want)));
	EXPECT_EQ(23, pread(fd, got, 100, sizeof(want) - 23));
	/* readv/writev. */
	struct iovec iov[2] = { { want, 10 }, { want + 10, 5000 } };
	ASSERT_EQ(5010, pwritev(fd, iov, 2, 3 * PAGE - 7));
	ASSERT_EQ(5010, pread(fd, got, 5010, 3 * PAGE - 7));
	EXPECT_EQ(0, memcmp(want, got, 5010));
	close(fd);
}

/*
 * The sparse-layout tests below place their data G bytes apart: a page, or on
 * huge=always instances a PMD-size folio, which a write allocates whole (see
 * grain()). Their answers are the same in units of G.
 */
TEST_F(fs, holes_read_as_zeros_without_allocating)
{
	const long G = grain(variant);
	static char buf[3 * PAGE], zero[3 * PAGE];
	struct stat st;
	int fd = open(in(self, "f"), O_CREAT | O_RDWR, 0600);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 100 * G));
	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ(sizeof(buf), pread(fd, buf, sizeof(buf), 50 * G + 5));
	EXPECT_EQ(0, memcmp(buf, zero, sizeof(buf)));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(0, st.st_blocks);
	/* One byte allocates one page (one folio on a huge instance). */
	ASSERT_EQ(1, pwrite(fd, "x", 1, 70 * G + 9));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(G / 512, st.st_blocks);
	ASSERT_EQ(PAGE, pread(fd, buf, PAGE, 70 * G));
	EXPECT_EQ('x', buf[9]);
	EXPECT_EQ(0, buf[8]);
	EXPECT_EQ(0, buf[10]);
	/* On a huge instance, the rest of the new folio reads as zeros too. */
	if (G > PAGE) {
		ASSERT_EQ(PAGE, pread(fd, buf, PAGE, 71 * G - PAGE));
		EXPECT_EQ(0, memcmp(buf, zero, PAGE));
	}
	close(fd);
}

TEST_F(fs, sparse_file_beyond_4gib)
{
	const long G = grain(variant);
	const off_t offs[] = { 0, 4294967296LL - 3, 4294967296LL + 12345, 1LL << 40 };
	off_t units[8];
	long nr_units = 0;
	char buf[16];
	struct stat st;
	int fd = open(in(self, "f"), O_CREAT | O_RDWR, 0600);

	ASSERT_LE(0, fd);
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(6, pwrite(fd, "marker", 6, offs[i]));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ((1LL << 40) + 6, st.st_size);
	/*
	 * The allocation units the writes touched: the write across the 4 GiB
	 * boundary takes two; 4 GiB + 12345 is the same unit as its second one
	 * when G is a folio, the one after when G is a page.
	 */
	for (int i = 0; i < 4; i++)
		for (off_t u = offs[i] / G; u <= (offs[i] + 5) / G; u++) {
			int seen = 0;

			for (long j = 0; j < nr_units; j++)
				seen |= units[j] == u;
			if (!seen)
				units[nr_units++] = u;
		}
	EXPECT_EQ(huge_instance(variant) ? 4 : 5, nr_units);
	EXPECT_EQ(nr_units * G / 512, st.st_blocks);
	for (int i = 0; i < 4; i++) {
		memset(buf, 0, sizeof(buf));
		ASSERT_EQ(6, pread(fd, buf, 6, offs[i]));
		EXPECT_STREQ("marker", buf);
	}
	EXPECT_EQ(1, pread(fd, buf, 1, 3LL << 32));
	EXPECT_EQ(0, buf[0]);
	close(fd);
}

TEST_F(fs, seek_data_and_hole)
{
	const long G = grain(variant);
	/* Data in units 1, 2 and 5 of a file of 8 units (plus a partial 9th). */
	const off_t size = 8 * G + 100;
	const struct {
		off_t from;
		int whence;
		off_t want; /* -1: ENXIO */
	} table[] = {
		{ 0, SEEK_DATA, 1 * G },
		{ 0, SEEK_HOLE, 0 },
		{ 1 * G + 5, SEEK_DATA, 1 * G + 5 },
		{ 1 * G + 5, SEEK_HOLE, 3 * G },
		{ 3 * G, SEEK_DATA, 5 * G },
		{ 4 * G + 1, SEEK_HOLE, 4 * G + 1 },
		{ 5 * G, SEEK_HOLE, 6 * G },
		{ 6 * G, SEEK_DATA, -1 },
		{ 8 * G + 50, SEEK_HOLE, 8 * G + 50 },
		{ size - 1, SEEK_HOLE, size - 1 },
		{ size, SEEK_HOLE, -1 },
		{ size, SEEK_DATA, -1 },
		{ size + G, SEEK_DATA, -1 },
		{ -1, SEEK_DATA, -2 }, /* EINVAL or ENXIO */
	};
	int fd = open(in(self, "f"), O_CREAT | O_RDWR, 0600);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, size));
	ASSERT_EQ(1, pwrite(fd, "a", 1, 1 * G + 10));
	ASSERT_EQ(1, pwrite(fd, "b", 1, 2 * G));
	ASSERT_EQ(1, pwrite(fd, "c", 1, 5 * G + G - 1));
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		off_t r = lseek(fd, table[i].from, table[i].whence);

		if (table[i].want == -1) {
			EXPECT_EQ(-1, r);
			EXPECT_EQ(ENXIO, errno);
		} else if (table[i].want == -2) {
			EXPECT_EQ(-1, r);
			EXPECT_TRUE(errno == ENXIO || errno == EINVAL);
		} else {
			EXPECT_EQ(table[i].want, r) {
				TH_LOG("lseek(%lld, %s)", (long long)table[i].from,
				       table[i].whence == SEEK_DATA ? "SEEK_DATA" : "SEEK_HOLE");
			}
		}
	}
	/* Beyond 4 GiB, in a sparse file. */
	ASSERT_EQ(1, pwrite(fd, "d", 1, 6LL << 30));
	EXPECT_EQ(6LL << 30, lseek(fd, 6 * G, SEEK_DATA));
	/* The file ends one byte after it: the end is the next hole. */
	EXPECT_EQ((6LL << 30) + 1, lseek(fd, 6LL << 30, SEEK_HOLE));
	ASSERT_EQ(0, ftruncate(fd, 7LL << 30));
	EXPECT_EQ((6LL << 30) + G, lseek(fd, 6LL << 30, SEEK_HOLE));
	close(fd);
}

/*
 * SEEK_HOLE from data in unit 0. The exerciser found rshmem answering the
 * offset itself: 6.12's page_cache_next_miss() returns 0 whenever index 0 is
 * present, as its check for wrapping around also fires on the first entry.
 */
TEST_F(fs, seek_hole_from_data_in_page_zero)
{
	const long G = grain(variant);
	int fd = open(in(self, "f"), O_CREAT | O_RDWR, 0600);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 4 * G));
	ASSERT_EQ(1, pwrite(fd, "a", 1, 100));
	EXPECT_EQ(G, lseek(fd, 0, SEEK_HOLE));
	EXPECT_EQ(G, lseek(fd, 1709, SEEK_HOLE));
	EXPECT_EQ(1709, lseek(fd, 1709, SEEK_DATA));
	/* Units 0 to 2 are data: the hole is unit 3. */
	ASSERT_EQ(1, pwrite(fd, "b", 1, 2 * G + 7));
	ASSERT_EQ(1, pwrite(fd, "c", 1, 1 * G + 7));
	EXPECT_EQ(3 * G, lseek(fd, 4093, SEEK_HOLE));
	/* Data to the end: the hole is the end of the file. */
	ASSERT_EQ(1, pwrite(fd, "d", 1, 3 * G + 7));
	EXPECT_EQ(4 * G, lseek(fd, 5, SEEK_HOLE));
	close(fd);
}

TEST_F(fs, splice_sendfile_copy_file_range_fsync)
{
	static char want[3 * PAGE + 17], got[sizeof(want)];
	loff_t in_off = 0, out_off = 0;
	int src, dst, p[2];

	fill(want, sizeof(want), 3);
	ASSERT_EQ(0, write_file(in(self, "src"), want, sizeof(want)));
	src = open(in(self, "src"), O_RDONLY);
	ASSERT_LE(0, src);
	dst = open(in(self, "cfr"), O_CREAT | O_RDWR, 0600);
	ASSERT_LE(0, dst);
	ASSERT_EQ(sizeof(want), copy_file_range(src, &in_off, dst, &out_off, sizeof(want), 0));
	ASSERT_EQ(sizeof(got), pread(dst, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(want, got, sizeof(got)));
	EXPECT_EQ(0, fsync(dst));
	EXPECT_EQ(0, fdatasync(dst));
	close(dst);

	dst = open(in(self, "sendfile"), O_CREAT | O_RDWR, 0600);
	in_off = 0;
	ASSERT_EQ(sizeof(want), sendfile(dst, src, &in_off, sizeof(want)));
	memset(got, 0, sizeof(got));
	ASSERT_EQ(sizeof(got), pread(dst, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(want, got, sizeof(got)));
	close(dst);

	ASSERT_EQ(0, pipe(p));
	dst = open(in(self, "splice"), O_CREAT | O_RDWR, 0600);
	in_off = 100;
	ASSERT_EQ(2000, splice(src, &in_off, p[1], NULL, 2000, 0));
	out_off = 0;
	ASSERT_EQ(2000, splice(p[0], NULL, dst, &out_off, 2000, 0));
	memset(got, 0, sizeof(got));
	ASSERT_EQ(2000, pread(dst, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(want + 100, got, 2000));
	close(dst);
	close(p[0]);
	close(p[1]);
	close(src);
}

/*
 * O_DIRECT, as tmpfs has taken it since 6.6 (shmem_file_open sets
 * FMODE_CAN_ODIRECT): the open and F_SETFL succeed, and direct reads and
 * writes are buffered ones, with no alignment rule: any offset, length and
 * buffer address.
 */
TEST_F(fs, o_direct_is_buffered_io_without_alignment_rules)
{
	static char want[3 * PAGE + 99] __attribute__((aligned(4096)));
	static char got[sizeof(want) + PAGE] __attribute__((aligned(4096)));
	int fd, plain, flags;

	fill(want, sizeof(want), 5);
	fd = open(in(self, "d"), O_CREAT | O_RDWR | O_DIRECT, 0600);
	ASSERT_LE(0, fd) {
		TH_LOG("open(O_DIRECT): %s", strerror(errno));
	}
	flags = fcntl(fd, F_GETFL);
	EXPECT_TRUE(flags & O_DIRECT);
	/* Aligned: a page from a page-aligned buffer at offset 0. */
	ASSERT_EQ(PAGE, pwrite(fd, want, PAGE, 0));
	/* Unaligned offset, length and buffer. */
	ASSERT_EQ(3, pwrite(fd, want + PAGE + 1, 3, PAGE + 1));
	ASSERT_EQ(PAGE - 4, pwrite(fd, want + PAGE + 4, PAGE - 4, PAGE + 4));
	ASSERT_EQ(1, pwrite(fd, want + PAGE, 1, PAGE));
	ASSERT_EQ(PAGE + 99, pwrite(fd, want + 2 * PAGE, PAGE + 99, 2 * PAGE));
	/* An unaligned read, into an unaligned buffer, across EOF. */
	memset(got, 0, sizeof(got));
	EXPECT_EQ(sizeof(want) - 7, pread(fd, got + 1, sizeof(got) - 1, 7));
	EXPECT_EQ(0, memcmp(want + 7, got + 1, sizeof(want) - 7));
	EXPECT_EQ(0, pread(fd, got, PAGE, sizeof(want)));
	/* What went through O_DIRECT is what a plain descriptor sees, and back. */
	plain = open(in(self, "d"), O_RDWR);
	ASSERT_LE(0, plain);
	memset(got, 0, sizeof(got));
	ASSERT_EQ(sizeof(want), pread(plain, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(want, got, sizeof(want)));
	ASSERT_EQ(5, pwrite(plain, "plain", 5, 3));
	ASSERT_EQ(5, pread(fd, got + 3, 5, 3));
	EXPECT_EQ(0, memcmp("plain", got + 3, 5));
	/* F_SETFL turns O_DIRECT on and off. */
	ASSERT_EQ(0, fcntl(plain, F_SETFL, fcntl(plain, F_GETFL) | O_DIRECT));
	EXPECT_TRUE(fcntl(plain, F_GETFL) & O_DIRECT);
	ASSERT_EQ(2, pwrite(plain, "XY", 2, 5000));
	ASSERT_EQ(0, fcntl(plain, F_SETFL, fcntl(plain, F_GETFL) & ~O_DIRECT));
	EXPECT_FALSE(fcntl(plain, F_GETFL) & O_DIRECT);
	/* Appending writes, extending writes past a hole. */
	close(fd);
	fd = open(in(self, "d"), O_WRONLY | O_APPEND | O_DIRECT);
	ASSERT_LE(0, fd);
	ASSERT_EQ(3, write(fd, "end", 3));
	ASSERT_EQ(3, pread(plain, got, 3, sizeof(want)));
	EXPECT_EQ(0, memcmp("end", got, 3));
	close(fd);
	fd = open(in(self, "d"), O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd);
	ASSERT_EQ(2, pwrite(fd, "zz", 2, 10 * PAGE + 3));
	ASSERT_EQ(PAGE, pread(fd, got, PAGE, 8 * PAGE));
	for (int i = 0; i < PAGE; i++)
		ASSERT_EQ(0, got[i]);
	close(fd);
	close(plain);
}

/* O_DIRECT on what is not a regular file, and with O_TMPFILE. */
TEST_F(fs, o_direct_on_other_files)
{
	int fd;

	/* A directory has no FMODE_CAN_ODIRECT, on either. */
	EXPECT_EQ(-1, open(self->dir, O_RDONLY | O_DIRECTORY | O_DIRECT));
	EXPECT_EQ(EINVAL, errno);
	fd = open(self->dir, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, fcntl(fd, F_SETFL, O_DIRECT));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	/* Nor a fifo. */
	ASSERT_EQ(0, mkfifo(in(self, "fifo"), 0600));
	EXPECT_EQ(-1, open(in(self, "fifo"), O_RDWR | O_DIRECT));
	EXPECT_EQ(EINVAL, errno);
	/* An unnamed file opened O_DIRECT. */
	fd = open(self->dir, O_TMPFILE | O_RDWR | O_DIRECT, 0600);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_DIRECT);
	EXPECT_EQ(3, pwrite(fd, "tmp", 3, 1));
	close(fd);
}

/*
 * splice from an O_DIRECT file goes through copy_splice_read on both (the VFS
 * takes it for any O_DIRECT file), writes into one through the buffered path;
 * statx reports no direct I/O alignment on either.
 */
TEST_F(fs, o_direct_splice_and_statx)
{
	static char want[2 * PAGE + 10], got[sizeof(want)];
	loff_t in_off = 100, out_off = 1;
	struct statx stx;
	int src, dst, p[2];

	fill(want, sizeof(want), 6);
	ASSERT_EQ(0, write_file(in(self, "src"), want, sizeof(want)));
	src = open(in(self, "src"), O_RDONLY | O_DIRECT);
	ASSERT_LE(0, src);
	dst = open(in(self, "dst"), O_CREAT | O_RDWR | O_DIRECT, 0600);
	ASSERT_LE(0, dst);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(PAGE + 1, splice(src, &in_off, p[1], NULL, PAGE + 1, 0));
	ASSERT_EQ(PAGE + 1, splice(p[0], NULL, dst, &out_off, PAGE + 1, 0));
	ASSERT_EQ(PAGE + 1, pread(dst, got, PAGE + 1, 1));
	EXPECT_EQ(0, memcmp(want + 100, got, PAGE + 1));
	in_off = 0;
	out_off = 0;
	ASSERT_EQ(sizeof(want), copy_file_range(src, &in_off, dst, &out_off, sizeof(want), 0));
	in_off = 0;
	ASSERT_EQ(0, lseek(dst, 0, SEEK_SET));
	ASSERT_EQ(sizeof(want), sendfile(dst, src, &in_off, sizeof(want)));
	memset(got, 0, sizeof(got));
	ASSERT_EQ(sizeof(want), pread(dst, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(want, got, sizeof(want)));
	ASSERT_EQ(0, statx(dst, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_DIOALIGN, &stx));
	EXPECT_FALSE(stx.stx_mask & STATX_DIOALIGN);
	close(p[0]);
	close(p[1]);
	close(src);
	close(dst);
}

LIMITED_FS_FIXTURE(small, "size=64k,nr_inodes=8")

TEST_F(small, enospc_at_the_size_limit_leaves_the_file_intact)
{
	static char want[20 * PAGE], got[sizeof(want)];
	char path[256];
	struct statfs sfs;
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/f", self->dir);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	fill(want, sizeof(want), 9);
	ASSERT_EQ(0, statfs(self->dir, &sfs));
	EXPECT_EQ(16, sfs.f_blocks);
	EXPECT_EQ(16, sfs.f_bfree);
	EXPECT_EQ(PAGE, sfs.f_bsize);
	/* 20 pages into 16: a short write of the 16 that fit, then ENOSPC. */
	n = write(fd, want, sizeof(want));
	EXPECT_EQ(16 * PAGE, n);
	EXPECT_EQ(-1, write(fd, want, PAGE));
	EXPECT_EQ(ENOSPC, errno);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(16 * PAGE, st.st_size);
	ASSERT_EQ(16 * PAGE, pread(fd, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(want, got, 16 * PAGE));
	ASSERT_EQ(0, statfs(self->dir, &sfs));
	EXPECT_EQ(0, sfs.f_bfree);
	EXPECT_EQ(0, sfs.f_bavail);
	/* Overwriting in place needs no space. */
	EXPECT_EQ(PAGE, pwrite(fd, want, PAGE, 3 * PAGE));
	/* Remount cannot shrink below what is used; freeing makes room again. */
	EXPECT_EQ(-1, mount("none", self->dir, variant->type, MS_REMOUNT, "size=32k"));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ftruncate(fd, 8 * PAGE));
	ASSERT_EQ(0, statfs(self->dir, &sfs));
	EXPECT_EQ(8, sfs.f_bfree);
	EXPECT_EQ(0, mount("none", self->dir, variant->type, MS_REMOUNT, "size=32k"));
	ASSERT_EQ(0, statfs(self->dir, &sfs));
	EXPECT_EQ(8, sfs.f_blocks);
	EXPECT_EQ(0, sfs.f_bfree);
	close(fd);
	ASSERT_EQ(0, unlink(path));
	ASSERT_EQ(0, statfs(self->dir, &sfs));
	EXPECT_EQ(8, sfs.f_bfree);
}

TEST_F(small, nr_inodes_limit)
{
	char path[256];
	struct statfs sfs;
	/*
	 * 7 inodes' worth of space left, 1024 bytes each, but each new file's
	 * LSM label takes some too (tmpfs's accounting): 6 fit with Smack.
	 */
	int fit = 7 * 1024 / (1024 + lsm_label_space());
	int i, fd;

	ASSERT_EQ(0, statfs(self->dir, &sfs));
	EXPECT_EQ(8, sfs.f_files);
	EXPECT_EQ(7, sfs.f_ffree); /* The root directory is one. */
	for (i = 0; i < fit; i++) {
		snprintf(path, sizeof(path), "%s/f%d", self->dir, i);
		fd = open(path, O_CREAT | O_RDWR, 0600);
		ASSERT_LE(0, fd);
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/one-too-many", self->dir);
	EXPECT_EQ(-1, open(path, O_CREAT | O_RDWR, 0600));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(-1, mkdir(path, 0700));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(-1, symlink("x", path));
	EXPECT_EQ(ENOSPC, errno);
	/* A hard link counts as an inode too, as on tmpfs. */
	snprintf(path, sizeof(path), "%s/f0", self->dir);
	char link2[256];
	snprintf(link2, sizeof(link2), "%s/link", self->dir);
	EXPECT_EQ(-1, link(path, link2));
	EXPECT_EQ(ENOSPC, errno);
	ASSERT_EQ(0, statfs(self->dir, &sfs));
	EXPECT_EQ(0, sfs.f_ffree);
	EXPECT_EQ(-1, mount("none", self->dir, variant->type, MS_REMOUNT, "nr_inodes=4"));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, unlink(path));
	ASSERT_EQ(0, statfs(self->dir, &sfs));
	EXPECT_EQ(1, sfs.f_ffree);
}

/*
 * A symlink target of 128 bytes or more takes a page on tmpfs (it lives in the
 * page cache): st_blocks 8, one block of size=, ENOSPC when there is none.
 */
TEST_F(small, long_symlink_takes_a_page)
{
	char target[256], path[256], path2[256];
	struct statfs sfs;
	struct stat st;
	static char buf[16 * 4096];

	memset(target, 'x', sizeof(target));
	target[127] = 0;
	snprintf(path, sizeof(path), "%s/short", self->dir);
	ASSERT_EQ(0, symlink(target, path));
	ASSERT_EQ(0, lstat(path, &st));
	EXPECT_EQ(127, st.st_size);
	EXPECT_EQ(0, st.st_blocks);
	ASSERT_EQ(0, statfs(self->dir, &sfs));
	EXPECT_EQ(16, sfs.f_bfree);
	target[127] = 'x';
	target[128] = 0;
	snprintf(path2, sizeof(path2), "%s/long", self->dir);
	ASSERT_EQ(0, symlink(target, path2));
	ASSERT_EQ(0, lstat(path2, &st));
	EXPECT_EQ(128, st.st_size);
	EXPECT_EQ(8, st.st_blocks);
	ASSERT_EQ(0, statfs(self->dir, &sfs));
	EXPECT_EQ(15, sfs.f_bfree);
	EXPECT_EQ(128, readlink(path2, buf, sizeof(buf)));
	/* Fill the rest: a long target has no room, a short one does. */
	snprintf(path, sizeof(path), "%s/fill", self->dir);
	ASSERT_EQ(0, write_file(path, buf, 15 * 4096));
	snprintf(path, sizeof(path), "%s/long2", self->dir);
	EXPECT_EQ(-1, symlink(target, path));
	EXPECT_EQ(ENOSPC, errno);
	target[10] = 0;
	EXPECT_EQ(0, symlink(target, path));
	/* Unlinked, the long one gives its page back. */
	ASSERT_EQ(0, unlink(path2));
	ASSERT_EQ(0, statfs(self->dir, &sfs));
	EXPECT_EQ(1, sfs.f_bfree);
}

TEST_F(small, statfs_reports_the_type)
{
	struct statfs sfs;

	ASSERT_EQ(0, statfs(self->dir, &sfs));
	EXPECT_EQ(255, sfs.f_namelen);
	if (!strcmp(variant->type, "rshmem")) {
		EXPECT_EQ(0x7273686d, sfs.f_type);
	} else {
		EXPECT_EQ(0x01021994, sfs.f_type);
	}
}

/*
 * File seals are memfd's: tmpfs files have F_SEAL_SEAL from birth, so they can
 * be read but never added to; memfd_fcntl knows no other filesystem's files,
 * so on rshmem both calls are EINVAL (a difference the README lists).
 */
TEST_F(fs, file_seals)
{
	int fd = open(in(self, "f"), O_CREAT | O_RDWR, 0600);

	ASSERT_LE(0, fd);
	if (!strcmp(variant->type, "tmpfs")) {
		EXPECT_EQ(F_SEAL_SEAL, fcntl(fd, F_GET_SEALS));
		EXPECT_EQ(-1, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
		EXPECT_EQ(EPERM, errno);
	} else {
		EXPECT_EQ(-1, fcntl(fd, F_GET_SEALS));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
		EXPECT_EQ(EINVAL, errno);
	}
	close(fd);
}

/*
 * f_fsid comes from the instance's random uuid, as on tmpfs: not 0, the same
 * on every call, and another instance's differs (overlayfs keys layers by it).
 */
TEST_F(fs, statfs_fsid_from_a_random_uuid)
{
	struct statfs a, b, other;
	char dir2[160];

	ASSERT_EQ(0, statfs(self->dir, &a));
	ASSERT_EQ(0, statfs(self->dir, &b));
	EXPECT_TRUE(a.f_fsid.__val[0] || a.f_fsid.__val[1]);
	EXPECT_EQ(0, memcmp(&a.f_fsid, &b.f_fsid, sizeof(a.f_fsid)));
	snprintf(dir2, sizeof(dir2), "%s.2", self->dir);
	ASSERT_EQ(0, mkdir(dir2, 0755));
	ASSERT_EQ(0, mount("none", dir2, variant->type, 0, NULL));
	EXPECT_EQ(0, statfs(dir2, &other));
	EXPECT_NE(0, memcmp(&a.f_fsid, &other.f_fsid, sizeof(a.f_fsid)));
	umount2(dir2, MNT_DETACH);
	rmdir(dir2);
}

TEST_HARNESS_MAIN
