// SPDX-License-Identifier: GPL-2.0
/*
 * Mount options of rshmem, checked against tmpfs in the same boot: every
 * malformed or unknown option fails with EINVAL and a kernel-log message that
 * names it; valid ones show in /proc/mounts exactly as tmpfs shows them; the
 * root directory gets the mode and owner asked for; remount changes the limits
 * and nothing else, as on tmpfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <sched.h>
#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define RSHMEM_MAGIC 0x7273686d

static const char *const fstypes[] = { "rshmem", "tmpfs" };

/* The options field of the /proc/mounts line for @dir, or NULL. */
static char *mount_options(const char *dir, char *buf, size_t len)
{
	char line[1024], mnt[512], type[64], opts[512];
	FILE *f = fopen("/proc/mounts", "r");
	char *found = NULL;

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %511s %63s %511s", mnt, type, opts) != 3)
			continue;
		if (strcmp(mnt, dir) == 0) {
			snprintf(buf, len, "%s", opts);
			found = buf;
		}
	}
	fclose(f);
	return found;
}

/* Kernel log records written after the call that returned @fd. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Appends the records that arrived on @fd to @log. */
static void kmsg_read(int fd, char *log, size_t len)
{
	size_t used = strlen(log);
	ssize_t n;

	for (;;) {
		n = read(fd, log + used, len - used - 1);
		if (n < 0 && errno == EPIPE)
			continue; /* Overwritten records: go on with the next. */
		if (n <= 0)
			break;
		used += n;
		log[used] = 0;
	}
}

FIXTURE(mnt) {
	char dir[2][64];
};

FIXTURE_SETUP(mnt)
{
	for (int i = 0; i < 2; i++) {
		snprintf(self->dir[i], sizeof(self->dir[i]), "/tmp/mount_options.%s",
			 fstypes[i]);
		mkdir(self->dir[i], 0755);
	}
}

FIXTURE_TEARDOWN(mnt)
{
	for (int i = 0; i < 2; i++) {
		while (umount(self->dir[i]) == 0)
			;
		rmdir(self->dir[i]);
	}
}

/*
 * Each is malformed or unknown for tmpfs too. The log names the option, or
 * for an id that does not map, the value.
 */
static const struct {
	const char *opts, *named;
} bad[] = {
	{ "bogus", "bogus" },
	{ "bogus=1", "bogus" },
	{ "size=abc", "size" },
	{ "size=10q", "size" },
	{ "size=50%%", "size" },
	{ "size=", "size" },
	{ "nr_inodes=x", "nr_inodes" },
	{ "nr_inodes=10%", "nr_inodes" },
	{ "nr_inodes=18014398509481985", "nr_inodes" },
	{ "mode=abc", "mode" },
	{ "mode=9", "mode" },
	{ "mode=", "mode" },
	{ "uid=abc", "uid" },
	{ "uid=-1", "uid" },
	{ "uid=4294967295", "4294967295" },
	{ "gid=x", "gid" },
	{ "gid=4294967295", "4294967295" },
	{ "inode64=1", "inode64" },
	{ "inode32=", "inode32" },
	{ "noswap=yes", "noswap" },
	{ "noinode64", "noinode64" },
	{ "swap", "swap" },
};

