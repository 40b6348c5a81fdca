// SPDX-License-Identifier: GPL-2.0
/*
 * overlayfs as a client of the filesystem under test: the lower layer is always
 * a tmpfs instance, the upper and work directories are on an rshmem instance
 * (one variant) or on a second tmpfs instance (the other), so the two variants
 * differ only in the upper filesystem. Each case checks what the merged view
 * shows and what overlayfs left in the upper layer, as fs/overlayfs/ of the
 * running kernel writes it (Documentation/filesystems/overlayfs.rst):
 *
 *   - copy-up on write: data, mode, owner, mtime and user.* xattrs copied, the
 *     lower file untouched, trusted.overlay.origin holding the lower file's
 *     handle, st_ino and st_dev the same before and after;
 *   - unlink of a lower file: a whiteout (a character device 0/0) in upper;
 *   - rmdir and mkdir of a lower directory: trusted.overlay.opaque "y";
 *   - rename of a lower directory: EXDEV without redirect_dir, and with
 *     redirect_dir=on trusted.overlay.redirect, relative or absolute;
 *   - index=on: the upper root's origin, the index directory's "upper" handle,
 *     lower hard links kept together by an index entry named after the origin;
 *   - metacopy=on: chmod/chown copy up the metadata only
 *     (trusted.overlay.metacopy, no blocks), data still read from lower until
 *     a write copies it up;
 *   - xino=on: one st_dev, the layer in the high bits of st_ino;
 *   - nfs_export=on: file handles of the overlay open its files across copy-up
 *     and a remount, and are stale once the file is removed;
 *   - an unmount and a remount with the same options show the same tree, and
 *     the upper layer is unchanged.
 *
 * The first case reads the kernel log for overlayfs's own verdict on the upper
 * filesystem at mount time (d_type, O_TMPFILE, RENAME_WHITEOUT, trusted.*
 * xattrs, file handles): where one is missing overlayfs still mounts, but
 * drops features with a warning (redirect_dir, index, metacopy, nfs_export,
 * uuid, xino=auto); every case checks /proc/self/mountinfo for the options it
 * asked for and fails, with the log lines, when overlayfs dropped one.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "../lib/handle.h"
#include "../lib/page.h"

#define XATTR(name) "trusted.overlay." name
/* A call that returns 0 or -1 and errno: on failure, the call and the error. */
#define ASSERT_OK(call) do {						\
	int err_ = (call) ? errno : 0;					\
	ASSERT_EQ(0, err_) TH_LOG("%s: %s", #call, strerror(err_));	\
} while (0)
#define FB_HEADER 21		/* struct ovl_fb without its fid */
#define FB_FLAG_PATH_UPPER 4	/* OVL_FH_FLAG_PATH_UPPER */
#define OVL_FILEID_V1 0xf8	/* the type of overlayfs's own file handles */
#define META_SIZE (3 * PAGE + 100)
#define LOWER_MTIME 1000000000	/* "file"'s mtime in lower: 2001 */

FIXTURE(ovl) {
	char base[128];
	char lower[160];
	char upperfs[160];
	char upper[192];
	char work[192];
	char index[200];
	char merged[160];
	char opts[1024];
	int kmsg;		/* /dev/kmsg, at the end of the log at mount */
	char log[8192];		/* overlayfs's lines since the last mount */
};

FIXTURE_VARIANT(ovl) {
	const char *type;	/* of the upper filesystem */
};

FIXTURE_VARIANT_ADD(ovl, rshmem) {
	.type = "rshmem",
};

FIXTURE_VARIANT_ADD(ovl, tmpfs) {
	.type = "tmpfs",
};

/* @name under @root (@root itself for ""); eight buffers in rotation. */
static const char *path_in(const char *root, const char *name)
{
	static char bufs[8][512];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s%s%s", root, *name ? "/" : "", name);
	return b;
}

#define M(name) path_in(self->merged, name)
#define U(name) path_in(self->upper, name)
#define L(name) path_in(self->lower, name)
#define W(name) path_in(self->work, name)
/* The index entry @name, in the index directory work/index. */
#define IX(name) path_in(self->index, name)

static void put(struct __test_metadata *_metadata, const char *path,
		const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);

	ASSERT_LE(0, fd) TH_LOG("create %s: %s", path, strerror(errno));
	ASSERT_EQ((ssize_t)len, write(fd, data, len));
	ASSERT_EQ(0, fchmod(fd, mode));
	ASSERT_EQ(0, close(fd));
}

static void put_str(struct __test_metadata *_metadata, const char *path,
		    const char *s)
{
	put(_metadata, path, s, strlen(s), 0644);
}

/* Appends @s through an O_APPEND descriptor. */
static int append(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_APPEND);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* The whole file, NUL-terminated, in @buf; its length, or -1. */
static ssize_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n, got = 0;

	if (fd < 0)
		return -1;
	while ((size_t)got < size - 1 &&
	       (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return got;
}

/* The file's content is @want (also false when it cannot be read). */
static int content_is(const char *path, const char *want)
{
	char buf[4096];

	return slurp(path, buf, sizeof(buf)) == (ssize_t)strlen(want) &&
	       !strcmp(buf, want);
}

static int is_whiteout(const char *path)
{
	struct stat st;

	return !lstat(path, &st) && S_ISCHR(st.st_mode) &&
	       st.st_rdev == makedev(0, 0);
}

/* An xattr's value, NUL-terminated in @buf; its length, or -1 and errno. */
static ssize_t xattr(const char *path, const char *name, void *buf, size_t size)
{
	ssize_t n = lgetxattr(path, name, buf, size - 1);

	if (n >= 0)
		((char *)buf)[n] = 0;
	return n;
}

/* Absent: -1 with ENODATA (EOPNOTSUPP where the fs has no xattrs at all). */
static int no_xattr(const char *path, const char *name)
{
	char buf[256];

	return xattr(path, name, buf, sizeof(buf)) < 0 && errno == ENODATA;
}

/* The directory's names but "." and "..", sorted, one space apart. */
static const char *listing(const char *path)
{
	static char out[4096];
	char *names[256];
	struct dirent *de;
	size_t used = 0;
	int n = 0;
	DIR *d = opendir(path);

	if (!d)
		return "(cannot open)";
	while ((de = readdir(d)) && n < 256)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			names[n++] = strdup(de->d_name);
	closedir(d);
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];

			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	out[0] = 0;
	for (int i = 0; i < n; i++) {
		used += snprintf(out + used, sizeof(out) - used, "%s%s",
				 i ? " " : "", names[i]);
		free(names[i]);
		if (used >= sizeof(out))
			break;
	}
	return out;
}

/* The d_type readdir gives @name in @dir, or -1. */
static int dtype_of(const char *dir, const char *name)
{
	struct dirent *de;
	int type = -1;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (!strcmp(de->d_name, name))
			type = de->d_type;
	closedir(d);
	return type;
}

/*
 * @v (@n bytes) is a struct ovl_fb, as overlayfs stores a real inode's file
 * handle in an xattr: version 0, magic 0xfb, its length, the flags (little
 * endian; PATH_UPPER for an upper inode), the real filesystem's handle type,
 * its uuid and the handle, which is @real's. For a lower inode the uuid is the
 * lower tmpfs's, which statfs folds into f_fsid (uuid_to_fsid).
 */
