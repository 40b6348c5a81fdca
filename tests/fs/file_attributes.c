// SPDX-License-Identifier: GPL-2.0
/*
 * File attributes (chattr's flags, FS_IOC_GETFLAGS and FS_IOC_SETFLAGS
 * through fileattr_get/fileattr_set): immutable, append-only, nodump and
 * noatime, as tmpfs has them (mm/shmem.c, under CONFIG_TMPFS_XATTR): what
 * each refuses, who may set them, inheritance, statx's attributes; on rshmem
 * and on tmpfs.
 *
 * The test kernel's tmpfs has CONFIG_TMPFS_XATTR, so both run the same
 * checks. On a kernel whose tmpfs lacks it, tmpfs has no file attributes at
 * all: there the test checks that the ioctls fail with ENOTTY and then skips
 * it, and rshmem is held to what shmem_fileattr_get, shmem_fileattr_set and
 * shmem_set_inode_flags do.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/falloc.h>
#include <linux/fs.h>

/* Also on huge=always instances (fs_fixture.h). */
#define FS_FIXTURE_HUGE
#include "fs_fixture.h"

static int get_flags(const char *path, int *flags)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK);
	int r;

	if (fd < 0)
		return -1;
	r = ioctl(fd, FS_IOC_GETFLAGS, flags);
	close(fd);
	return r;
}

static int set_flags(const char *path, int flags)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK);
	int r, e;

	if (fd < 0)
		return -1;
	r = ioctl(fd, FS_IOC_SETFLAGS, &flags);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

/* Whether the filesystem under test has file attributes; skips tmpfs without. */
#define NEED_FILEATTR()								\
	do {									\
		int f_ = 0;							\
		ASSERT_EQ(0, write_file(in(self, "probe"), "", 0));		\
		if (get_flags(in(self, "probe"), &f_) && errno == ENOTTY &&	\
		    !strcmp(variant->type, "tmpfs")) {				\
			EXPECT_EQ(-1, set_flags(in(self, "probe"), 0));		\
			EXPECT_EQ(ENOTTY, errno);				\
			SKIP(return, "this kernel's tmpfs has no file attributes " \
			     "(no CONFIG_TMPFS_XATTR)");			\
		}								\
		ASSERT_EQ(0, get_flags(in(self, "probe"), &f_)) {		\
			TH_LOG("FS_IOC_GETFLAGS: %s", strerror(errno));		\
		}								\
		EXPECT_EQ(0, f_);						\
	} while (0)

static unsigned long long statx_attrs(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx))
		return ~0ULL;
	return stx.stx_attributes &
	       (STATX_ATTR_APPEND | STATX_ATTR_IMMUTABLE | STATX_ATTR_NODUMP);
}

