// SPDX-License-Identifier: GPL-2.0
/*
 * Directory listings against tmpfs's (mm/shmem.c with libfs's offset_readdir,
 * in the 6.12 the VM runs): the order of the names, their positions (d_off,
 * telldir), seekdir and lseek on a directory, getdents with small buffers,
 * names created and removed while a listing runs (by the lister and by another
 * process), renames within and across directories, RENAME_EXCHANGE and
 * RENAME_WHITEOUT. Each expected listing is tmpfs's, worked out from its code
 * and checked on its variant here.
 *
 * What tmpfs does: every name gets an offset when it is made, the next one of
 * its directory from 3 up (cyclic, up to 2^31 - 2; a rename over a name keeps
 * that name's offset, a rename to a new name takes a new one, RENAME_EXCHANGE
 * leaves each name its offset). A listing goes through the dcache's list of
 * the directory's children, newest dentry first (a renamed dentry moves to
 * the head of its new directory's list), and each name's position is its
 * offset; the end is 2^31 - 1. A listing resumes at the name with the offset
 * it stopped at, or else the nearest offset below it, and goes on in list
 * order from there; if there is no offset at or below, from the first name.
 *
 * A listing is written here as a string: "name@d_off" for each entry, in
 * order, d_off "E" for the end (2^31 - 1); names of directories, symlinks,
 * fifos and character devices are prefixed "d:", "l:", "p:", "c:".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <linux/fs.h>

/* Also on huge=always instances (fs_fixture.h). */
#define FS_FIXTURE_HUGE
#include "fs_fixture.h"

#define EOD 2147483647LL

struct dirent64_raw {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static char listing_buf[65536];

static void append(char *out, size_t size, const char *fmt, const char *name,
		   long long off)
{
	size_t len = strlen(out);

	if (off == EOD)
		snprintf(out + len, size - len, fmt, name, "E");
	else {
		char num[32];

		snprintf(num, sizeof(num), "%lld", off);
		snprintf(out + len, size - len, fmt, name, num);
	}
}

/*
 * One getdents64 call's entries appended to @out; the d_ino of each (but "..")
 * checked against fstatat's. Returns what getdents64 returned.
 */
static long list_chunk(int fd, size_t bufsize, char *out, size_t size)
{
	static char buf[65536];
	long n = syscall(SYS_getdents64, fd, buf, bufsize);

	for (long p = 0; p < n;) {
		struct dirent64_raw *d = (void *)(buf + p);
		const char *prefix = "";
		char name[300];
		struct stat st;

		switch (d->d_type) {
		case DT_DIR: prefix = "d:"; break;
		case DT_LNK: prefix = "l:"; break;
		case DT_FIFO: prefix = "p:"; break;
		case DT_CHR: prefix = "c:"; break;
		case DT_REG: break;
		default: prefix = "?:"; break;
		}
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			prefix = "";
		snprintf(name, sizeof(name), "%s%s", prefix, d->d_name);
		append(out, size, *out ? " %s@%s" : "%s@%s", name, d->d_off);
		if (strcmp(d->d_name, "..") &&
		    (fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		     st.st_ino != d->d_ino))
			append(out, size, " INO-MISMATCH(%s)%s", d->d_name, 0);
		p += d->d_reclen;
	}
	return n;
}

/* The rest of the listing of @fd, in calls of @bufsize bytes. */
static const char *list_rest(int fd, size_t bufsize)
{
	long n;

	listing_buf[0] = 0;
	while ((n = list_chunk(fd, bufsize, listing_buf, sizeof(listing_buf))) > 0)
		;
	if (n < 0)
		append(listing_buf, sizeof(listing_buf), " ERROR(%s)%s",
		       strerror(errno), 0);
	return listing_buf;
}

/* The listing of directory @path from position @pos, in calls of @bufsize. */
static const char *list_from(const char *path, long long pos, size_t bufsize)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return "OPEN-FAILED";
	if (lseek(fd, pos, SEEK_SET) != pos) {
		close(fd);
		return "LSEEK-FAILED";
	}
	list_rest(fd, bufsize);
	close(fd);
	return listing_buf;
}

/* The whole listing of @name in the instance ("" for its root). */
static const char *L(FIXTURE_DATA(fs) *self, const char *name)
{
	return list_from(*name ? in(self, name) : self->dir, 0, 32768);
}