static void check_fb(struct __test_metadata *_metadata, const char *what,
		     const unsigned char *v, ssize_t n, const char *real,
		     int upper)
{
	struct handle h;
	struct statfs sfs;
	uint64_t a, b, fold;

	ASSERT_LE(FB_HEADER, n) TH_LOG("%s: %zd bytes", what, n);
	EXPECT_EQ(0, v[0]) TH_LOG("%s: version", what);
	EXPECT_EQ(0xfb, v[1]) TH_LOG("%s: magic", what);
	EXPECT_EQ(n, v[2]) TH_LOG("%s: length", what);
	EXPECT_EQ(upper ? FB_FLAG_PATH_UPPER : 0, v[3]) TH_LOG("%s: flags", what);
	ASSERT_EQ(0, get_handle(real, &h)) TH_LOG("%s: %s", real, strerror(errno));
	EXPECT_EQ(h.fh.handle_type, v[4]) TH_LOG("%s: handle type", what);
	ASSERT_EQ(h.fh.handle_bytes, (unsigned int)(n - FB_HEADER))
		TH_LOG("%s: handle size", what);
	EXPECT_EQ(0, memcmp(v + FB_HEADER, h.fh.f_handle, h.fh.handle_bytes))
		TH_LOG("%s: not the handle of %s", what, real);
	if (upper)
		return;
	ASSERT_EQ(0, statfs(real, &sfs));
	memcpy(&a, v + 5, 8);
	memcpy(&b, v + 13, 8);
	fold = le64toh(a) ^ le64toh(b);
	EXPECT_EQ((uint32_t)fold, (uint32_t)sfs.f_fsid.__val[0])
		TH_LOG("%s: not the lower filesystem's uuid", what);
	EXPECT_EQ((uint32_t)(fold >> 32), (uint32_t)sfs.f_fsid.__val[1])
		TH_LOG("%s: not the lower filesystem's uuid", what);
}

/* @path's xattr @name is a struct ovl_fb for @real (see check_fb). */
static void check_fb_xattr(struct __test_metadata *_metadata, const char *path,
			   const char *name, const char *real, int upper)
{
	unsigned char v[256];
	ssize_t n = xattr(path, name, v, sizeof(v));
	char what[600];

	snprintf(what, sizeof(what), "%s of %s", name, path);
	ASSERT_LE(0, n) TH_LOG("%s: %s", what, strerror(errno));
	check_fb(_metadata, what, v, n, real, upper);
}

/* The name of the index entry of the inode whose origin @path records. */
static const char *index_name(const char *path)
{
	static char name[600];
	unsigned char v[256];
	ssize_t n = xattr(path, XATTR("origin"), v, sizeof(v));

	name[0] = 0;
	for (ssize_t i = 0; i < n; i++)
		sprintf(name + 2 * i, "%02x", v[i]);
	return name;
}

/* The kernel log from now on: /dev/kmsg at its end. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Adds overlayfs's lines logged since the last call to self->log. */
static void kmsg_collect(FIXTURE_DATA(ovl) *self)
{
	char rec[2048];
	size_t used = strlen(self->log);
	ssize_t n;

	for (;;) {
		char *msg, *nl;

		n = read(self->kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten: go on with the next */
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		if (!msg || strncmp(++msg, "overlayfs: ", 11))
			continue;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = 0;
		if (used + strlen(msg) + 2 < sizeof(self->log))
			used += sprintf(self->log + used, "%s\n", msg);
	}
}

/* The overlay's super options in /proc/self/mountinfo, or "". */
static const char *ovl_options(FIXTURE_DATA(ovl) *self)
{
	static char line[4096];
	static char opts[4096];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char needle[200];

	opts[0] = 0;
	if (!f)
		return opts;
	snprintf(needle, sizeof(needle), " %s ", self->merged);
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - overlay overlay ");

		if (!sep || !strstr(line, needle))
			continue;
		snprintf(opts, sizeof(opts), "%s", sep + strlen(" - overlay overlay "));
		opts[strcspn(opts, "\n")] = 0;
	}
	fclose(f);
	return opts;
}