/* Setting, reading back, refusing what tmpfs does not have; statx. */
TEST_F(fs, flags_set_and_read_back)
{
	struct stat st0, st;
	int flags;

	NEED_FILEATTR();
	ASSERT_EQ(0, write_file(in(self, "f"), "x", 1));
	ASSERT_EQ(0, stat(in(self, "f"), &st0));
	usleep(20000);
	ASSERT_EQ(0, set_flags(in(self, "f"), FS_NODUMP_FL | FS_NOATIME_FL));
	ASSERT_EQ(0, get_flags(in(self, "f"), &flags));
	EXPECT_EQ(FS_NODUMP_FL | FS_NOATIME_FL, flags);
	EXPECT_EQ(STATX_ATTR_NODUMP, statx_attrs(in(self, "f")));
	/* The change is a change of the inode: ctime moves. */
	ASSERT_EQ(0, stat(in(self, "f"), &st));
	EXPECT_TRUE(st.st_ctim.tv_sec > st0.st_ctim.tv_sec ||
		    st.st_ctim.tv_nsec > st0.st_ctim.tv_nsec);
	/* Flags tmpfs does not keep: EOPNOTSUPP, nothing changes. */
	EXPECT_EQ(-1, set_flags(in(self, "f"), FS_NODUMP_FL | FS_COMPR_FL));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, set_flags(in(self, "f"), FS_SYNC_FL));
	EXPECT_EQ(EOPNOTSUPP, errno);
	ASSERT_EQ(0, get_flags(in(self, "f"), &flags));
	EXPECT_EQ(FS_NODUMP_FL | FS_NOATIME_FL, flags);
	/* Cleared again. */
	ASSERT_EQ(0, set_flags(in(self, "f"), 0));
	ASSERT_EQ(0, get_flags(in(self, "f"), &flags));
	EXPECT_EQ(0, flags);
	EXPECT_EQ(0, statx_attrs(in(self, "f")));
	/* A directory has them too. */
	ASSERT_EQ(0, mkdir(in(self, "d"), 0755));
	ASSERT_EQ(0, set_flags(in(self, "d"), FS_APPEND_FL));
	ASSERT_EQ(0, get_flags(in(self, "d"), &flags));
	EXPECT_EQ(FS_APPEND_FL, flags);
	EXPECT_EQ(STATX_ATTR_APPEND, statx_attrs(in(self, "d")));
	ASSERT_EQ(0, set_flags(in(self, "d"), 0));
	/* The xfs-style interface: the same flags, and EOPNOTSUPP for the rest. */
	struct fsxattr fsx;
	int fd = open(in(self, "f"), O_RDONLY);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, FS_IOC_FSGETXATTR, &fsx));
	fsx.fsx_xflags = FS_XFLAG_NODUMP;
	ASSERT_EQ(0, ioctl(fd, FS_IOC_FSSETXATTR, &fsx));
	ASSERT_EQ(0, ioctl(fd, FS_IOC_GETFLAGS, &flags));
	EXPECT_EQ(FS_NODUMP_FL, flags);
	fsx.fsx_xflags = FS_XFLAG_REALTIME;
	EXPECT_EQ(-1, ioctl(fd, FS_IOC_FSSETXATTR, &fsx));
	EXPECT_EQ(EOPNOTSUPP, errno);
	fsx.fsx_xflags = 0;
	fsx.fsx_extsize = 4096;
	EXPECT_EQ(-1, ioctl(fd, FS_IOC_FSSETXATTR, &fsx));
	EXPECT_EQ(EOPNOTSUPP, errno);
	close(fd);
}