static int mk(FIXTURE_DATA(fs) *self, const char *name)
{
	int fd = open(in(self, name), O_CREAT | O_EXCL | O_WRONLY, 0644);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int rm(FIXTURE_DATA(fs) *self, const char *name)
{
	return unlink(in(self, name));
}

static int ren(FIXTURE_DATA(fs) *self, const char *a, const char *b,
	       unsigned int flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, in(self, a), AT_FDCWD,
		       in2(self, b), flags);
}

/* Appends @name and a space to @out, if they fit. */
static void add_name(char *out, size_t size, const char *name)
{
	size_t len = strlen(out), n = strlen(name);

	if (len + n + 2 <= size) {
		memcpy(out + len, name, n);
		out[len + n] = ' ';
		out[len + n + 1] = 0;
	}
}

static int lseek_errno(int fd, off_t off, int whence)
{
	errno = 0;
	if (lseek(fd, off, whence) != -1)
		return 0;
	return errno;
}

TEST_F(fs, order_after_creates_unlinks_and_recreates)
{
	char proc[64];
	int fd;

	/* An empty directory: "." and "..", then the end. */
	EXPECT_STREQ(".@1 ..@E", L(self, ""));
	ASSERT_EQ(0, mk(self, "a"));
	ASSERT_EQ(0, mk(self, "b"));
	ASSERT_EQ(0, mk(self, "c"));
	/* Offsets 3, 4, 5; listed newest first. */
	EXPECT_STREQ(".@1 ..@5 c@4 b@3 a@E", L(self, ""));
	/* A name made again is new: a new offset, at the head. */
	ASSERT_EQ(0, rm(self, "b"));
	EXPECT_STREQ(".@1 ..@5 c@3 a@E", L(self, ""));
	ASSERT_EQ(0, mk(self, "b"));
	EXPECT_STREQ(".@1 ..@6 b@5 c@3 a@E", L(self, ""));
	/* Every kind of name takes the next offset; a hard link is a name. */
	ASSERT_EQ(0, rm(self, "a"));
	ASSERT_EQ(0, mkdir(in(self, "d"), 0755));
	ASSERT_EQ(0, symlink("target", in(self, "e")));
	ASSERT_EQ(0, link(in(self, "c"), in2(self, "f")));
	ASSERT_EQ(0, mknod(in(self, "g"), S_IFIFO | 0644, 0));
	EXPECT_STREQ(".@1 ..@10 p:g@9 f@8 l:e@7 d:d@6 b@5 c@E", L(self, ""));
	/* A subdirectory has offsets of its own, from 3. */
	ASSERT_EQ(0, mk(self, "d/x"));
	ASSERT_EQ(0, mk(self, "d/y"));
	EXPECT_STREQ(".@1 ..@4 y@3 x@E", L(self, "d"));
	/* An O_TMPFILE file is no name until it is linked. */
	fd = open(self->dir, O_TMPFILE | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	EXPECT_STREQ(".@1 ..@10 p:g@9 f@8 l:e@7 d:d@6 b@5 c@E", L(self, ""));
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ASSERT_EQ(0, linkat(AT_FDCWD, proc, AT_FDCWD, in(self, "t"),
			    AT_SYMLINK_FOLLOW));
	close(fd);
	EXPECT_STREQ(".@1 ..@11 t@10 p:g@9 f@8 l:e@7 d:d@6 b@5 c@E", L(self, ""));
	/* Removing the names empties the listing again; offsets are not reused. */
	ASSERT_EQ(0, rm(self, "d/x"));
	ASSERT_EQ(0, rm(self, "d/y"));
	EXPECT_STREQ(".@1 ..@E", L(self, "d"));
	ASSERT_EQ(0, rmdir(in(self, "d")));
	ASSERT_EQ(0, mkdir(in(self, "d"), 0755));
	EXPECT_STREQ(".@1 ..@E", L(self, "d"));
	EXPECT_STREQ(".@1 ..@12 d:d@11 t@10 p:g@9 f@8 l:e@6 b@5 c@E",
		     L(self, ""));
}

TEST_F(fs, telldir_and_seekdir)
{
	char name[16], got[256];
	struct dirent *de;
	long pos_f6, pos_f4, pos_start;
	DIR *d;
	int i;

	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		ASSERT_EQ(0, mk(self, name));
	}
	/* f0..f9 have offsets 3..12 and are listed f9 first. */
	d = opendir(self->dir);
	ASSERT_NE(NULL, d);
	pos_start = telldir(d);
	EXPECT_EQ(0, pos_start);
	for (i = 0; i < 5; i++) /* ".", "..", f9, f8, f7 */
		ASSERT_NE(NULL, readdir(d));
	/* telldir is the position of the next name: f6's offset. */
	pos_f6 = telldir(d);
	EXPECT_EQ(9, pos_f6);
	de = readdir(d);
	ASSERT_NE(NULL, de);
	EXPECT_STREQ("f6", de->d_name);
	EXPECT_EQ(8, de->d_off);
	ASSERT_NE(NULL, readdir(d)); /* f5 */
	pos_f4 = telldir(d);
	EXPECT_EQ(7, pos_f4);
	/* Names before and after the saved positions go, new ones come. */
	ASSERT_EQ(0, rm(self, "f9"));
	ASSERT_EQ(0, rm(self, "f8"));
	ASSERT_EQ(0, rm(self, "f3"));
	ASSERT_EQ(0, mk(self, "n1"));
	ASSERT_EQ(0, mk(self, "n2"));
	/* Back to a saved position: the same next name, then the rest. */
	seekdir(d, pos_f6);
	got[0] = 0;
	while ((de = readdir(d)))
		add_name(got, sizeof(got), de->d_name);
	EXPECT_STREQ("f6 f5 f4 f2 f1 f0 ", got);
	/* A saved position whose name is gone: the nearest offset below. */
	ASSERT_EQ(0, rm(self, "f4"));
	seekdir(d, pos_f4);
	de = readdir(d);
	ASSERT_NE(NULL, de);
	EXPECT_STREQ("f2", de->d_name);
	/* The start: everything there is now. */
	seekdir(d, pos_start);
	got[0] = 0;
	while ((de = readdir(d)))
		add_name(got, sizeof(got), de->d_name);
	EXPECT_STREQ(". .. n2 n1 f7 f6 f5 f2 f1 f0 ", got);
	/* At the end, telldir is the end's position. */
	EXPECT_EQ(EOD, telldir(d));
	rewinddir(d);
	de = readdir(d);
	ASSERT_NE(NULL, de);
	EXPECT_STREQ(".", de->d_name);
	closedir(d);
}