/* @opts, comma-separated, has the option @opt. */
static int has_option(const char *opts, const char *opt)
{
	size_t len = strlen(opt);

	for (const char *p = opts; (p = strstr(p, opt)); p += len)
		if ((p == opts || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return 1;
	return 0;
}

/* Whether mountinfo shows each of the options @extra (comma-separated). */
static void check_options(struct __test_metadata *_metadata,
			  FIXTURE_DATA(ovl) *self, const char *extra, int assert)
{
	char opt[128];

	for (const char *p = extra; *p; p += strcspn(p, ",") + !!p[strcspn(p, ",")]) {
		snprintf(opt, sizeof(opt), "%.*s", (int)strcspn(p, ","), p);
		if (!assert) {
			EXPECT_TRUE(has_option(ovl_options(self), opt))
				TH_LOG("overlayfs dropped %s", opt);
			continue;
		}
		ASSERT_TRUE(has_option(ovl_options(self), opt)) {
			TH_LOG("overlayfs dropped %s: mounted with %s", opt,
			       ovl_options(self));
			TH_LOG("kernel log:\n%s", self->log);
		}
	}
}

/* Mounts the overlay with the options @extra, and reads what it logged. */
static void ovl_mount_unchecked(struct __test_metadata *_metadata,
				FIXTURE_DATA(ovl) *self, const char *extra)
{
	int err;

	snprintf(self->opts, sizeof(self->opts),
		 "lowerdir=%s,upperdir=%s,workdir=%s%s%s", self->lower,
		 self->upper, self->work, *extra ? "," : "", extra);
	self->log[0] = 0;
	kmsg_collect(self);	/* skip to the end */
	self->log[0] = 0;
	err = mount("overlay", self->merged, "overlay", 0, self->opts) ? errno : 0;
	ASSERT_EQ(0, err) {
		kmsg_collect(self);
		TH_LOG("mount -t overlay -o %s: %s", self->opts, strerror(err));
		TH_LOG("kernel log:\n%s", self->log);
	}
	kmsg_collect(self);
}

/*
 * Mounts the overlay with the options @extra and asserts that each of them
 * shows in mountinfo: overlayfs turns features off, with a warning, when the
 * upper filesystem lacks what they need.
 */
static void ovl_mount(struct __test_metadata *_metadata,
		      FIXTURE_DATA(ovl) *self, const char *extra)
{
	ovl_mount_unchecked(_metadata, self, extra);
	check_options(_metadata, self, extra, 1);
}

/* Unmounts the overlay (not lazily: a remount needs upper and work free). */
static void ovl_umount(struct __test_metadata *_metadata,
		       FIXTURE_DATA(ovl) *self)
{
	ASSERT_EQ(0, umount(self->merged)) TH_LOG("umount: %s", strerror(errno));
}

static void ovl_remount(struct __test_metadata *_metadata,
			FIXTURE_DATA(ovl) *self, const char *extra)
{
	ovl_umount(_metadata, self);
	ovl_mount(_metadata, self, extra);
}

/* Bytes of "meta", and of "meta2". */
static void meta_pattern(char *buf, size_t len, int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)(i * 7 + seed + i / PAGE);
}

/*
 * The lower layer:
 *   file            "lower file\n", 0640, uid 1000, user.note, mtime 2001
 *   deep/er/file    in directories 0750 and 0755
 *   gone            to be unlinked
 *   od/{x,y}        a directory to be removed and made again
 *   rd/{f,sub/g}    a directory to be renamed
 *   p/q/f           a directory to be moved to another parent
 *   meta, meta2     META_SIZE bytes each, for metacopy
 *   h1, h2          two links of one file
 *   sym             a symlink to "file"
 */
static void populate_lower(struct __test_metadata *_metadata,
			   FIXTURE_DATA(ovl) *self)
{
	static char meta[META_SIZE];
	struct timespec times[2] = {
		{ .tv_sec = LOWER_MTIME, .tv_nsec = 123456789 },
		{ .tv_sec = LOWER_MTIME, .tv_nsec = 123456789 },
	};

	put(_metadata, L("file"), "lower file\n", 11, 0640);
	ASSERT_EQ(0, chown(L("file"), 1000, 1000));
	ASSERT_EQ(0, setxattr(L("file"), "user.note", "from lower", 10, 0))
		TH_LOG("user xattr on the lower tmpfs: %s", strerror(errno));
	ASSERT_EQ(0, utimensat(AT_FDCWD, L("file"), times, 0));
	ASSERT_EQ(0, mkdir(L("deep"), 0750));
	ASSERT_EQ(0, mkdir(L("deep/er"), 0755));
	put_str(_metadata, L("deep/er/file"), "deep\n");
	put_str(_metadata, L("gone"), "to be removed\n");
	ASSERT_EQ(0, mkdir(L("od"), 0755));
	put_str(_metadata, L("od/x"), "x\n");
	put_str(_metadata, L("od/y"), "y\n");
	ASSERT_EQ(0, mkdir(L("rd"), 0755));
	put_str(_metadata, L("rd/f"), "in rd\n");
	ASSERT_EQ(0, mkdir(L("rd/sub"), 0755));
	put_str(_metadata, L("rd/sub/g"), "g\n");
	ASSERT_EQ(0, mkdir(L("p"), 0755));
	ASSERT_EQ(0, mkdir(L("p/q"), 0755));
	put_str(_metadata, L("p/q/f"), "in q\n");
	meta_pattern(meta, sizeof(meta), 1);
	put(_metadata, L("meta"), meta, sizeof(meta), 0644);
	meta_pattern(meta, sizeof(meta), 2);
	put(_metadata, L("meta2"), meta, sizeof(meta), 0644);
	put_str(_metadata, L("h1"), "linked\n");
	ASSERT_EQ(0, link(L("h1"), L("h2")));
	ASSERT_EQ(0, symlink("file", L("sym")));
}

FIXTURE_SETUP(ovl)
{
	self->kmsg = kmsg_open();
	ASSERT_LE(0, self->kmsg) TH_LOG("/dev/kmsg: %s", strerror(errno));
	snprintf(self->base, sizeof(self->base), "/tmp/overlay.%s.%d",
		 variant->type, getpid());
	snprintf(self->lower, sizeof(self->lower), "%s/lower", self->base);
	snprintf(self->upperfs, sizeof(self->upperfs), "%s/upperfs", self->base);
	snprintf(self->upper, sizeof(self->upper), "%s/upper", self->upperfs);
	snprintf(self->work, sizeof(self->work), "%s/work", self->upperfs);
	snprintf(self->index, sizeof(self->index), "%s/index", self->work);
	snprintf(self->merged, sizeof(self->merged), "%s/merged", self->base);
	ASSERT_EQ(0, mkdir(self->base, 0755));
	ASSERT_EQ(0, mkdir(self->lower, 0755));
	ASSERT_EQ(0, mkdir(self->upperfs, 0755));
	ASSERT_EQ(0, mkdir(self->merged, 0755));
	ASSERT_EQ(0, mount("none", self->lower, "tmpfs", 0, "size=64m"));
	ASSERT_EQ(0, mount("none", self->upperfs, variant->type, 0,
			   "size=64m,nr_inodes=20000")) {
		TH_LOG("mount %s: %s", variant->type, strerror(errno));
	}
	ASSERT_EQ(0, mkdir(self->upper, 0755));
	ASSERT_EQ(0, mkdir(self->work, 0755));
	populate_lower(_metadata, self);
}

/*
 * In the parent, once the test's process has exited: in this kernel's harness
 * a child that fails an ASSERT longjmps back to where it forked and takes the
 * parent's way out (its "child" variable is not volatile), so a plain
 * FIXTURE_TEARDOWN would be skipped and leave the mounts (and rshmem's module
 * reference) behind. The test's descriptors, /dev/kmsg's among them, closed
 * with its process.
 */
FIXTURE_TEARDOWN_PARENT(ovl)
{
	umount2(self->merged, MNT_DETACH);
	umount2(self->upperfs, MNT_DETACH);
	umount2(self->lower, MNT_DETACH);
	rmdir(self->merged);
	rmdir(self->upperfs);
	rmdir(self->lower);
	rmdir(self->base);
}

/*
 * What overlayfs says of the upper filesystem at mount time (ovl_make_workdir)
 * and in use: it needs d_type in readdir, O_TMPFILE, RENAME_WHITEOUT, trusted.*
 * xattrs and file handles, and hard links to its whiteout; where one is
 * missing it warns and goes on without the features that need it. Also the overlay's persistent
 * uuid (uuid=auto, a first mount): trusted.overlay.uuid on the upper root, and
 * statfs's f_fsid made from it.
 */
TEST_F(ovl, upper_requirements)
{
	static const struct {
		const char *needle, *what;
	} complaints[] = {
		{ "needs to support d_type", "d_type in readdir" },
		{ "does not support tmpfile", "O_TMPFILE" },
		{ "does not support RENAME_WHITEOUT", "RENAME_WHITEOUT" },
		{ "failed to set xattr on upper", "trusted.* xattrs" },
		{ "upper fs does not support file handles", "file handles" },
		{ "Failed to link whiteout", "hard links to a whiteout" },
		{ "falling back", "what a feature asked for needs" },
		{ "uuid", "a persistent overlay uuid" },
		{ "missing required features", "what overlayfs requires" },
	};
	unsigned char uuid[64];
	struct statfs sfs;
	uint64_t a, b, fold;
	ssize_t n;

	ovl_mount_unchecked(_metadata, self, "redirect_dir=on,index=on");
	/*
	 * Whiteouts: the first unlink makes the shared whiteout and links it;
	 * a rename of a lower directory uses RENAME_WHITEOUT and a redirect.
	 */
	ASSERT_OK(unlink(M("gone")));
	ASSERT_OK(unlink(M("meta")));
	EXPECT_EQ(0, rename(M("rd"), M("rd2"))) TH_LOG("%s", strerror(errno));
	EXPECT_TRUE(is_whiteout(U("rd")));
	kmsg_collect(self);
	for (size_t i = 0; i < sizeof(complaints) / sizeof(complaints[0]); i++) {
		EXPECT_TRUE(strstr(self->log, complaints[i].needle) == NULL)
			TH_LOG("the upper fs lacks %s", complaints[i].what);
	}
	TH_LOG("%s: overlayfs said: %s", variant->type,
	       *self->log ? self->log : "nothing");
	TH_LOG("%s: mounted with %s", variant->type, ovl_options(self));
	check_options(_metadata, self, "redirect_dir=on,index=on", 0);

	n = xattr(self->upper, XATTR("uuid"), uuid, sizeof(uuid));
	ASSERT_EQ(16, n) TH_LOG("trusted.overlay.uuid: %s", strerror(errno));
	ASSERT_EQ(0, statfs(self->merged, &sfs));
	memcpy(&a, uuid, 8);
	memcpy(&b, uuid + 8, 8);
	fold = le64toh(a) ^ le64toh(b);
	EXPECT_EQ((uint32_t)fold, (uint32_t)sfs.f_fsid.__val[0]);
	EXPECT_EQ((uint32_t)(fold >> 32), (uint32_t)sfs.f_fsid.__val[1]);
}

/*
 * Opening a lower file for writing copies it up, with its parents: data, mode,
 * owner, mtime and user.* xattrs, and trusted.overlay.origin holding the lower
 * file's handle; the merged file keeps its st_ino and st_dev (those of the
 * origin). Writes then go to upper only.
 */
TEST_F(ovl, copy_up_on_write)
{
	struct stat before, after, up, lo;
	char buf[64];
	int fd;

	ovl_mount(_metadata, self, "");
	ASSERT_EQ(0, stat(M("file"), &before));
	ASSERT_EQ(0, stat(L("file"), &lo));
	EXPECT_EQ(lo.st_ino, before.st_ino);
	EXPECT_EQ(-1, lstat(U("file"), &up));
	EXPECT_EQ(ENOENT, errno);

	/* Opened for writing, not written: copied up as it is. */
	fd = open(M("file"), O_RDWR);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, lstat(U("file"), &up)) TH_LOG("not copied up");
	EXPECT_TRUE(S_ISREG(up.st_mode));
	EXPECT_EQ(0640, up.st_mode & 07777);
	EXPECT_EQ(1000, up.st_uid);
	EXPECT_EQ(1000, up.st_gid);
	EXPECT_EQ(11, up.st_size);
	EXPECT_EQ(LOWER_MTIME, up.st_mtim.tv_sec);
	EXPECT_EQ(123456789, up.st_mtim.tv_nsec);
	EXPECT_TRUE(content_is(U("file"), "lower file\n"));
	ASSERT_EQ(10, xattr(U("file"), "user.note", buf, sizeof(buf)))
		TH_LOG("user.note: %s", strerror(errno));
	EXPECT_STREQ("from lower", buf);
	check_fb_xattr(_metadata, U("file"), XATTR("origin"), L("file"), 0);
	/* The upper root is impure: it holds an entry with an origin. */
	ASSERT_EQ(1, xattr(self->upper, XATTR("impure"), buf, sizeof(buf)))
		TH_LOG("impure: %s", strerror(errno));
	EXPECT_EQ('y', buf[0]);

	ASSERT_EQ(0, append(M("file"), "more\n"));
	EXPECT_TRUE(content_is(M("file"), "lower file\nmore\n"));
	EXPECT_TRUE(content_is(U("file"), "lower file\nmore\n"));
	EXPECT_TRUE(content_is(L("file"), "lower file\n"));
	ASSERT_EQ(0, stat(M("file"), &after));
	EXPECT_EQ(before.st_ino, after.st_ino);
	EXPECT_EQ(before.st_dev, after.st_dev);
	EXPECT_EQ(16, after.st_size);
	/* The merged view shows the upper file's xattrs. */
	ASSERT_EQ(10, getxattr(M("file"), "user.note", buf, sizeof(buf)));
	EXPECT_EQ(0, setxattr(M("file"), "user.note", "upper", 5, 0));
	EXPECT_EQ(5, xattr(U("file"), "user.note", buf, sizeof(buf)));
	EXPECT_EQ(10, xattr(L("file"), "user.note", buf, sizeof(buf)));

	/* A file two directories down: its parents come up first. */
	ASSERT_EQ(0, stat(M("deep/er/file"), &before));
	EXPECT_EQ(-1, lstat(U("deep"), &up));
	ASSERT_EQ(0, append(M("deep/er/file"), "er\n"));
	EXPECT_TRUE(content_is(M("deep/er/file"), "deep\ner\n"));
	EXPECT_TRUE(content_is(L("deep/er/file"), "deep\n"));
	ASSERT_EQ(0, lstat(U("deep"), &up));
	EXPECT_TRUE(S_ISDIR(up.st_mode));
	EXPECT_EQ(0750, up.st_mode & 07777);
	ASSERT_EQ(0, lstat(U("deep/er"), &up));
	EXPECT_EQ(0755, up.st_mode & 07777);
	EXPECT_STREQ("file", listing(U("deep/er")));
	EXPECT_STREQ("file", listing(M("deep/er")));
	check_fb_xattr(_metadata, U("deep"), XATTR("origin"), L("deep"), 0);
	check_fb_xattr(_metadata, U("deep/er"), XATTR("origin"), L("deep/er"), 0);
	check_fb_xattr(_metadata, U("deep/er/file"), XATTR("origin"),
		       L("deep/er/file"), 0);
	ASSERT_EQ(0, stat(M("deep/er/file"), &after));
	EXPECT_EQ(before.st_ino, after.st_ino);
	EXPECT_EQ(before.st_dev, after.st_dev);

	/* A file made in the overlay is upper only, with no origin. */
	put_str(_metadata, M("deep/new"), "new\n");
	EXPECT_TRUE(content_is(U("deep/new"), "new\n"));
	EXPECT_EQ(-1, access(L("deep/new"), F_OK));
	EXPECT_TRUE(no_xattr(U("deep/new"), XATTR("origin")));
	EXPECT_STREQ("er new", listing(M("deep")));
	/* The merged root: lower's names, once each. */
	EXPECT_STREQ("deep file gone h1 h2 meta meta2 od p rd sym",
		     listing(M("")));
}