TEST_F(mnt, bad_options_fail_with_einval_and_a_log_line)
{
	char needle[128], buf[512];
	static char log[65536];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (int t = 0; t < 2; t++) {
			int fd = kmsg_open();
			int ret;

			ASSERT_LE(0, fd);
			ret = mount("none", self->dir[t], fstypes[t], 0, bad[i].opts);
			EXPECT_EQ(-1, ret) {
				TH_LOG("%s accepted -o %s", fstypes[t], bad[i].opts);
			}
			EXPECT_EQ(EINVAL, errno) {
				TH_LOG("%s -o %s: errno %d", fstypes[t], bad[i].opts, errno);
			}
			log[0] = 0;
			kmsg_read(fd, log, sizeof(log));
			close(fd);
			/* E.g. "rshmem: Bad value for 'size'". */
			snprintf(needle, sizeof(needle), "%s: ", fstypes[t]);
			EXPECT_NE(NULL, strstr(log, needle)) {
				TH_LOG("%s -o %s: no log line from %s", fstypes[t],
				       bad[i].opts, fstypes[t]);
			}
			snprintf(needle, sizeof(needle), "'%s'", bad[i].named);
			EXPECT_NE(NULL, strstr(log, needle)) {
				TH_LOG("%s -o %s: the log does not name %s: %s", fstypes[t],
				       bad[i].opts, needle, log);
			}
			if (ret == 0)
				umount(self->dir[t]);
			EXPECT_EQ(NULL, mount_options(self->dir[t], buf, sizeof(buf)));
		}
	}
}

/* Options and the /proc/mounts field they give on tmpfs, as literals. */
static const struct {
	const char *opts, *shown;
} good[] = {
	{ "", "rw,relatime" },
	{ "size=64m", "rw,relatime,size=65536k" },
	{ "size=4097", "rw,relatime,size=8k" },
	{ "size=0x100000", "rw,relatime,size=1024k" },
	{ "size=010", "rw,relatime,size=4k" },
	{ "size=1G", "rw,relatime,size=1048576k" },
	{ "size=0", "rw,relatime,size=0k" },
	{ "nr_inodes=1k", "rw,relatime,nr_inodes=1024" },
	{ "nr_inodes=0", "rw,relatime,nr_inodes=0" },
	{ "mode=0700", "rw,relatime,mode=700" },
	{ "mode=1777", "rw,relatime" },
	{ "mode=17777", "rw,relatime,mode=7777" },
	{ "mode=55", "rw,relatime,mode=055" },
	{ "uid=1000,gid=1000", "rw,relatime,uid=1000,gid=1000" },
	{ "uid=0,gid=0", "rw,relatime" },
	{ "size=1m,nr_inodes=100,mode=750,uid=1000,gid=65534",
	  "rw,relatime,size=1024k,nr_inodes=100,mode=750,uid=1000,gid=65534" },
	{ "size=2m,size=1m", "rw,relatime,size=1024k" },
	/* The test kernel's tmpfs defaults to inode32 (no TMPFS_INODE64): hidden. */
	{ "inode64", "rw,relatime,inode64" },
	{ "inode32", "rw,relatime" },
	{ "inode64,inode32", "rw,relatime" },
	{ "inode32,inode64", "rw,relatime,inode64" },
	{ "noswap", "rw,relatime,noswap" },
	{ "noswap,inode64,mode=700,size=1m", "rw,relatime,size=1024k,mode=700,inode64,noswap" },
};

TEST_F(mnt, valid_options_show_in_proc_mounts_as_on_tmpfs)
{
	char buf[512];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		for (int t = 0; t < 2; t++) {
			ASSERT_EQ(0, mount("none", self->dir[t], fstypes[t], 0, good[i].opts)) {
				TH_LOG("%s -o '%s': %s", fstypes[t], good[i].opts,
				       strerror(errno));
			}
			ASSERT_NE(NULL, mount_options(self->dir[t], buf, sizeof(buf)));
			EXPECT_STREQ(good[i].shown, buf) {
				TH_LOG("%s -o '%s'", fstypes[t], good[i].opts);
			}
			ASSERT_EQ(0, umount(self->dir[t]));
		}
	}
}

TEST_F(mnt, size_percent_of_ram_matches_tmpfs)
{
	char shown[2][512];
	struct sysinfo si;
	char want[64];

	ASSERT_EQ(0, sysinfo(&si));
	/* tmpfs: (pct * RAM) / 100 bytes, rounded up to pages, shown in KiB. */
	snprintf(want, sizeof(want), "rw,relatime,size=%lluk",
		 ((unsigned long long)si.totalram * si.mem_unit / 4096 * 4096 * 25 / 100 + 4095) /
			 4096 * 4);
	for (int t = 0; t < 2; t++) {
		ASSERT_EQ(0, mount("none", self->dir[t], fstypes[t], 0, "size=25%"));
		ASSERT_NE(NULL, mount_options(self->dir[t], shown[t], sizeof(shown[t])));
		ASSERT_EQ(0, umount(self->dir[t]));
	}
	EXPECT_STREQ(shown[1], shown[0]);
	EXPECT_STREQ(want, shown[0]);
}