TEST_F(fs, getdents_with_small_buffers)
{
	char expected[4096] = ".@1 ..@22", name[16], one[64];
	static const size_t sizes[] = { 24, 40, 47, 48, 72, 100, 512 };
	int fd, i;

	/* Three-letter names: 24-byte records, as "." and ".." have. */
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "n%02d", i);
		ASSERT_EQ(0, mk(self, name));
	}
	for (i = 19; i >= 0; i--) {
		snprintf(one, sizeof(one), " n%02d@", i);
		if (i)
			snprintf(one + strlen(one), sizeof(one) - strlen(one),
				 "%d", i + 2);
		else
			strcat(one, "E");
		strcat(expected, one);
	}
	EXPECT_STREQ(expected, L(self, ""));
	for (i = 0; i < (int)(sizeof(sizes) / sizeof(sizes[0])); i++) {
		EXPECT_STREQ(expected, list_from(self->dir, 0, sizes[i])) {
			TH_LOG("buffer of %zu bytes", sizes[i]);
		}
	}
	/* One record per call with 24 bytes: 22 calls, then the end. */
	fd = open(self->dir, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd);
	listing_buf[0] = 0;
	for (i = 0; i < 22; i++)
		EXPECT_EQ(24, list_chunk(fd, 24, listing_buf, sizeof(listing_buf)));
	EXPECT_EQ(0, list_chunk(fd, 24, listing_buf, sizeof(listing_buf)));
	EXPECT_STREQ(expected, listing_buf);
	/* Too small for one record: EINVAL, and the position stays. */
	ASSERT_EQ(5, lseek(fd, 5, SEEK_SET));
	errno = 0;
	EXPECT_EQ(-1, list_chunk(fd, 23, listing_buf, sizeof(listing_buf)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(5, lseek(fd, 0, SEEK_CUR));
	close(fd);
}

TEST_F(fs, lseek_on_a_directory)
{
	char buf[64];
	int fd;

	for (const char *n = "abcde"; *n; n++) {
		char name[2] = { *n, 0 };

		ASSERT_EQ(0, mk(self, name));
	}
	/* a..e: offsets 3..7, e first. */
	fd = open(self->dir, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EISDIR, errno);
	EXPECT_EQ(5, lseek(fd, 5, SEEK_SET));
	EXPECT_EQ(7, lseek(fd, 2, SEEK_CUR));
	EXPECT_EQ(7, lseek(fd, 0, SEEK_CUR));
	/* No end, data or holes to seek to; nothing negative. */
	EXPECT_EQ(EINVAL, lseek_errno(fd, 0, SEEK_END));
	EXPECT_EQ(EINVAL, lseek_errno(fd, 0, SEEK_DATA));
	EXPECT_EQ(EINVAL, lseek_errno(fd, 0, SEEK_HOLE));
	EXPECT_EQ(EINVAL, lseek_errno(fd, -1, SEEK_SET));
	EXPECT_EQ(EINVAL, lseek_errno(fd, -8, SEEK_CUR));
	EXPECT_EQ(EINVAL, lseek_errno(fd, 0, 5));
	EXPECT_EQ(7, lseek(fd, 0, SEEK_CUR));
	EXPECT_EQ(0, lseek(fd, -7, SEEK_CUR));
	/* Up to LONG_MAX; past it, by SEEK_CUR's overflow, EINVAL. */
	EXPECT_EQ(LLONG_MAX, lseek(fd, LLONG_MAX, SEEK_SET));
	EXPECT_EQ(EINVAL, lseek_errno(fd, 1, SEEK_CUR));
	EXPECT_EQ(LLONG_MAX, lseek(fd, 0, SEEK_CUR));
	/* Where a listing starts from each position. */
	EXPECT_STREQ(".@1 ..@7 e@6 d@5 c@4 b@3 a@E", list_from(self->dir, 0, 4096));
	EXPECT_STREQ("..@7 e@6 d@5 c@4 b@3 a@E", list_from(self->dir, 1, 4096));
	EXPECT_STREQ("e@6 d@5 c@4 b@3 a@E", list_from(self->dir, 2, 4096));
	EXPECT_STREQ("c@4 b@3 a@E", list_from(self->dir, 5, 4096));
	EXPECT_STREQ("a@E", list_from(self->dir, 3, 4096));
	/* Above every offset: from the highest one, e, which is first. */
	EXPECT_STREQ("e@6 d@5 c@4 b@3 a@E", list_from(self->dir, 100, 4096));
	EXPECT_STREQ("", list_from(self->dir, EOD, 4096));
	EXPECT_STREQ("e@6 d@5 c@4 b@3 a@E", list_from(self->dir, EOD + 1, 4096));
	EXPECT_STREQ("e@6 d@5 c@4 b@3 a@E", list_from(self->dir, LLONG_MAX, 4096));
	/* A position whose name is gone: the nearest offset below it. */
	ASSERT_EQ(0, rm(self, "c"));
	EXPECT_STREQ("b@3 a@E", list_from(self->dir, 5, 4096));
	/* Nothing at or below: from the first name again. */
	ASSERT_EQ(0, rm(self, "a"));
	EXPECT_STREQ("e@6 d@4 b@E", list_from(self->dir, 3, 4096));
	/* At the end a listing stays there, new names or not; from 2 it sees them. */
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	EXPECT_STREQ(".@1 ..@7 e@6 d@4 b@E", list_rest(fd, 4096));
	EXPECT_EQ(EOD, lseek(fd, 0, SEEK_CUR));
	ASSERT_EQ(0, mk(self, "f"));
	EXPECT_STREQ("", list_rest(fd, 4096));
	EXPECT_EQ(2, lseek(fd, 2, SEEK_SET));
	EXPECT_STREQ("f@7 e@6 d@4 b@E", list_rest(fd, 4096));
	close(fd);
}

TEST_F(fs, names_made_and_removed_during_a_listing)
{
	int fd;

	for (const char *n = "abcdefghij"; *n; n++) {
		char name[2] = { *n, 0 };

		ASSERT_EQ(0, mk(self, name));
	}
	/* a..j: offsets 3..12. Three one-letter records fit in 72 bytes. */
	fd = open(self->dir, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd);
	listing_buf[0] = 0;
	ASSERT_EQ(72, list_chunk(fd, 72, listing_buf, sizeof(listing_buf)));
	EXPECT_STREQ(".@1 ..@12 j@11", listing_buf);
	/* The next name to list (i) goes, one not reached yet (a) goes, k comes. */
	ASSERT_EQ(0, mk(self, "k"));
	ASSERT_EQ(0, rm(self, "i"));
	ASSERT_EQ(0, rm(self, "a"));
	EXPECT_STREQ("h@9 g@8 f@7 e@6 d@5 c@4 b@E", list_rest(fd, 72));
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	EXPECT_STREQ(".@1 ..@13 k@12 j@10 h@9 g@8 f@7 e@6 d@5 c@4 b@E",
		     list_rest(fd, 72));
	close(fd);
}

/* rm -r's way: unlink each chunk's names before asking for the next chunk. */
TEST_F(fs, unlinking_each_name_as_it_is_listed)
{
	static char buf[256];
	static char seen[500];
	char name[16];
	int fd, i, listed = 0;
	long n;

	for (i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "u%03d", i);
		ASSERT_EQ(0, mk(self, name));
	}
	fd = open(self->dir, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd);
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long p = 0; p < n;) {
			struct dirent64_raw *d = (void *)(buf + p);

			p += d->d_reclen;
			if (d->d_name[0] == '.')
				continue;
			i = atoi(d->d_name + 1);
			ASSERT_TRUE(i >= 0 && i < 500);
			EXPECT_EQ(0, seen[i]++) {
				TH_LOG("%s listed twice", d->d_name);
			}
			listed++;
			EXPECT_EQ(0, rm(self, d->d_name));
		}
	}
	EXPECT_EQ(0, n);
	EXPECT_EQ(500, listed);
	close(fd);
	EXPECT_STREQ(".@1 ..@E", L(self, ""));
}