/*
 * Unlinking a lower file leaves a whiteout, a character device 0/0, in upper
 * (listed with d_type DT_CHR, which overlayfs relies on to hide it); the
 * merged view no longer has the name. A file made again under that name
 * replaces the whiteout.
 */
TEST_F(ovl, unlink_whiteout)
{
	struct stat st;

	ovl_mount(_metadata, self, "");
	ASSERT_OK(unlink(M("gone")));
	EXPECT_EQ(-1, stat(M("gone"), &st));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, open(M("gone"), O_RDONLY));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_TRUE(content_is(L("gone"), "to be removed\n"));
	EXPECT_TRUE(is_whiteout(U("gone"))) TH_LOG("no whiteout in upper");
	ASSERT_EQ(0, lstat(U("gone"), &st));
	EXPECT_EQ(0, st.st_size);
	EXPECT_EQ(DT_CHR, dtype_of(self->upper, "gone"));
	EXPECT_STREQ("deep file h1 h2 meta meta2 od p rd sym", listing(M("")));

	/* A copied-up file, unlinked: a whiteout too. */
	ASSERT_EQ(0, append(M("deep/er/file"), "x"));
	ASSERT_OK(unlink(M("deep/er/file")));
	EXPECT_TRUE(is_whiteout(U("deep/er/file")));
	EXPECT_STREQ("", listing(M("deep/er")));
	EXPECT_STREQ("file", listing(U("deep/er")));
	/* A removed symlink. */
	ASSERT_OK(unlink(M("sym")));
	EXPECT_TRUE(is_whiteout(U("sym")));
	EXPECT_EQ(-1, lstat(M("sym"), &st));

	/* Made again: a regular file over the whiteout. */
	put_str(_metadata, M("gone"), "back\n");
	EXPECT_TRUE(content_is(M("gone"), "back\n"));
	ASSERT_EQ(0, lstat(U("gone"), &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(DT_REG, dtype_of(self->upper, "gone"));
	EXPECT_TRUE(content_is(L("gone"), "to be removed\n"));
	EXPECT_STREQ("deep file gone h1 h2 meta meta2 od p rd", listing(M("")));
}

/*
 * A lower directory emptied through the overlay, removed and made again: the
 * rmdir leaves a whiteout, the mkdir an upper directory marked opaque
 * (trusted.overlay.opaque "y"), through which none of the lower directory's
 * names show.
 */
TEST_F(ovl, rmdir_recreate_opaque)
{
	char buf[16];
	struct stat st;

	ovl_mount(_metadata, self, "");
	EXPECT_STREQ("x y", listing(M("od")));
	EXPECT_EQ(-1, rmdir(M("od")));
	EXPECT_EQ(ENOTEMPTY, errno);
	ASSERT_OK(unlink(M("od/x")));
	ASSERT_OK(unlink(M("od/y")));
	EXPECT_STREQ("", listing(M("od")));
	EXPECT_TRUE(is_whiteout(U("od/x")));
	ASSERT_OK(rmdir(M("od")));
	EXPECT_EQ(-1, stat(M("od"), &st));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_TRUE(is_whiteout(U("od"))) TH_LOG("no whiteout for the directory");
	EXPECT_STREQ("x y", listing(L("od")));

	ASSERT_OK(mkdir(M("od"), 0700));
	ASSERT_EQ(0, lstat(U("od"), &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(0700, st.st_mode & 07777);
	ASSERT_EQ(1, xattr(U("od"), XATTR("opaque"), buf, sizeof(buf)))
		TH_LOG("trusted.overlay.opaque: %s", strerror(errno));
	EXPECT_EQ('y', buf[0]);
	EXPECT_STREQ("", listing(M("od")));
	EXPECT_STREQ("", listing(U("od")));
	EXPECT_EQ(-1, stat(M("od/x"), &st));
	EXPECT_EQ(ENOENT, errno);
	put_str(_metadata, M("od/z"), "z\n");
	EXPECT_STREQ("z", listing(M("od")));
	EXPECT_STREQ("z", listing(U("od")));
	/* Opaque: the lower "x" does not show, even made again in upper. */
	put_str(_metadata, M("od/x"), "new x\n");
	EXPECT_TRUE(content_is(M("od/x"), "new x\n"));
	EXPECT_STREQ("x z", listing(M("od")));
	EXPECT_STREQ("x y", listing(L("od")));
	/* After a remount too. */
	ovl_remount(_metadata, self, "");
	EXPECT_STREQ("x z", listing(M("od")));
	EXPECT_EQ(-1, stat(M("od/y"), &st));
}

/*
 * Renaming a lower directory: EXDEV without redirect_dir (the default here),
 * which leaves everything as it was; with redirect_dir=on the directory is
 * copied up (not its content), marked with trusted.overlay.redirect (its old
 * name within the same parent, its absolute old path across parents) and
 * moved, leaving a whiteout; the merged view shows the lower content under the
 * new name, after a remount too.
 */
TEST_F(ovl, rename_dir_redirect)
{
	char buf[256];
	struct stat st, before, after;

	ovl_mount(_metadata, self, "");
	EXPECT_EQ(-1, rename(M("rd"), M("rd2")));
	EXPECT_EQ(EXDEV, errno);
	EXPECT_STREQ("f sub", listing(M("rd")));
	EXPECT_EQ(-1, lstat(U("rd"), &st));
	ovl_remount(_metadata, self, "redirect_dir=on");

	ASSERT_EQ(0, stat(M("rd/sub"), &before));
	ASSERT_OK(rename(M("rd"), M("rd2")));
	EXPECT_EQ(-1, stat(M("rd"), &st));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_STREQ("f sub", listing(M("rd2")));
	EXPECT_TRUE(content_is(M("rd2/f"), "in rd\n"));
	EXPECT_TRUE(content_is(M("rd2/sub/g"), "g\n"));
	EXPECT_TRUE(is_whiteout(U("rd")));
	ASSERT_EQ(0, lstat(U("rd2"), &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_STREQ("", listing(U("rd2")));	/* the content stays below */
	ASSERT_EQ(2, xattr(U("rd2"), XATTR("redirect"), buf, sizeof(buf)))
		TH_LOG("trusted.overlay.redirect: %s", strerror(errno));
	EXPECT_STREQ("rd", buf);
	check_fb_xattr(_metadata, U("rd2"), XATTR("origin"), L("rd"), 0);
	EXPECT_STREQ("f sub", listing(L("rd")));

	/* Into another parent: an absolute redirect; the parent is impure. */
	ASSERT_OK(rename(M("p/q"), M("deep/q2")));
	EXPECT_STREQ("", listing(M("p")));
	EXPECT_TRUE(content_is(M("deep/q2/f"), "in q\n"));
	EXPECT_TRUE(is_whiteout(U("p/q")));
	ASSERT_EQ(4, xattr(U("deep/q2"), XATTR("redirect"), buf, sizeof(buf)));
	EXPECT_STREQ("/p/q", buf);
	ASSERT_EQ(1, xattr(U("deep"), XATTR("impure"), buf, sizeof(buf)));
	EXPECT_EQ('y', buf[0]);
	/* A renamed directory renamed again keeps its absolute origin. */
	ASSERT_OK(rename(M("rd2"), M("deep/rd3")));
	ASSERT_EQ(3, xattr(U("deep/rd3"), XATTR("redirect"), buf, sizeof(buf)));
	EXPECT_STREQ("/rd", buf);
	EXPECT_TRUE(content_is(M("deep/rd3/sub/g"), "g\n"));
	/* A write below it copies the file up into the moved directory. */
	ASSERT_EQ(0, append(M("deep/rd3/f"), "+\n"));
	EXPECT_TRUE(content_is(U("deep/rd3/f"), "in rd\n+\n"));

	ovl_remount(_metadata, self, "redirect_dir=on");
	EXPECT_EQ(-1, stat(M("rd"), &st));
	EXPECT_EQ(-1, stat(M("p/q"), &st));
	EXPECT_STREQ("f sub", listing(M("deep/rd3")));
	EXPECT_TRUE(content_is(M("deep/rd3/f"), "in rd\n+\n"));
	EXPECT_TRUE(content_is(M("deep/rd3/sub/g"), "g\n"));
	EXPECT_TRUE(content_is(M("deep/q2/f"), "in q\n"));
	ASSERT_EQ(0, stat(M("deep/rd3/sub"), &after));
	EXPECT_EQ(before.st_mode, after.st_mode);
}

/*
 * index=on: the upper root records the lower root as its origin, the index
 * directory (work/index) the upper root's handle (trusted.overlay.upper); a
 * lower file with two links is copied up into the index, under the hex of its
 * origin handle, and linked from there, so that both names stay one file.
 * Without index the copy-up breaks the link.
 */
TEST_F(ovl, index_hardlinks)
{
	struct stat h1, h2, up1, up2, ix;
	const char *name;
	char buf[64];

	ovl_mount(_metadata, self, "index=on");
	check_fb_xattr(_metadata, self->upper, XATTR("origin"), self->lower, 0);
	ASSERT_EQ(0, lstat(self->index, &ix)) TH_LOG("no index directory");
	EXPECT_TRUE(S_ISDIR(ix.st_mode));
	check_fb_xattr(_metadata, self->index, XATTR("upper"), self->upper, 1);
	EXPECT_STREQ("", listing(self->index));

	ASSERT_EQ(0, stat(M("h1"), &h1));
	EXPECT_EQ(2, h1.st_nlink);
	ASSERT_EQ(0, append(M("h1"), "more\n"));
	EXPECT_TRUE(content_is(M("h1"), "linked\nmore\n"));
	EXPECT_TRUE(content_is(M("h2"), "linked\nmore\n"))
		TH_LOG("the copy-up broke the link");
	EXPECT_TRUE(content_is(L("h1"), "linked\n"));
	ASSERT_EQ(0, stat(M("h2"), &h2));
	EXPECT_EQ(h1.st_ino, h2.st_ino);
	EXPECT_EQ(2, h2.st_nlink);
	ASSERT_EQ(0, lstat(U("h1"), &up1));
	EXPECT_EQ(-1, lstat(U("h2"), &up2));	/* not copied up by name yet */
	check_fb_xattr(_metadata, U("h1"), XATTR("origin"), L("h1"), 0);
	name = index_name(U("h1"));
	ASSERT_STRNE("", name);
	EXPECT_STREQ(name, listing(self->index));
	ASSERT_EQ(0, lstat(IX(name), &ix));
	EXPECT_EQ(up1.st_ino, ix.st_ino);
	EXPECT_EQ(2, ix.st_nlink);	/* the index entry and h1 */
	EXPECT_LT(0, xattr(U("h1"), XATTR("nlink"), buf, sizeof(buf)))
		TH_LOG("trusted.overlay.nlink: %s", strerror(errno));

	/* Written by its other name: linked to the index, not copied again. */
	ASSERT_EQ(0, append(M("h2"), "two\n"));
	EXPECT_TRUE(content_is(M("h1"), "linked\nmore\ntwo\n"));
	ASSERT_EQ(0, lstat(U("h2"), &up2));
	EXPECT_EQ(up1.st_ino, up2.st_ino);
	ASSERT_EQ(0, lstat(IX(name), &ix));
	EXPECT_EQ(3, ix.st_nlink);
	/* Files with one link are not indexed. */
	ASSERT_EQ(0, append(M("file"), "x"));
	EXPECT_STREQ(name, listing(self->index));

	/* A remount verifies the root's origin and keeps the link. */
	ovl_remount(_metadata, self, "index=on");
	EXPECT_TRUE(content_is(M("h2"), "linked\nmore\ntwo\n"));
	ASSERT_EQ(0, stat(M("h2"), &h2));
	EXPECT_EQ(h1.st_ino, h2.st_ino);
	EXPECT_STREQ(name, listing(self->index));
	/* One name removed: the other still reads the file; nlink follows. */
	ASSERT_OK(unlink(M("h1")));
	EXPECT_TRUE(content_is(M("h2"), "linked\nmore\ntwo\n"));
	ASSERT_EQ(0, stat(M("h2"), &h2));
	EXPECT_EQ(1, h2.st_nlink);
}

/* Without index=on, a copy-up breaks a lower hard link (the default). */
TEST_F(ovl, hardlink_without_index)
{
	struct stat h1, h2;

	ovl_mount(_metadata, self, "");
	ASSERT_EQ(0, append(M("h1"), "more\n"));
	EXPECT_TRUE(content_is(M("h1"), "linked\nmore\n"));
	EXPECT_TRUE(content_is(M("h2"), "linked\n"));
	ASSERT_EQ(0, stat(M("h1"), &h1));
	ASSERT_EQ(0, stat(M("h2"), &h2));
	EXPECT_NE(h1.st_ino, h2.st_ino);
	EXPECT_EQ(-1, lstat(self->index, &h1));
	/* No origin for a file with other links (it could not stay one inode). */
	EXPECT_TRUE(no_xattr(U("h1"), XATTR("origin")));
}

/*
 * metacopy=on: chmod and chown copy up the metadata only: the upper file has
 * the new mode and owner, the lower size, no blocks and no data
 * (trusted.overlay.metacopy, empty: no verity digest), and the merged file
 * reads the lower data and reports its blocks. A rename copies up the metadata
 * too, with a redirect to the lower name. After a remount the same; the first
 * write copies the data up and removes the metacopy xattr.
 */
TEST_F(ovl, metacopy)
{
	static char want[META_SIZE], want2[META_SIZE], got[META_SIZE + 1];
	struct stat lo, up, me;
	char buf[64];
	int fd;

	meta_pattern(want, sizeof(want), 1);
	meta_pattern(want2, sizeof(want2), 2);
	ovl_mount(_metadata, self, "redirect_dir=on,metacopy=on");
	ASSERT_EQ(0, stat(L("meta"), &lo));
	ASSERT_OK(chmod(M("meta"), 0600));
	ASSERT_OK(chown(M("meta"), 1000, 1001));
	ASSERT_EQ(0, lstat(U("meta"), &up)) TH_LOG("not copied up");
	EXPECT_EQ(0600, up.st_mode & 07777);
	EXPECT_EQ(1000, up.st_uid);
	EXPECT_EQ(1001, up.st_gid);
	EXPECT_EQ(META_SIZE, up.st_size);
	EXPECT_EQ(0, up.st_blocks);
	EXPECT_EQ(0, xattr(U("meta"), XATTR("metacopy"), buf, sizeof(buf)))
		TH_LOG("trusted.overlay.metacopy: %s", strerror(errno));
	check_fb_xattr(_metadata, U("meta"), XATTR("origin"), L("meta"), 0);
	/* The upper file holds no data: zeros. */
	ASSERT_EQ(META_SIZE, slurp(U("meta"), got, sizeof(got)));
	for (size_t i = 0; i < META_SIZE; i++)
		ASSERT_EQ(0, got[i]);
	/* The merged file: upper metadata, lower data and blocks. */
	ASSERT_EQ(0, stat(M("meta"), &me));
	EXPECT_EQ(0600, me.st_mode & 07777);
	EXPECT_EQ(1000, me.st_uid);
	EXPECT_EQ(META_SIZE, me.st_size);
	EXPECT_EQ(lo.st_blocks, me.st_blocks);
	EXPECT_EQ(lo.st_ino, me.st_ino);
	ASSERT_EQ(META_SIZE, slurp(M("meta"), got, sizeof(got)));
	EXPECT_EQ(0, memcmp(want, got, META_SIZE));
	/* The lower file is as it was. */
	ASSERT_EQ(0, stat(L("meta"), &lo));
	EXPECT_EQ(0644, lo.st_mode & 07777);
	EXPECT_EQ(0, lo.st_uid);

	/* A rename: metadata copy-up, a redirect, a whiteout. */
	ASSERT_OK(rename(M("meta2"), M("meta2r")));
	EXPECT_TRUE(is_whiteout(U("meta2")));
	ASSERT_EQ(0, lstat(U("meta2r"), &up));
	EXPECT_EQ(0, up.st_blocks);
	EXPECT_EQ(0, xattr(U("meta2r"), XATTR("metacopy"), buf, sizeof(buf)));
	ASSERT_EQ(5, xattr(U("meta2r"), XATTR("redirect"), buf, sizeof(buf)));
	EXPECT_STREQ("meta2", buf);
	ASSERT_EQ(META_SIZE, slurp(M("meta2r"), got, sizeof(got)));
	EXPECT_EQ(0, memcmp(want2, got, META_SIZE));

	ovl_remount(_metadata, self, "redirect_dir=on,metacopy=on");
	ASSERT_EQ(META_SIZE, slurp(M("meta"), got, sizeof(got)));
	EXPECT_EQ(0, memcmp(want, got, META_SIZE));
	ASSERT_EQ(META_SIZE, slurp(M("meta2r"), got, sizeof(got)));
	EXPECT_EQ(0, memcmp(want2, got, META_SIZE));
	ASSERT_EQ(0, stat(M("meta"), &me));
	EXPECT_EQ(0600, me.st_mode & 07777);

	/* A write: the data comes up, the xattr goes. */
	fd = open(M("meta"), O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, pwrite(fd, "X", 1, 5000));
	ASSERT_EQ(0, close(fd));
	want[5000] = 'X';
	errno = 0;
	EXPECT_EQ(-1, xattr(U("meta"), XATTR("metacopy"), buf, sizeof(buf)));
	EXPECT_EQ(ENODATA, errno);
	ASSERT_EQ(0, lstat(U("meta"), &up));
	EXPECT_LT(0, up.st_blocks);
	EXPECT_EQ(0600, up.st_mode & 07777);
	ASSERT_EQ(META_SIZE, slurp(U("meta"), got, sizeof(got)));
	EXPECT_EQ(0, memcmp(want, got, META_SIZE));
	ASSERT_EQ(META_SIZE, slurp(M("meta"), got, sizeof(got)));
	EXPECT_EQ(0, memcmp(want, got, META_SIZE));
	meta_pattern(want, sizeof(want), 1);
	ASSERT_EQ(META_SIZE, slurp(L("meta"), got, sizeof(got)));
	EXPECT_EQ(0, memcmp(want, got, META_SIZE));
}

/* The bits xino=on uses, from overlayfs's "xino" line, or 0. */
static int xino_bits(const char *log)
{
	const char *p = strstr(log, "\"xino\" feature enabled using ");
	int bits = 0;

	if (p)
		sscanf(p, "\"xino\" feature enabled using %d", &bits);
	return bits;
}

/*
 * xino=on: every inode has the overlay's st_dev, and its st_ino is the real
 * one with the layer's fsid in the high bits (0 for upper, 1 for the lower
 * layer): for a lower object and one copied up from it (its origin's), a
 * directory too; after a remount the same numbers.
 */
TEST_F(ovl, xino)
{
	struct stat root, lo, st, up;
	unsigned long long lower_bit;
	int bits;

	ovl_mount(_metadata, self, "xino=on");
	bits = xino_bits(self->log);
	ASSERT_LT(0, bits) TH_LOG("no \"xino\" line: %s", self->log);
	lower_bit = 1ULL << (64 - bits + 1);
	ASSERT_EQ(0, stat(M(""), &root));
	ASSERT_EQ(0, stat(M("file"), &st));
	ASSERT_EQ(0, stat(L("file"), &lo));
	EXPECT_EQ(root.st_dev, st.st_dev);
	EXPECT_EQ(lo.st_ino | lower_bit, st.st_ino);
	ASSERT_EQ(0, stat(M("deep"), &st));
	ASSERT_EQ(0, stat(L("deep"), &lo));
	EXPECT_EQ(root.st_dev, st.st_dev);
	EXPECT_EQ(lo.st_ino | lower_bit, st.st_ino);
	/* Copied up: the same. */
	ASSERT_EQ(0, append(M("deep/er/file"), "x"));
	ASSERT_EQ(0, stat(M("deep/er/file"), &st));
	ASSERT_EQ(0, stat(L("deep/er/file"), &lo));
	EXPECT_EQ(root.st_dev, st.st_dev);
	EXPECT_EQ(lo.st_ino | lower_bit, st.st_ino);
	ASSERT_EQ(0, stat(M("deep"), &st));
	ASSERT_EQ(0, stat(L("deep"), &lo));
	EXPECT_EQ(lo.st_ino | lower_bit, st.st_ino);
	/* Upper only: the upper number. */
	put_str(_metadata, M("deep/new"), "new\n");
	ASSERT_EQ(0, stat(M("deep/new"), &st));
	ASSERT_EQ(0, stat(U("deep/new"), &up));
	EXPECT_EQ(root.st_dev, st.st_dev);
	EXPECT_EQ(up.st_ino, st.st_ino);
	/* Persistent across a remount. */
	ovl_remount(_metadata, self, "xino=on");
	ASSERT_EQ(0, stat(M("deep/er/file"), &st));
	ASSERT_EQ(0, stat(L("deep/er/file"), &lo));
	EXPECT_EQ(lo.st_ino | lower_bit, st.st_ino);
	ASSERT_EQ(0, stat(M("deep"), &st));
	ASSERT_EQ(0, stat(L("deep"), &lo));
	EXPECT_EQ(lo.st_ino | lower_bit, st.st_ino);
	ASSERT_EQ(0, stat(M("deep/new"), &st));
	EXPECT_EQ(up.st_ino, st.st_ino);
}

/*
 * nfs_export=on (with index=on): every copy-up is indexed, a file's index
 * entry a link to it, a directory's a directory holding its upper handle; the
 * overlay's file handles (type OVL_FILEID_V1) open lower, copied-up and
 * upper-only objects, across the copy-up and a remount; once the file is
 * removed its index entry is a whiteout and its handle is stale.
 */
TEST_F(ovl, nfs_export)
{
	struct handle hfile, hdir, hnew, again;
	struct stat st, up, ix;
	const char *name;
	char buf[64];
	int fd, fd2;

	ovl_mount(_metadata, self, "index=on,nfs_export=on");
	put_str(_metadata, M("new"), "upper only\n");
	ASSERT_EQ(0, get_handle(M("file"), &hfile)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(OVL_FILEID_V1, hfile.fh.handle_type);
	ASSERT_EQ(0, get_handle(M("deep"), &hdir));
	ASSERT_EQ(0, get_handle(M("new"), &hnew));
	fd = open_handle(self->merged, &hfile, O_RDONLY);
	ASSERT_LE(0, fd) TH_LOG("open_by_handle_at: %s", strerror(errno));
	ASSERT_EQ(11, read(fd, buf, sizeof(buf)));
	ASSERT_EQ(0, close(fd));

	/* The file copied up: indexed; its old handle reads the new data. */
	ASSERT_EQ(0, append(M("file"), "more\n"));
	ASSERT_EQ(0, lstat(U("file"), &up));
	name = index_name(U("file"));
	ASSERT_STRNE("", name);
	ASSERT_EQ(0, lstat(IX(name), &ix)) TH_LOG("no index entry");
	EXPECT_EQ(up.st_ino, ix.st_ino);
	fd = open_handle(self->merged, &hfile, O_RDONLY);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(16, read(fd, buf, sizeof(buf)));
	ASSERT_EQ(0, close(fd));
	/* An indexed object's handle is still that of its origin. */
	ASSERT_EQ(0, get_handle(M("file"), &again));
	EXPECT_EQ(hfile.fh.handle_bytes, again.fh.handle_bytes);
	EXPECT_EQ(0, memcmp(hfile.fh.f_handle, again.fh.f_handle,
			    hfile.fh.handle_bytes));

	/* A directory copied up (by a file made in it): indexed too. */
	put_str(_metadata, M("deep/er/new2"), "n\n");
	name = index_name(U("deep"));
	ASSERT_STRNE("", name);
	ASSERT_EQ(0, lstat(IX(name), &ix));
	EXPECT_TRUE(S_ISDIR(ix.st_mode));
	check_fb_xattr(_metadata, IX(name), XATTR("upper"),
		       U("deep"), 1);
	fd = open_handle(self->merged, &hdir, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(errno));
	fd2 = openat(fd, "er/new2", O_RDONLY);
	EXPECT_LE(0, fd2);
	close(fd2);
	ASSERT_EQ(0, close(fd));

	ovl_remount(_metadata, self, "index=on,nfs_export=on");
	fd = open_handle(self->merged, &hfile, O_RDONLY);
	ASSERT_LE(0, fd) TH_LOG("after remount: %s", strerror(errno));
	ASSERT_EQ(16, read(fd, buf, sizeof(buf)));
	ASSERT_EQ(0, close(fd));
	fd = open_handle(self->merged, &hnew, O_RDONLY);
	ASSERT_LE(0, fd) TH_LOG("upper only, after remount: %s", strerror(errno));
	ASSERT_EQ(11, read(fd, buf, sizeof(buf)));
	ASSERT_EQ(0, fstat(fd, &st));
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, stat(M("new"), &up));
	EXPECT_EQ(up.st_ino, st.st_ino);
	fd = open_handle(self->merged, &hdir, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd) TH_LOG("directory, after remount: %s", strerror(errno));
	ASSERT_EQ(0, close(fd));

	/* Removed: the index entry becomes a whiteout, the handle is stale. */
	name = index_name(U("file"));
	ASSERT_OK(unlink(M("file")));
	EXPECT_TRUE(is_whiteout(IX(name)));
	errno = 0;
	EXPECT_EQ(-1, open_handle(self->merged, &hfile, O_RDONLY));
	EXPECT_EQ(ESTALE, errno);
}

struct text {
	char *s;
	size_t len, cap;
};

static void tprintf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->s = realloc(t->s, t->cap);
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, n + 1, fmt, ap);
	va_end(ap);
	t->len += n;
}

static uint64_t file_hash(const char *path)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ buf[i]) * 0x100000001b3ULL;
	close(fd);
	return h;
}

/*
 * One line for each name under @root/@rel, depth first in name order: type and
 * mode, owner, size, links, inode and device numbers, content hash or link
 * target, and the xattrs with their values (through an overlay, the ones it
 * shows: not its own).
 */
static void snapshot(struct text *t, const char *root, const char *rel)
{
	char dir[1024], names[4096], *save, *name;

	snprintf(dir, sizeof(dir), "%s%s%s", root, *rel ? "/" : "", rel);
	snprintf(names, sizeof(names), "%s", listing(dir));
	for (name = strtok_r(names, " ", &save); name;
	     name = strtok_r(NULL, " ", &save)) {
		char path[1100], sub[1100], target[256], xnames[1024], v[256];
		struct stat st;
		ssize_t n;

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", name);
		if (lstat(path, &st)) {
			tprintf(t, "%s: %s\n", sub, strerror(errno));
			continue;
		}
		tprintf(t, "%s %o %u:%u size %lld", sub, st.st_mode, st.st_uid,
			st.st_gid, (long long)st.st_size);
		/* Whiteouts share one inode while the overlay is mounted. */
		if (!is_whiteout(path))
			tprintf(t, " links %lu", (unsigned long)st.st_nlink);
		if (S_ISREG(st.st_mode))
			tprintf(t, " data %016llx",
				(unsigned long long)file_hash(path));
		if (S_ISLNK(st.st_mode)) {
			n = readlink(path, target, sizeof(target) - 1);
			target[n < 0 ? 0 : n] = 0;
			tprintf(t, " -> %s", target);
		}
		tprintf(t, " ino %llu rdev %u:%u", (unsigned long long)st.st_ino,
			major(st.st_rdev), minor(st.st_rdev));
		n = llistxattr(path, xnames, sizeof(xnames));
		for (ssize_t off = 0; n > 0 && off < n;
		     off += strlen(xnames + off) + 1) {
			ssize_t len = lgetxattr(path, xnames + off, v, sizeof(v));

			tprintf(t, " %s=", xnames + off);
			for (ssize_t i = 0; i < len; i++)
				tprintf(t, "%02x", (unsigned char)v[i]);
		}
		tprintf(t, "\n");
		if (S_ISDIR(st.st_mode))
			snapshot(t, root, sub);
	}
}

/* The first line where @a and @b differ, for the log. */
static void first_difference(struct __test_metadata *_metadata,
			     const char *a, const char *b)
{
	while (*a && *b) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");

		if (la != lb || memcmp(a, b, la)) {
			TH_LOG("before: %.*s", (int)la, a);
			TH_LOG("after:  %.*s", (int)lb, b);
			return;
		}
		a += la + !!a[la];
		b += lb + !!b[lb];
	}
	TH_LOG("before ends with: %.80s", a);
	TH_LOG("after ends with: %.80s", b);
}