TEST_F(mnt, root_directory_is_empty_with_the_mode_and_owner_asked_for)
{
	for (int t = 0; t < 2; t++) {
		struct stat st;
		struct statfs sfs;
		struct dirent *de;
		int entries = 0;
		DIR *d;

		ASSERT_EQ(0, mount("none", self->dir[t], fstypes[t], 0,
				   "mode=0750,uid=1000,gid=65534"));
		ASSERT_EQ(0, stat(self->dir[t], &st));
		EXPECT_EQ(S_IFDIR | 0750, st.st_mode) {
			TH_LOG("%s: mode %o", fstypes[t], st.st_mode);
		}
		EXPECT_EQ(1000, st.st_uid);
		EXPECT_EQ(65534, st.st_gid);
		EXPECT_EQ(2, st.st_nlink);
		ASSERT_NE(NULL, d = opendir(self->dir[t]));
		while ((de = readdir(d))) {
			entries++;
			EXPECT_TRUE(!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
				TH_LOG("%s: unexpected entry %s", fstypes[t], de->d_name);
			}
		}
		closedir(d);
		EXPECT_EQ(2, entries);
		ASSERT_EQ(0, statfs(self->dir[t], &sfs));
		if (t == 0)
			EXPECT_EQ(RSHMEM_MAGIC, sfs.f_type);
		ASSERT_EQ(0, umount(self->dir[t]));
	}
}

TEST_F(mnt, remount_changes_limits_only_as_on_tmpfs)
{
	char buf[512];

	for (int t = 0; t < 2; t++) {
		const char *dir = self->dir[t];
		struct stat st;

		ASSERT_EQ(0, mount("none", dir, fstypes[t], 0, "size=1m,mode=0700"));
		ASSERT_EQ(0, mount("none", dir, fstypes[t], MS_REMOUNT, "size=2m,nr_inodes=50"));
		ASSERT_NE(NULL, mount_options(dir, buf, sizeof(buf)));
		EXPECT_STREQ("rw,relatime,size=2048k,nr_inodes=50,mode=700", buf) {
			TH_LOG("%s", fstypes[t]);
		}
		/* Mode, uid and gid belong to the root inode: remount leaves them. */
		ASSERT_EQ(0, mount("none", dir, fstypes[t], MS_REMOUNT, "mode=0755,uid=1000"));
		ASSERT_EQ(0, stat(dir, &st));
		EXPECT_EQ(S_IFDIR | 0700, st.st_mode);
		EXPECT_EQ(0, st.st_uid);
		/* A malformed option fails the remount and changes nothing. */
		EXPECT_EQ(-1, mount("none", dir, fstypes[t], MS_REMOUNT, "size=abc"));
		EXPECT_EQ(EINVAL, errno);
		ASSERT_NE(NULL, mount_options(dir, buf, sizeof(buf)));
		EXPECT_STREQ("rw,relatime,size=2048k,nr_inodes=50,mode=700", buf);
		ASSERT_EQ(0, umount(dir));

		/* An unlimited instance cannot be limited afterwards. */
		ASSERT_EQ(0, mount("none", dir, fstypes[t], 0, "size=0,nr_inodes=0"));
		EXPECT_EQ(-1, mount("none", dir, fstypes[t], MS_REMOUNT, "size=1m"));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, mount("none", dir, fstypes[t], MS_REMOUNT, "nr_inodes=10"));
		EXPECT_EQ(EINVAL, errno);
		ASSERT_EQ(0, umount(dir));
	}
}