/*
 * Another process makes and removes names while this one lists the directory
 * in small chunks, again and again: each name that exists throughout is listed
 * exactly once in every listing, and no name is listed twice. At least
 * LISTINGS listings, and until the other process has made OPS names (or a
 * minute has gone).
 */
TEST_F_TIMEOUT(fs, listing_while_another_process_makes_and_removes_names, 240)
{
	enum { STABLE = 300, LISTINGS = 60, OPS = 500 };
	time_t start = time(NULL);
	static char buf[200];
	volatile long *shared;
	char name[32];
	int i, listing, status, with_transients = 0;
	pid_t pid;

	for (i = 0; i < STABLE; i++) {
		snprintf(name, sizeof(name), "s%03d", i);
		ASSERT_EQ(0, mk(self, name));
	}
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	shared[0] = 0; /* stop */
	shared[1] = 0; /* operations done */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Up to 16 names alive at a time, each made and then removed. */
		for (long k = 0; !shared[0]; k++) {
			snprintf(name, sizeof(name), "t%ld", k);
			if (mk(self, name))
				_exit(1);
			if (k >= 16) {
				snprintf(name, sizeof(name), "t%ld", k - 16);
				if (rm(self, name))
					_exit(2);
			}
			shared[1] = k + 1;
		}
		_exit(0);
	}
	for (listing = 0; listing < LISTINGS ||
			  (shared[1] < OPS && time(NULL) - start < 60);
	     listing++) {
		static char seen_stable[STABLE];
		/* Transient names: made at most once each, by number. */
		static unsigned char seen_t[1 << 20];
		long n, t_max = 0;
		int fd = open(self->dir, O_RDONLY | O_DIRECTORY);

		ASSERT_LE(0, fd);
		memset(seen_stable, 0, sizeof(seen_stable));
		while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
			for (long p = 0; p < n;) {
				struct dirent64_raw *d = (void *)(buf + p);
				long k = atol(d->d_name + 1);

				p += d->d_reclen;
				if (d->d_name[0] == 's') {
					ASSERT_TRUE(k >= 0 && k < STABLE);
					EXPECT_EQ(0, seen_stable[k]++) {
						TH_LOG("listing %d: %s twice",
						       listing, d->d_name);
					}
				} else if (d->d_name[0] == 't') {
					ASSERT_TRUE(k >= 0 && k < (1 << 20));
					EXPECT_EQ(0, seen_t[k]++) {
						TH_LOG("listing %d: %s twice",
						       listing, d->d_name);
					}
					if (k + 1 > t_max)
						t_max = k + 1;
				}
			}
			sched_yield();
		}
		EXPECT_EQ(0, n);
		close(fd);
		for (i = 0; i < STABLE; i++) {
			int times = seen_stable[i];

			EXPECT_EQ(1, times) {
				TH_LOG("listing %d: s%03d listed %d times",
				       listing, i, times);
			}
		}
		if (t_max)
			with_transients++;
		memset(seen_t, 0, t_max);
	}
	shared[0] = 1;
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The other process did its work meanwhile, while listings ran. */
	EXPECT_LE(OPS, shared[1]);
	EXPECT_LE(listing / 2, with_transients);
	TH_LOG("%s: %ld names made and removed during %d listings, %d of which listed some",
	       variant->type, shared[1], listing, with_transients);
	munmap((void *)shared, 4096);
}