#define ALL_FEATURES "redirect_dir=on,index=on,xino=on,metacopy=on"

/*
 * Everything at once, then an unmount and a remount with the same options:
 * the merged tree (names, modes, owners, sizes, links, inode numbers, which
 * xino and the origins make persistent, contents and xattrs) and the upper
 * layer (with overlayfs's xattrs) are the same, as is the overlay's fsid;
 * the remounted overlay goes on writing the same upper files.
 */
TEST_F(ovl, remount_same_tree)
{
	struct text merged1 = {}, merged2 = {}, upper1 = {}, upper2 = {}, upper3 = {};
	struct statfs s1, s2;
	struct stat st, up1, up2;

	ovl_mount(_metadata, self, ALL_FEATURES);
	ASSERT_EQ(0, append(M("file"), "more\n"));	/* copy-up */
	ASSERT_OK(unlink(M("gone")));		/* whiteout */
	ASSERT_OK(unlink(M("od/x")));
	ASSERT_OK(unlink(M("od/y")));
	ASSERT_OK(rmdir(M("od")));
	ASSERT_OK(mkdir(M("od"), 0755));		/* opaque */
	put_str(_metadata, M("od/z"), "z\n");
	ASSERT_OK(rename(M("rd"), M("rd2")));	/* redirect */
	ASSERT_OK(rename(M("p/q"), M("deep/q2")));
	ASSERT_OK(chmod(M("meta"), 0600));		/* metacopy */
	ASSERT_EQ(0, append(M("h1"), "more\n"));	/* index */
	ASSERT_OK(lchown(M("sym"), 1000, 1000));	/* a symlink copied up */
	ASSERT_OK(mkdir(M("new"), 0700));		/* upper only */
	ASSERT_OK(mkdir(M("new/dir"), 0755));
	put_str(_metadata, M("new/dir/file"), "new\n");
	ASSERT_OK(link(M("new/dir/file"), M("new/link")));
	ASSERT_EQ(0, symlink("dir/file", M("new/sym")));
	ASSERT_OK(mknod(M("new/fifo"), S_IFIFO | 0644, 0));
	ASSERT_EQ(0, statfs(M(""), &s1));
	ASSERT_EQ(0, lstat(U("file"), &up1));

	snapshot(&merged1, self->merged, "");
	snapshot(&upper1, self->upper, "");
	ovl_umount(_metadata, self);
	snapshot(&upper2, self->upper, "");
	EXPECT_STREQ(upper1.s, upper2.s)
		first_difference(_metadata, upper1.s, upper2.s);
	ovl_mount(_metadata, self, ALL_FEATURES);
	snapshot(&merged2, self->merged, "");
	EXPECT_STREQ(merged1.s, merged2.s)
		first_difference(_metadata, merged1.s, merged2.s);
	snapshot(&upper3, self->upper, "");
	EXPECT_STREQ(upper1.s, upper3.s)
		first_difference(_metadata, upper1.s, upper3.s);
	ASSERT_EQ(0, statfs(M(""), &s2));
	EXPECT_EQ(0, memcmp(&s1.f_fsid, &s2.f_fsid, sizeof(s1.f_fsid)));
	TH_LOG("%s: the merged tree:\n%s", variant->type, merged2.s);

	/* The tree as the operations left it. */
	EXPECT_TRUE(content_is(M("file"), "lower file\nmore\n"));
	EXPECT_EQ(-1, stat(M("gone"), &st));
	EXPECT_STREQ("z", listing(M("od")));
	EXPECT_STREQ("f sub", listing(M("rd2")));
	EXPECT_EQ(-1, stat(M("rd"), &st));
	EXPECT_TRUE(content_is(M("deep/q2/f"), "in q\n"));
	EXPECT_TRUE(content_is(M("h2"), "linked\nmore\n"));
	EXPECT_TRUE(content_is(M("new/link"), "new\n"));
	ASSERT_EQ(0, stat(M("meta"), &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, xattr(U("meta"), XATTR("metacopy"), (char[8]){0}, 8));
	/* Writes go to the same upper file. */
	ASSERT_EQ(0, append(M("file"), "again\n"));
	ASSERT_EQ(0, lstat(U("file"), &up2));
	EXPECT_EQ(up1.st_ino, up2.st_ino);
	EXPECT_TRUE(content_is(U("file"), "lower file\nmore\nagain\n"));
	free(merged1.s);
	free(merged2.s);
	free(upper1.s);
	free(upper2.s);
	free(upper3.s);
}

TEST_HARNESS_MAIN