/*
 * Inode numbers, as tmpfs gives them (shmem_reserve_inode): the instance's
 * own, 1 for the root, then one per new inode in order (files, directories,
 * symlinks, fifos, O_TMPFILE), none for a hard link, none reused; the same
 * with inode64 (their 32-bit wrap cannot be reached in a test).
 */
TEST_F(mnt, inode_numbers_as_on_tmpfs)
{
	static const char *const opts[] = { "", "inode64", "inode32" };
	unsigned long long ino[2][8];
	char path[256];
	struct stat st;
	int fd, n;

	for (size_t o = 0; o < sizeof(opts) / sizeof(opts[0]); o++) {
		for (int t = 0; t < 2; t++) {
			const char *dir = self->dir[t];

			ASSERT_EQ(0, mount("none", dir, fstypes[t], 0, opts[o]));
			n = 0;
			ASSERT_EQ(0, stat(dir, &st));
			ino[t][n++] = st.st_ino;
#define MADE(call, name)							\
			do {							\
				snprintf(path, sizeof(path), "%s/%s", dir, name); \
				ASSERT_EQ(0, call);				\
				ASSERT_EQ(0, lstat(path, &st));			\
				ino[t][n++] = st.st_ino;			\
			} while (0)
			MADE(close(open(path, O_CREAT | O_RDWR, 0600)), "a");
			MADE(mkdir(path, 0700), "d");
			snprintf(path, sizeof(path), "%s/a", dir);
			char link2[256];
			snprintf(link2, sizeof(link2), "%s/b", dir);
			ASSERT_EQ(0, link(path, link2));
			MADE(symlink("a", path), "l");
			MADE(mkfifo(path, 0600), "p");
			fd = open(dir, O_TMPFILE | O_RDWR, 0600);
			ASSERT_LE(0, fd);
			ASSERT_EQ(0, fstat(fd, &st));
			ino[t][n++] = st.st_ino;
			close(fd);
			snprintf(path, sizeof(path), "%s/a", dir);
			ASSERT_EQ(0, unlink(path));
			ASSERT_EQ(0, unlink(link2));
			MADE(close(open(path, O_CREAT | O_RDWR, 0600)), "c");
#undef MADE
			ASSERT_EQ(0, umount(dir));
		}
		for (int i = 0; i < n; i++) {
			EXPECT_EQ(ino[1][i], ino[0][i]) {
				TH_LOG("-o '%s': inode %d: rshmem %llu, tmpfs %llu", opts[o], i,
				       ino[0][i], ino[1][i]);
			}
			EXPECT_EQ(i + 1, ino[0][i]);
		}
	}
}

/* Whether the kernel log read from @fd has a line from @type with @msg. */
static int logged(int fd, const char *type, const char *msg)
{
	static char log[65536];
	char needle[256];

	log[0] = 0;
	kmsg_read(fd, log, sizeof(log));
	snprintf(needle, sizeof(needle), "%s: %s", type, msg);
	return strstr(log, needle) != NULL;
}

/*
 * inode64/inode32 and noswap on remount, as tmpfs: inode64 and inode32 switch
 * (shown as at mount); noswap cannot be turned on by a remount ("Cannot
 * disable swap on remount"), only kept, and stays when a remount does not
 * name it.
 */
