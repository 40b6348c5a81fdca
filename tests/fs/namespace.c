// SPDX-License-Identifier: GPL-2.0
/*
 * Names: create, mkdir, rmdir, unlink, link, symlink, mknod, rename (with
 * RENAME_NOREPLACE and RENAME_EXCHANGE), O_TMPFILE, readdir, and attribute
 * changes with their permission checks, with their error paths; on rshmem and
 * on tmpfs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <time.h>
#include <sys/statfs.h>
#include <linux/fs.h>
#include <sys/syscall.h>

/* Also on huge=always instances (fs_fixture.h). */
#define FS_FIXTURE_HUGE
#include "fs_fixture.h"

static int do_rename2(const char *a, const char *b, unsigned int flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

static struct timespec mtime_of(const char *path)
{
	struct stat st;

	stat(path, &st);
	return st.st_mtim;
}

static int ts_after(struct timespec a, struct timespec b)
{
	return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

TEST_F(fs, create_and_unlink)
{
	struct stat st;
	struct timespec t0 = mtime_of(self->dir);
	int fd;

	usleep(20000); /* Past a jiffy: timestamps are coarse. */
	fd = open(in(self, "f"), O_CREAT | O_EXCL | O_RDWR, 0640);
	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_TRUE(ts_after(mtime_of(self->dir), t0));
	ASSERT_EQ(0, stat(in(self, "f"), &st));
	EXPECT_EQ(S_IFREG | 0640, st.st_mode);
	EXPECT_EQ(1, st.st_nlink);
	EXPECT_EQ(0, st.st_size);
	EXPECT_EQ(0, st.st_blocks);
	/* A huge=always instance prefers I/O in PMD-size folios (shmem_getattr). */
	EXPECT_EQ(huge_instance(variant) ? PMD_FOLIO : 4096, st.st_blksize);
	EXPECT_EQ(-1, open(in(self, "f"), O_CREAT | O_EXCL | O_RDWR, 0640));
	EXPECT_EQ(EEXIST, errno);
	ASSERT_EQ(0, unlink(in(self, "f")));
	EXPECT_EQ(-1, unlink(in(self, "f")));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, open(in(self, "nodir/f"), O_CREAT | O_RDWR, 0640));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(fs, mkdir_rmdir_and_link_counts)
{
	struct stat st, root;

	ASSERT_EQ(0, stat(self->dir, &root));
	ASSERT_EQ(0, mkdir(in(self, "d"), 0750));
	ASSERT_EQ(0, stat(in(self, "d"), &st));
	EXPECT_EQ(S_IFDIR | 0750, st.st_mode);
	EXPECT_EQ(2, st.st_nlink);
	EXPECT_EQ(40, st.st_size);
	ASSERT_EQ(0, stat(self->dir, &st));
	EXPECT_EQ(root.st_nlink + 1, st.st_nlink);
	EXPECT_EQ(root.st_size + 20, st.st_size);
	ASSERT_EQ(0, mkdir(in(self, "d/e"), 0700));
	ASSERT_EQ(0, stat(in(self, "d"), &st));
	EXPECT_EQ(3, st.st_nlink);
	EXPECT_EQ(-1, mkdir(in(self, "d"), 0700));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, rmdir(in(self, "d")));
	EXPECT_EQ(ENOTEMPTY, errno);
	ASSERT_EQ(0, write_file(in(self, "f"), "x", 1));
	EXPECT_EQ(-1, rmdir(in(self, "f")));
	EXPECT_EQ(ENOTDIR, errno);
	EXPECT_EQ(-1, unlink(in(self, "d")));
	EXPECT_EQ(EISDIR, errno);
	EXPECT_EQ(-1, mkdir(in(self, "f/x"), 0700));
	EXPECT_EQ(ENOTDIR, errno);
	ASSERT_EQ(0, rmdir(in(self, "d/e")));
	ASSERT_EQ(0, rmdir(in(self, "d")));
	ASSERT_EQ(0, stat(self->dir, &st));
	EXPECT_EQ(root.st_nlink, st.st_nlink);
	EXPECT_EQ(root.st_size + 20, st.st_size); /* "f" */
}

TEST_F(fs, name_too_long)
{
	char name[300];

	memset(name, 'n', 256);
	name[256] = 0;
	EXPECT_EQ(-1, open(in(self, name), O_CREAT | O_RDWR, 0600));
	EXPECT_EQ(ENAMETOOLONG, errno);
	name[255] = 0;
	int fd = open(in(self, name), O_CREAT | O_RDWR, 0600);
	EXPECT_LE(0, fd);
	close(fd);
}

TEST_F(fs, hard_links)
{
	struct stat st;
	char buf[8] = {};
	int fd;

	ASSERT_EQ(0, write_file(in(self, "a"), "data", 4));
	ASSERT_EQ(0, link(in(self, "a"), in2(self, "b")));
	ASSERT_EQ(0, stat(in(self, "a"), &st));
	EXPECT_EQ(2, st.st_nlink);
	EXPECT_EQ(-1, link(in(self, "a"), in2(self, "b")));
	EXPECT_EQ(EEXIST, errno);
	ASSERT_EQ(0, mkdir(in(self, "d"), 0700));
	EXPECT_EQ(-1, link(in(self, "d"), in2(self, "d2")));
	EXPECT_EQ(EPERM, errno);
	ASSERT_EQ(0, unlink(in(self, "a")));
	fd = open(in(self, "b"), O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(4, read(fd, buf, sizeof(buf)));
	EXPECT_STREQ("data", buf);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(1, st.st_nlink);
	close(fd);
}

TEST_F(fs, symlinks)
{
	char buf[PATH_MAX + 1], target[5000];
	struct stat st;

	ASSERT_EQ(0, write_file(in(self, "t"), "x", 1));
	ASSERT_EQ(0, symlink("t", in(self, "l")));
	ASSERT_EQ(0, lstat(in(self, "l"), &st));
	EXPECT_TRUE(S_ISLNK(st.st_mode));
	EXPECT_EQ(0777, st.st_mode & 07777);
	EXPECT_EQ(1, st.st_size);
	EXPECT_EQ(1, readlink(in(self, "l"), buf, sizeof(buf)));
	ASSERT_EQ(0, stat(in(self, "l"), &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	/* The longest target a symlink can hold, and one byte more. */
	memset(target, 'a', sizeof(target));
	target[4095] = 0;
	ASSERT_EQ(0, symlink(target, in(self, "long")));
	EXPECT_EQ(4095, readlink(in(self, "long"), buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, target, 4095));
	target[4095] = 'a';
	target[4096] = 0;
	EXPECT_EQ(-1, symlink(target, in(self, "toolong")));
	EXPECT_EQ(ENAMETOOLONG, errno);
	EXPECT_EQ(-1, symlink("t", in(self, "l")));
	EXPECT_EQ(EEXIST, errno);
}

TEST_F(fs, mknod_special_files)
{
	struct stat st;

	ASSERT_EQ(0, mknod(in(self, "fifo"), S_IFIFO | 0600, 0));
	ASSERT_EQ(0, stat(in(self, "fifo"), &st));
	EXPECT_TRUE(S_ISFIFO(st.st_mode));
	ASSERT_EQ(0, mknod(in(self, "sock"), S_IFSOCK | 0600, 0));
	ASSERT_EQ(0, stat(in(self, "sock"), &st));
	EXPECT_TRUE(S_ISSOCK(st.st_mode));
	ASSERT_EQ(0, mknod(in(self, "chr"), S_IFCHR | 0600, makedev(1, 3)));
	ASSERT_EQ(0, stat(in(self, "chr"), &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(makedev(1, 3), st.st_rdev);
	ASSERT_EQ(0, mknod(in(self, "blk"), S_IFBLK | 0600, makedev(7, 0)));
	ASSERT_EQ(0, stat(in(self, "blk"), &st));
	EXPECT_TRUE(S_ISBLK(st.st_mode));
	ASSERT_EQ(0, mknod(in(self, "reg"), S_IFREG | 0600, 0));
	ASSERT_EQ(0, stat(in(self, "reg"), &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	/* /dev/null through a device node on the filesystem. */
	int fd = open(in(self, "chr"), O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(3, write(fd, "abc", 3));
	close(fd);
}

TEST_F(fs, rename_plain_noreplace_exchange)
{
	char buf[8] = {};
	struct stat st;
	int fd;

	ASSERT_EQ(0, write_file(in(self, "a"), "A", 1));
	ASSERT_EQ(0, write_file(in(self, "b"), "B", 1));
	EXPECT_EQ(-1, do_rename2(in(self, "a"), in2(self, "b"), RENAME_NOREPLACE));
	EXPECT_EQ(EEXIST, errno);
	ASSERT_EQ(0, do_rename2(in(self, "a"), in2(self, "b"), RENAME_EXCHANGE));
	fd = open(in(self, "b"), O_RDONLY);
	ASSERT_EQ(1, read(fd, buf, 1));
	close(fd);
	EXPECT_STREQ("A", buf);
	ASSERT_EQ(0, rename(in(self, "b"), in2(self, "a")));
	EXPECT_EQ(-1, stat(in(self, "b"), &st));
	fd = open(in(self, "a"), O_RDONLY);
	ASSERT_EQ(1, read(fd, buf, 1));
	close(fd);
	EXPECT_STREQ("A", buf);
	EXPECT_EQ(-1, do_rename2(in(self, "missing"), in2(self, "c"), RENAME_EXCHANGE));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, do_rename2(in(self, "a"), in2(self, "c"), RENAME_NOREPLACE));
}

TEST_F(fs, rename_directories)
{
	struct stat st, root;

	ASSERT_EQ(0, mkdir(in(self, "d1"), 0700));
	ASSERT_EQ(0, mkdir(in(self, "d2"), 0700));
	ASSERT_EQ(0, mkdir(in(self, "d1/sub"), 0700));
	ASSERT_EQ(0, stat(self->dir, &root));
	/* Into its own subtree. */
	EXPECT_EQ(-1, rename(in(self, "d1"), in2(self, "d1/sub/x")));
	EXPECT_EQ(EINVAL, errno);
	/* Onto a non-empty directory. */
	ASSERT_EQ(0, mkdir(in(self, "d2/x"), 0700));
	EXPECT_EQ(-1, rename(in(self, "d1"), in2(self, "d2")));
	EXPECT_TRUE(errno == ENOTEMPTY || errno == EEXIST);
	ASSERT_EQ(0, rmdir(in(self, "d2/x")));
	/* Onto an empty one: it replaces it. */
	ASSERT_EQ(0, rename(in(self, "d1"), in2(self, "d2")));
	ASSERT_EQ(0, stat(self->dir, &st));
	EXPECT_EQ(root.st_nlink - 1, st.st_nlink);
	ASSERT_EQ(0, stat(in(self, "d2/sub"), &st));
	/* A directory into another: link counts follow. */
	ASSERT_EQ(0, mkdir(in(self, "d3"), 0700));
	ASSERT_EQ(0, rename(in(self, "d2/sub"), in2(self, "d3/sub")));
	ASSERT_EQ(0, stat(in(self, "d2"), &st));
	EXPECT_EQ(2, st.st_nlink);
	ASSERT_EQ(0, stat(in(self, "d3"), &st));
	EXPECT_EQ(3, st.st_nlink);
	/* A file onto a directory and back. */
	ASSERT_EQ(0, write_file(in(self, "f"), "x", 1));
	EXPECT_EQ(-1, rename(in(self, "f"), in2(self, "d2")));
	EXPECT_EQ(EISDIR, errno);
	EXPECT_EQ(-1, rename(in(self, "d2"), in2(self, "f")));
	EXPECT_EQ(ENOTDIR, errno);
	/* Exchange a file and a directory. */
	ASSERT_EQ(0, do_rename2(in(self, "f"), in2(self, "d2"), RENAME_EXCHANGE));
	ASSERT_EQ(0, stat(in(self, "f"), &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
}

/* Free inodes of the instance, from statfs. */
static long long free_inodes(const char *dir)
{
	struct statfs sfs;

	return statfs(dir, &sfs) ? -1 : (long long)sfs.f_ffree;
}

/* Whether @path is a whiteout: a character device 0/0 with mode bits 0. */
static int is_whiteout(const char *path, uid_t uid)
{
	struct stat st;

	return !lstat(path, &st) && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0) &&
	       (st.st_mode & 07777) == 0 && st.st_uid == uid && st.st_nlink == 1 &&
	       st.st_size == 0 && st.st_blocks == 0;
}

/* As the user: a rename with a whiteout in a directory of theirs. */
static int user_whiteout(void *p)
{
	char a[600], b[600];
	int fd;

	snprintf(a, sizeof(a), "%s/a", (const char *)p);
	snprintf(b, sizeof(b), "%s/b", (const char *)p);
	fd = open(a, O_CREAT | O_WRONLY, 0600);
	if (fd < 0)
		return 1;
	close(fd);
	if (do_rename2(a, b, RENAME_WHITEOUT))
		return 10 + errno;
	return is_whiteout(a, 1000) ? 0 : 3;
}

/*
 * RENAME_WHITEOUT, as shmem_rename2 does it (overlayfs's whiteouts): the old
 * name becomes a character device 0/0, an inode counted against nr_inodes,
 * owned by the caller; the refusals and errnos of tmpfs.
 */
TEST_F(fs, rename_whiteout)
{
	struct stat st, dir0;
	long long free0;
	char buf[4] = {};
	int fd;

	ASSERT_EQ(0, write_file(in(self, "a"), "A", 1));
	ASSERT_EQ(0, stat(self->dir, &dir0));
	free0 = free_inodes(self->dir);
	/* A plain rename with a whiteout. */
	ASSERT_EQ(0, do_rename2(in(self, "a"), in2(self, "b"), RENAME_WHITEOUT));
	EXPECT_TRUE(is_whiteout(in(self, "a"), 0));
	fd = open(in(self, "b"), O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, read(fd, buf, 1));
	EXPECT_STREQ("A", buf);
	close(fd);
	EXPECT_EQ(free0 - 1, free_inodes(self->dir));
	ASSERT_EQ(0, stat(self->dir, &st));
	EXPECT_EQ(dir0.st_size + 20, st.st_size);
	EXPECT_EQ(dir0.st_nlink, st.st_nlink);
	/* Onto an existing file: it goes, the whiteout comes. */
	ASSERT_EQ(0, write_file(in(self, "c"), "C", 1));
	free0 = free_inodes(self->dir);
	EXPECT_EQ(-1, do_rename2(in(self, "c"), in2(self, "b"),
				 RENAME_WHITEOUT | RENAME_NOREPLACE));
	EXPECT_EQ(EEXIST, errno);
	ASSERT_EQ(0, do_rename2(in(self, "c"), in2(self, "b"), RENAME_WHITEOUT));
	EXPECT_TRUE(is_whiteout(in(self, "c"), 0));
	EXPECT_EQ(free0, free_inodes(self->dir));
	/* A whiteout over a whiteout's name is just a rename of a character device. */
	ASSERT_EQ(0, do_rename2(in(self, "c"), in2(self, "a"), RENAME_WHITEOUT));
	EXPECT_TRUE(is_whiteout(in(self, "c"), 0));
	EXPECT_TRUE(is_whiteout(in(self, "a"), 0));
	/* Not with RENAME_EXCHANGE; onto itself, nothing happens. */
	EXPECT_EQ(-1, do_rename2(in(self, "b"), in2(self, "a"),
				 RENAME_WHITEOUT | RENAME_EXCHANGE));
	EXPECT_EQ(EINVAL, errno);
	free0 = free_inodes(self->dir);
	EXPECT_EQ(0, do_rename2(in(self, "b"), in2(self, "b"), RENAME_WHITEOUT));
	EXPECT_EQ(free0, free_inodes(self->dir));
	ASSERT_EQ(0, stat(in(self, "b"), &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(-1, do_rename2(in(self, "missing"), in2(self, "x"), RENAME_WHITEOUT));
	EXPECT_EQ(ENOENT, errno);
	/* A directory, into another directory: link counts as for a plain rename. */
	ASSERT_EQ(0, mkdir(in(self, "d"), 0700));
	ASSERT_EQ(0, mkdir(in(self, "e"), 0700));
	ASSERT_EQ(0, mkdir(in(self, "d/sub"), 0700));
	ASSERT_EQ(0, do_rename2(in(self, "d/sub"), in2(self, "e/sub"), RENAME_WHITEOUT));
	EXPECT_TRUE(is_whiteout(in(self, "d/sub"), 0));
	ASSERT_EQ(0, stat(in(self, "d"), &st));
	EXPECT_EQ(2, st.st_nlink);
	EXPECT_EQ(40 + 20, st.st_size);
	ASSERT_EQ(0, stat(in(self, "e"), &st));
	EXPECT_EQ(3, st.st_nlink);
	/* A directory holding a whiteout is not empty. */
	EXPECT_EQ(-1, rmdir(in(self, "d")));
	EXPECT_EQ(ENOTEMPTY, errno);
	/* A whiteout goes like any file, and gives its inode back. */
	free0 = free_inodes(self->dir);
	ASSERT_EQ(0, unlink(in(self, "d/sub")));
	EXPECT_EQ(free0 + 1, free_inodes(self->dir));
	ASSERT_EQ(0, rmdir(in(self, "d")));
	/* A user may make one, in a directory of theirs. */
	ASSERT_EQ(0, mkdir(in(self, "u"), 0755));
	ASSERT_EQ(0, chown(in(self, "u"), 1000, 1000));
	ASSERT_EQ(0, chmod(self->dir, 0755));
	EXPECT_EQ(0, as_user(user_whiteout, (void *)in2(self, "u")));
}

/*
 * At the nr_inodes limit the whiteout cannot be made: the rename fails with
 * ENOSPC and changes nothing, even when it would replace a file.
 */
TEST_F(fs, rename_whiteout_at_the_inode_limit)
{
	struct statfs sfs;
	struct stat st;
	char opts[64];

	ASSERT_EQ(0, write_file(in(self, "a"), "A", 1));
	ASSERT_EQ(0, write_file(in(self, "b"), "B", 1));
	ASSERT_EQ(0, statfs(self->dir, &sfs));
	snprintf(opts, sizeof(opts), "nr_inodes=%llu",
		 (unsigned long long)(sfs.f_files - sfs.f_ffree));
	ASSERT_EQ(0, mount("none", self->dir, variant->type, MS_REMOUNT, opts));
	EXPECT_EQ(0, free_inodes(self->dir));
	EXPECT_EQ(-1, do_rename2(in(self, "a"), in2(self, "c"), RENAME_WHITEOUT));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(-1, do_rename2(in(self, "a"), in2(self, "b"), RENAME_WHITEOUT));
	EXPECT_EQ(ENOSPC, errno);
	ASSERT_EQ(0, stat(in(self, "a"), &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	ASSERT_EQ(0, stat(in(self, "b"), &st));
	EXPECT_EQ(1, st.st_size);
	EXPECT_EQ(-1, stat(in(self, "c"), &st));
	/* A plain rename still works. */
	ASSERT_EQ(0, rename(in(self, "a"), in2(self, "c")));
	EXPECT_EQ(0, free_inodes(self->dir));
}

TEST_F(fs, o_tmpfile)
{
	char proc[64], buf[4] = {};
	struct stat st;
	int fd = open(self->dir, O_TMPFILE | O_RDWR, 0600);

	ASSERT_LE(0, fd) {
		TH_LOG("O_TMPFILE: %s", strerror(errno));
	}
	ASSERT_EQ(3, write(fd, "tmp", 3));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(0, st.st_nlink);
	EXPECT_TRUE(S_ISREG(st.st_mode));
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ASSERT_EQ(0, linkat(AT_FDCWD, proc, AT_FDCWD, in(self, "named"), AT_SYMLINK_FOLLOW));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(1, st.st_nlink);
	close(fd);
	fd = open(in(self, "named"), O_RDONLY);
	ASSERT_EQ(3, read(fd, buf, 3));
	EXPECT_STREQ("tmp", buf);
	close(fd);
}

static int readdir_count(const char *dir, int *dups)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	static char seen[20000];
	int n = 0;

	memset(seen, 0, sizeof(seen));
	*dups = 0;
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		int i;

		if (de->d_name[0] == '.')
			continue;
		i = atoi(de->d_name + 1);
		if (i < 0 || i >= 20000)
			continue;
		if (seen[i]++)
			(*dups)++;
		n++;
	}
	closedir(d);
	return n;
}

/* Creating 10,000 files takes tens of seconds under TCG with KASAN. */
TEST_F_TIMEOUT(fs, readdir_of_10000_entries_complete_without_duplicates, 300)
{
	char name[32];
	int dups, i;

	for (i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		int fd = open(in(self, name), O_CREAT | O_WRONLY, 0600);

		ASSERT_LE(0, fd);
		close(fd);
	}
	EXPECT_EQ(10000, readdir_count(self->dir, &dups));
	EXPECT_EQ(0, dups);
	/* Remove every other entry: the rest are still all listed, once. */
	for (i = 0; i < 10000; i += 2) {
		snprintf(name, sizeof(name), "f%d", i);
		ASSERT_EQ(0, unlink(in(self, name)));
	}
	EXPECT_EQ(5000, readdir_count(self->dir, &dups));
	EXPECT_EQ(0, dups);
}

struct access_args {
	const char *dir;
	const char *file;
};

static int user_tries(void *p)
{
	struct access_args *a = p;
	char path[600];
	int fd;

	/* A root-owned 0755 directory: no creating in it. */
	snprintf(path, sizeof(path), "%s/new", a->dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	if (fd >= 0 || errno != EACCES)
		return 1;
	if (mkdir(path, 0700) == 0 || errno != EACCES)
		return 2;
	/* A root-owned 0600 file: no reading it, no chmod or chown. */
	if (open(a->file, O_RDONLY) >= 0 || errno != EACCES)
		return 3;
	if (chmod(a->file, 0777) == 0 || errno != EPERM)
		return 4;
	if (chown(a->file, 1000, 1000) == 0 || errno != EPERM)
		return 5;
	if (utimes(a->file, NULL) == 0 || errno != EACCES)
		return 6;
	if (unlink(a->file) == 0 || errno != EACCES)
		return 7;
	return 0;
}

TEST_F(fs, eacces_and_eperm_as_a_user)
{
	struct access_args a = { .dir = self->dir };
	char file[600];

	snprintf(file, sizeof(file), "%s/private", self->dir);
	a.file = file;
	ASSERT_EQ(0, chmod(self->dir, 0755));
	ASSERT_EQ(0, write_file(file, "secret", 6));
	ASSERT_EQ(0, chmod(file, 0600));
	EXPECT_EQ(0, as_user(user_tries, &a));
}

static int owner_changes(void *p)
{
	const char *file = p;
	struct stat st;

	if (chmod(file, 0640))
		return 1;
	if (utimes(file, NULL))
		return 2;
	/* Giving the file away is root's privilege. */
	if (chown(file, 0, -1) == 0 || errno != EPERM)
		return 3;
	if (stat(file, &st) || (st.st_mode & 07777) != 0640)
		return 4;
	return 0;
}

TEST_F(fs, chmod_chown_utimes)
{
	struct timeval tv[2] = { { 1000000000, 0 }, { 1000000001, 500000 } };
	struct stat st, before;

	ASSERT_EQ(0, write_file(in(self, "f"), "x", 1));
	ASSERT_EQ(0, stat(in(self, "f"), &before));
	usleep(20000); /* Past a jiffy: timestamps are coarse. */
	ASSERT_EQ(0, chmod(in(self, "f"), 04755));
	ASSERT_EQ(0, stat(in(self, "f"), &st));
	EXPECT_EQ(S_IFREG | 04755, st.st_mode);
	EXPECT_TRUE(ts_after(st.st_ctim, before.st_ctim));
	ASSERT_EQ(0, chown(in(self, "f"), 1000, 1000));
	ASSERT_EQ(0, stat(in(self, "f"), &st));
	EXPECT_EQ(1000, st.st_uid);
	EXPECT_EQ(1000, st.st_gid);
	/* chown by root clears set-user-id on a regular file. */
	EXPECT_EQ(0, st.st_mode & S_ISUID);
	ASSERT_EQ(0, utimes(in(self, "f"), tv));
	ASSERT_EQ(0, stat(in(self, "f"), &st));
	EXPECT_EQ(1000000000, st.st_atim.tv_sec);
	EXPECT_EQ(1000000001, st.st_mtim.tv_sec);
	EXPECT_EQ(500000000, st.st_mtim.tv_nsec);
	EXPECT_EQ(0, as_user(owner_changes, (void *)in(self, "f")));
}

static int write_as_user(void *path)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return 2;
	if (write(fd, "u", 1) != 1)
		return 3;
	close(fd);
	return 0;
}

/*
 * A write by a user without CAP_FSETID drops set-user-id, also after writes
 * that found nothing to drop: the filesystem sets SB_NOSEC, as tmpfs does,
 * so the VFS remembers per inode (S_NOSEC) that there was nothing, and a
 * chmod must make it look again.
 */
TEST_F(fs, write_drops_setuid_after_earlier_writes)
{
	struct stat st;

	ASSERT_EQ(0, write_file(in(self, "f"), "x", 1));
	ASSERT_EQ(0, write_file(in(self, "f"), "y", 1));
	ASSERT_EQ(0, chmod(in(self, "f"), 04777));
	ASSERT_EQ(0, write_file(in(self, "f"), "z", 1));
	ASSERT_EQ(0, stat(in(self, "f"), &st));
	/* Root's write keeps it (CAP_FSETID). */
	EXPECT_EQ(S_IFREG | 04777, st.st_mode);
	ASSERT_EQ(0, chmod(self->dir, 0777));
	EXPECT_EQ(0, as_user(write_as_user, (void *)in(self, "f")));
	ASSERT_EQ(0, stat(in(self, "f"), &st));
	EXPECT_EQ(S_IFREG | 0777, st.st_mode);
}

TEST_F(fs, write_updates_mtime_and_ctime_read_atime)
{
	struct stat a, b;
	char c;
	int fd;

	ASSERT_EQ(0, write_file(in(self, "f"), "x", 1));
	ASSERT_EQ(0, stat(in(self, "f"), &a));
	usleep(20000); /* Past a jiffy: timestamps are coarse. */
	fd = open(in(self, "f"), O_RDWR);
	ASSERT_EQ(1, write(fd, "y", 1));
	ASSERT_EQ(0, fstat(fd, &b));
	EXPECT_TRUE(ts_after(b.st_mtim, a.st_mtim));
	EXPECT_TRUE(ts_after(b.st_ctim, a.st_ctim));
	close(fd);
	/* Truncation to a new size updates them too. */
	a = b;
	usleep(20000); /* Past a jiffy: timestamps are coarse. */
	ASSERT_EQ(0, truncate(in(self, "f"), 100));
	ASSERT_EQ(0, stat(in(self, "f"), &b));
	EXPECT_TRUE(ts_after(b.st_mtim, a.st_mtim));
	fd = open(in(self, "f"), O_RDONLY);
	ASSERT_EQ(1, read(fd, &c, 1));
	close(fd);
}

/* A statx of @path (relative to the instance) asking for @mask. */
static int statx_of(FIXTURE_DATA(fs) *self, const char *name, unsigned int mask,
		    struct statx *stx)
{
	memset(stx, 0xa5, sizeof(*stx));
	return statx(AT_FDCWD, in(self, name), AT_SYMLINK_NOFOLLOW, mask, stx);
}

static long long ns_of(struct statx_timestamp t)
{
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/*
 * statx's birth time, as shmem_getattr reports it: STATX_BTIME when asked
 * for, the inode's first mtime (so the creation time), on every kind of
 * inode, unchanged by later changes to the times; and stx_attributes_mask
 * with append-only, immutable and nodump, none of them set.
 */
TEST_F(fs, statx_birth_time_and_attributes)
{
	static const char *const names[] = { "f", "d", "l", "p", "tmp", "." };
	const unsigned long long attrs =
		STATX_ATTR_APPEND | STATX_ATTR_IMMUTABLE | STATX_ATTR_NODUMP;
	struct timespec before, after;
	struct statx stx;
	long long born;
	int fd, tmp;

	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &before));
	ASSERT_EQ(0, write_file(in(self, "f"), "x", 1));
	ASSERT_EQ(0, mkdir(in(self, "d"), 0700));
	ASSERT_EQ(0, symlink("f", in(self, "l")));
	ASSERT_EQ(0, mkfifo(in(self, "p"), 0600));
	tmp = open(self->dir, O_TMPFILE | O_RDWR, 0600);
	ASSERT_LE(0, tmp);
	ASSERT_EQ(0, linkat(tmp, "", AT_FDCWD, in(self, "tmp"), AT_EMPTY_PATH));
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &after));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ASSERT_EQ(0, statx_of(self, names[i], STATX_BASIC_STATS | STATX_BTIME, &stx));
		EXPECT_TRUE(stx.stx_mask & STATX_BTIME) TH_LOG("%s", names[i]);
		EXPECT_EQ(attrs, stx.stx_attributes_mask & attrs) TH_LOG("%s", names[i]);
		EXPECT_EQ(0, stx.stx_attributes & attrs) TH_LOG("%s", names[i]);
		born = ns_of(stx.stx_btime);
		EXPECT_LE(born, ns_of(stx.stx_mtime)) TH_LOG("%s", names[i]);
		EXPECT_LE(born, ns_of(stx.stx_ctime)) TH_LOG("%s", names[i]);
		if (strcmp(names[i], ".")) {
			/* Within the creation window (times are coarse: a tick early). */
			EXPECT_LE(before.tv_sec - 1, stx.stx_btime.tv_sec) TH_LOG("%s", names[i]);
			EXPECT_GE(after.tv_sec, stx.stx_btime.tv_sec) TH_LOG("%s", names[i]);
		}
	}
	/* Not asked for: not given. */
	ASSERT_EQ(0, statx_of(self, "f", STATX_BASIC_STATS, &stx));
	EXPECT_FALSE(stx.stx_mask & STATX_BTIME);
	EXPECT_EQ(attrs, stx.stx_attributes_mask & attrs);
	/* Birth is the first mtime; writes, utimes and chmod leave it. */
	fd = open(in(self, "f"), O_CREAT | O_WRONLY | O_APPEND | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, unlink(in(self, "f")));
	close(fd);
	fd = open(in(self, "f"), O_CREAT | O_WRONLY | O_APPEND, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, statx_of(self, "f", STATX_BTIME | STATX_MTIME, &stx));
	born = ns_of(stx.stx_btime);
	EXPECT_EQ(born, ns_of(stx.stx_mtime));
	usleep(20000);
	ASSERT_EQ(1, write(fd, "y", 1));
	close(fd);
	ASSERT_EQ(0, chmod(in(self, "f"), 0640));
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };
	ASSERT_EQ(0, utimensat(AT_FDCWD, in(self, "f"), old, 0));
	ASSERT_EQ(0, statx_of(self, "f", STATX_BTIME | STATX_MTIME, &stx));
	EXPECT_EQ(born, ns_of(stx.stx_btime));
	EXPECT_EQ(1000, stx.stx_mtime.tv_sec);
	/* A hard link shares it; the unnamed file kept its own. */
	ASSERT_EQ(0, link(in(self, "f"), in2(self, "f2")));
	ASSERT_EQ(0, statx_of(self, "f2", STATX_BTIME, &stx));
	EXPECT_EQ(born, ns_of(stx.stx_btime));
	ASSERT_EQ(0, statx(tmp, "", AT_EMPTY_PATH, STATX_BTIME, &stx));
	EXPECT_TRUE(stx.stx_mask & STATX_BTIME);
	close(tmp);
}

TEST_HARNESS_MAIN