TEST_F(fs, renames_within_and_across_directories)
{
	struct stat q, st;

	ASSERT_EQ(0, mkdir(in(self, "x"), 0755));
	ASSERT_EQ(0, mkdir(in(self, "y"), 0755));
	ASSERT_EQ(0, mk(self, "x/a"));
	ASSERT_EQ(0, mk(self, "x/b"));
	ASSERT_EQ(0, mk(self, "x/c"));
	ASSERT_EQ(0, mk(self, "y/p"));
	ASSERT_EQ(0, mk(self, "y/q"));
	EXPECT_STREQ(".@1 ..@5 c@4 b@3 a@E", L(self, "x"));
	EXPECT_STREQ(".@1 ..@4 q@3 p@E", L(self, "y"));
	/* To a new name: a new offset, at the head. */
	ASSERT_EQ(0, ren(self, "x/a", "x/d", 0));
	EXPECT_STREQ(".@1 ..@6 d@5 c@4 b@E", L(self, "x"));
	/* Over a name: that name's offset, at the head. */
	ASSERT_EQ(0, ren(self, "x/b", "x/c", 0));
	EXPECT_STREQ(".@1 ..@5 c@6 d@E", L(self, "x"));
	/* To a new name in another directory: a new offset there. */
	ASSERT_EQ(0, ren(self, "x/d", "y/r", 0));
	EXPECT_STREQ(".@1 ..@5 c@E", L(self, "x"));
	EXPECT_STREQ(".@1 ..@5 r@4 q@3 p@E", L(self, "y"));
	/* Over a name in another directory: its offset. */
	ASSERT_EQ(0, stat(in(self, "y/q"), &q));
	ASSERT_EQ(0, ren(self, "y/q", "x/c", 0));
	ASSERT_EQ(0, stat(in(self, "x/c"), &st));
	EXPECT_EQ(q.st_ino, st.st_ino);
	EXPECT_STREQ(".@1 ..@5 c@E", L(self, "x"));
	EXPECT_STREQ(".@1 ..@5 r@3 p@E", L(self, "y"));
	/* RENAME_NOREPLACE onto a name: EEXIST, and nothing moves. */
	EXPECT_EQ(-1, ren(self, "y/r", "y/p", RENAME_NOREPLACE));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_STREQ(".@1 ..@5 r@3 p@E", L(self, "y"));
	/*
	 * Offsets go on from where the directory's last one was (x gave out 6),
	 * not from the lowest free one.
	 */
	ASSERT_EQ(0, mk(self, "x/g"));
	EXPECT_STREQ(".@1 ..@7 g@5 c@E", L(self, "x"));
	/*
	 * RENAME_EXCHANGE across directories: each name keeps its offset, and
	 * both dentries move to the heads of their new directories.
	 */
	ASSERT_EQ(0, ren(self, "x/c", "y/p", RENAME_EXCHANGE));
	ASSERT_EQ(0, stat(in(self, "y/p"), &st));
	EXPECT_EQ(q.st_ino, st.st_ino);
	EXPECT_STREQ(".@1 ..@5 c@7 g@E", L(self, "x"));
	EXPECT_STREQ(".@1 ..@3 p@5 r@E", L(self, "y"));
	/* Within a directory: the old name's dentry ends up first. */
	ASSERT_EQ(0, mk(self, "x/h"));
	EXPECT_STREQ(".@1 ..@8 h@5 c@7 g@E", L(self, "x"));
	ASSERT_EQ(0, ren(self, "x/g", "x/c", RENAME_EXCHANGE));
	EXPECT_STREQ(".@1 ..@5 c@7 g@8 h@E", L(self, "x"));
	/*
	 * RENAME_WHITEOUT: the new name's offset is taken first, then the
	 * whiteout's, made at the old name.
	 */
	ASSERT_EQ(0, ren(self, "y/r", "y/s", RENAME_WHITEOUT));
	EXPECT_STREQ(".@1 ..@6 s@7 c:r@3 p@E", L(self, "y"));
	/* A directory moved into another. */
	ASSERT_EQ(0, ren(self, "x", "y/z", 0));
	EXPECT_STREQ(".@1 ..@4 d:y@E", L(self, ""));
	EXPECT_STREQ(".@1 ..@8 d:z@6 s@7 c:r@3 p@E", L(self, "y"));
	EXPECT_STREQ(".@1 ..@5 c@7 g@8 h@E", L(self, "y/z"));
}

TEST_HARNESS_MAIN