TEST_F(mnt, inode64_and_noswap_on_remount_as_on_tmpfs)
{
	char buf[512];

	for (int t = 0; t < 2; t++) {
		const char *dir = self->dir[t];
		int fd;

		ASSERT_EQ(0, mount("none", dir, fstypes[t], 0, "size=1m"));
		ASSERT_EQ(0, mount("none", dir, fstypes[t], MS_REMOUNT, "inode64"));
		ASSERT_NE(NULL, mount_options(dir, buf, sizeof(buf)));
		EXPECT_STREQ("rw,relatime,size=1024k,inode64", buf) TH_LOG("%s", fstypes[t]);
		ASSERT_EQ(0, mount("none", dir, fstypes[t], MS_REMOUNT, "inode32"));
		ASSERT_NE(NULL, mount_options(dir, buf, sizeof(buf)));
		EXPECT_STREQ("rw,relatime,size=1024k", buf) TH_LOG("%s", fstypes[t]);
		fd = kmsg_open();
		ASSERT_LE(0, fd);
		EXPECT_EQ(-1, mount("none", dir, fstypes[t], MS_REMOUNT, "inode64,noswap"));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_TRUE(logged(fd, fstypes[t], "Cannot disable swap on remount"));
		close(fd);
		/* The failed remount changed nothing. */
		ASSERT_NE(NULL, mount_options(dir, buf, sizeof(buf)));
		EXPECT_STREQ("rw,relatime,size=1024k", buf) TH_LOG("%s", fstypes[t]);
		ASSERT_EQ(0, umount(dir));

		ASSERT_EQ(0, mount("none", dir, fstypes[t], 0, "noswap"));
		ASSERT_EQ(0, mount("none", dir, fstypes[t], MS_REMOUNT, "noswap"));
		ASSERT_EQ(0, mount("none", dir, fstypes[t], MS_REMOUNT, "size=2m"));
		ASSERT_NE(NULL, mount_options(dir, buf, sizeof(buf)));
		EXPECT_STREQ("rw,relatime,size=2048k,noswap", buf) TH_LOG("%s", fstypes[t]);
		ASSERT_EQ(0, umount(dir));
	}
}

/* In a user namespace of user 1000's: mounts, with noswap and with inode64. */
static int userns_mounts(const char *const dirs[2])
{
	char map[64];
	int fd;

	if (setgroups(0, NULL) || setgid(1000) || setuid(1000))
		return 1;
	/* Dumpable again, or its /proc files stay root's and uid_map unwritable. */
	if (prctl(PR_SET_DUMPABLE, 1))
		return 1;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
		return 2;
	fd = open("/proc/self/setgroups", O_WRONLY);
	if (fd < 0 || write(fd, "deny", 4) != 4)
		return 3;
	close(fd);
	snprintf(map, sizeof(map), "0 1000 1");
	fd = open("/proc/self/uid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) != (ssize_t)strlen(map))
		return 4;
	close(fd);
	fd = open("/proc/self/gid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) != (ssize_t)strlen(map))
		return 5;
	close(fd);
	for (int t = 0; t < 2; t++) {
		if (mount("none", dirs[t], fstypes[t], 0, "noswap") == 0 || errno != EINVAL)
			return 10 + t;
		if (mount("none", dirs[t], fstypes[t], 0, "inode64,size=1m"))
			return 20 + t;
		if (mount("none", dirs[t], fstypes[t], MS_REMOUNT, "noswap") == 0 ||
		    errno != EINVAL)
			return 30 + t;
		if (umount(dirs[t]))
			return 40 + t;
	}
	return 0;
}

/*
 * noswap only from the host's administrator, as on tmpfs: refused with
 * EINVAL ("Turning off swap in unprivileged ... mounts unsupported") to root
 * of a user namespace, where the other options work.
 */
TEST_F(mnt, noswap_refused_in_a_user_namespace)
{
	const char *const dirs[2] = { self->dir[0], self->dir[1] };
	static char log[65536];
	int fd, status;
	pid_t pid;

	for (int t = 0; t < 2; t++) {
		ASSERT_EQ(0, chmod(dirs[t], 0777));
	}
	fd = kmsg_open();
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(userns_mounts(dirs));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	log[0] = 0;
	kmsg_read(fd, log, sizeof(log));
	EXPECT_NE(NULL, strstr(log, "rshmem: Turning off swap in unprivileged rshmem "
				"mounts unsupported")) TH_LOG("%s", log);
	EXPECT_NE(NULL, strstr(log, "tmpfs: Turning off swap in unprivileged tmpfs "
				"mounts unsupported")) TH_LOG("%s", log);
	close(fd);
}

TEST_HARNESS_MAIN