/* Immutable: no write, truncate, fallocate, unlink, link, rename, chmod. */
TEST_F(fs, immutable_refuses_changes)
{
	int fd, wfd, flags;
	char buf[4] = {};

	NEED_FILEATTR();
	ASSERT_EQ(0, write_file(in(self, "f"), "abc", 3));
	wfd = open(in(self, "f"), O_RDWR);
	ASSERT_LE(0, wfd);
	ASSERT_EQ(0, set_flags(in(self, "f"), FS_IMMUTABLE_FL));
	EXPECT_EQ(STATX_ATTR_IMMUTABLE, statx_attrs(in(self, "f")));
	EXPECT_EQ(-1, open(in(self, "f"), O_WRONLY));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, open(in(self, "f"), O_RDWR | O_APPEND));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, truncate(in(self, "f"), 1));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, fallocate(wfd, 0, 0, 4096));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, fallocate(wfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 1));
	EXPECT_EQ(EPERM, errno);
	/*
	 * A descriptor opened for writing before keeps writing, truncating and
	 * mapping: the VFS checks at open (and for fallocate), and tmpfs's
	 * write, setattr and mmap check nothing of their own.
	 */
	EXPECT_EQ(1, pwrite(wfd, "X", 1, 0));
	EXPECT_EQ(0, ftruncate(wfd, 3));
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, wfd, 0);

	ASSERT_NE(MAP_FAILED, m);
	munmap(m, 4096);
	EXPECT_EQ(-1, unlink(in(self, "f")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, link(in(self, "f"), in2(self, "g")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, rename(in(self, "f"), in2(self, "g")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, chmod(in(self, "f"), 0600));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, utimensat(AT_FDCWD, in(self, "f"), NULL, 0));
	EXPECT_EQ(EPERM, errno);
	/* Reading is allowed. */
	fd = open(in(self, "f"), O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(3, read(fd, buf, 3));
	EXPECT_EQ(0, memcmp("Xbc", buf, 3));
	close(fd);
	/* Only the immutable flag itself may change: clearing it lifts it all. */
	ASSERT_EQ(0, set_flags(in(self, "f"), 0));
	ASSERT_EQ(0, get_flags(in(self, "f"), &flags));
	EXPECT_EQ(0, flags);
	EXPECT_EQ(0, ftruncate(wfd, 1));
	EXPECT_EQ(0, unlink(in(self, "f")));
	close(wfd);
	/* An immutable directory takes no new entries and gives none up. */
	ASSERT_EQ(0, mkdir(in(self, "d"), 0755));
	ASSERT_EQ(0, write_file(in(self, "d/in"), "", 0));
	ASSERT_EQ(0, set_flags(in(self, "d"), FS_IMMUTABLE_FL));
	EXPECT_EQ(-1, open(in(self, "d/new"), O_CREAT | O_WRONLY, 0600));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, unlink(in(self, "d/in")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, rmdir(in(self, "d")));
	EXPECT_EQ(EPERM, errno);
	ASSERT_EQ(0, set_flags(in(self, "d"), 0));
}

/* Append-only: only appending writes; no truncate, punch, unlink, link. */
TEST_F(fs, append_only_refuses_all_but_appending)
{
	char buf[8] = {};
	int fd, afd;

	NEED_FILEATTR();
	ASSERT_EQ(0, write_file(in(self, "f"), "abc", 3));
	ASSERT_EQ(0, set_flags(in(self, "f"), FS_APPEND_FL));
	EXPECT_EQ(STATX_ATTR_APPEND, statx_attrs(in(self, "f")));
	EXPECT_EQ(-1, open(in(self, "f"), O_WRONLY));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, open(in(self, "f"), O_WRONLY | O_APPEND | O_TRUNC));
	EXPECT_EQ(EPERM, errno);
	afd = open(in(self, "f"), O_WRONLY | O_APPEND);
	ASSERT_LE(0, afd);
	EXPECT_EQ(2, write(afd, "de", 2));
	/* Turning O_APPEND off is refused. */
	EXPECT_EQ(-1, fcntl(afd, F_SETFL, 0));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, ftruncate(afd, 1));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, fallocate(afd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 1));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, fallocate(afd, FALLOC_FL_ZERO_RANGE, 0, 1));
	EXPECT_TRUE(errno == EPERM || errno == EOPNOTSUPP);
	/* Preallocating past the end is an append. */
	EXPECT_EQ(0, fallocate(afd, FALLOC_FL_KEEP_SIZE, 0, 8192));
	EXPECT_EQ(-1, unlink(in(self, "f")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, link(in(self, "f"), in2(self, "g")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, rename(in(self, "f"), in2(self, "g")));
	EXPECT_EQ(EPERM, errno);
	close(afd);
	fd = open(in(self, "f"), O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(5, read(fd, buf, sizeof(buf)));
	EXPECT_STREQ("abcde", buf);
	close(fd);
	ASSERT_EQ(0, set_flags(in(self, "f"), 0));
	/* An append-only directory takes new entries but gives none up. */
	ASSERT_EQ(0, mkdir(in(self, "d"), 0755));
	ASSERT_EQ(0, set_flags(in(self, "d"), FS_APPEND_FL));
	ASSERT_EQ(0, write_file(in(self, "d/new"), "", 0));
	EXPECT_EQ(-1, unlink(in(self, "d/new")));
	EXPECT_EQ(EPERM, errno);
	ASSERT_EQ(0, set_flags(in(self, "d"), 0));
}

/* Noatime: reads leave atime; nodump and noatime pass to new entries. */
TEST_F(fs, noatime_and_inheritance)
{
	struct timespec old[2] = { { 1000, 0 }, { 2000, 0 } };
	struct stat st;
	char buf[4];
	int fd, flags;

	NEED_FILEATTR();
	ASSERT_EQ(0, write_file(in(self, "f"), "abc", 3));
	ASSERT_EQ(0, set_flags(in(self, "f"), FS_NOATIME_FL));
	ASSERT_EQ(0, utimensat(AT_FDCWD, in(self, "f"), old, 0));
	fd = open(in(self, "f"), O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(3, read(fd, buf, 3));
	close(fd);
	ASSERT_EQ(0, stat(in(self, "f"), &st));
	EXPECT_EQ(1000, st.st_atime);
	/* Without it, relatime updates an atime older than mtime. */
	ASSERT_EQ(0, set_flags(in(self, "f"), 0));
	fd = open(in(self, "f"), O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(3, read(fd, buf, 3));
	close(fd);
	ASSERT_EQ(0, stat(in(self, "f"), &st));
	EXPECT_LT(2000, st.st_atime);

	ASSERT_EQ(0, mkdir(in(self, "d"), 0755));
	ASSERT_EQ(0, set_flags(in(self, "d"), FS_NODUMP_FL | FS_NOATIME_FL | FS_APPEND_FL));
	ASSERT_EQ(0, write_file(in(self, "d/f"), "", 0));
	ASSERT_EQ(0, mkdir(in(self, "d/sub"), 0755));
	ASSERT_EQ(0, get_flags(in(self, "d/f"), &flags));
	EXPECT_EQ(FS_NODUMP_FL | FS_NOATIME_FL, flags);
	ASSERT_EQ(0, get_flags(in(self, "d/sub"), &flags));
	EXPECT_EQ(FS_NODUMP_FL | FS_NOATIME_FL, flags);
	/* Other kinds of inode too, as statx shows. */
	ASSERT_EQ(0, mkfifo(in(self, "d/p"), 0600));
	EXPECT_EQ(STATX_ATTR_NODUMP, statx_attrs(in(self, "d/p")));
	ASSERT_EQ(0, symlink("f", in(self, "d/l")));
	EXPECT_EQ(STATX_ATTR_NODUMP, statx_attrs(in(self, "d/l")));
	fd = open(in(self, "d"), O_TMPFILE | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, FS_IOC_GETFLAGS, &flags));
	EXPECT_EQ(FS_NODUMP_FL | FS_NOATIME_FL, flags);
	close(fd);
	ASSERT_EQ(0, set_flags(in(self, "d"), 0));
}

static int user_sets_flags(void *p)
{
	const char *dir = p;
	char mine[600], roots[600];
	int fd, flags = FS_NODUMP_FL;

	snprintf(mine, sizeof(mine), "%s/mine", dir);
	snprintf(roots, sizeof(roots), "%s/roots", dir);
	fd = open(mine, O_CREAT | O_RDWR, 0600);
	if (fd < 0)
		return 1;
	/* The owner may set nodump and noatime... */
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags))
		return 10 + errno;
	/* ...but not immutable or append-only without CAP_LINUX_IMMUTABLE. */
	flags = FS_IMMUTABLE_FL;
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0 || errno != EPERM)
		return 3;
	flags = FS_APPEND_FL;
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0 || errno != EPERM)
		return 4;
	close(fd);
	/* Not the owner: EPERM. */
	fd = open(roots, O_RDONLY);
	if (fd < 0)
		return 5;
	flags = FS_NODUMP_FL;
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0 || errno != EPERM)
		return 6;
	/* Reading them is anyone's. */
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) || flags != FS_NOATIME_FL)
		return 7;
	close(fd);
	return 0;
}

/* Who may set what: the VFS's rules, the same for both. */
TEST_F(fs, only_the_owner_sets_flags)
{
	NEED_FILEATTR();
	ASSERT_EQ(0, chmod(self->dir, 0777));
	ASSERT_EQ(0, write_file(in(self, "roots"), "", 0));
	ASSERT_EQ(0, chmod(in(self, "roots"), 0644));
	ASSERT_EQ(0, set_flags(in(self, "roots"), FS_NOATIME_FL));
	EXPECT_EQ(0, as_user(user_sets_flags, self->dir));
}

TEST_HARNESS_MAIN
