// SPDX-License-Identifier: GPL-2.0
/*
 * Mount option values (issue 10): each value of each option, at its edges
 * (0, 1, around a page, the suffixes up to and past 2^64, percentages of RAM
 * past 100, octal and hex, -1, bad suffixes, nothing), mounted with mount(2)
 * on rshmem and on tmpfs with the same option string and compared: success
 * or the errno; on success the /proc/mounts line after the filesystem type
 * (the options and the dump and pass fields: they must match exactly),
 * statfs's f_blocks, f_bfree, f_files and f_ffree, and the mode and owner of
 * the root directory. Then remount (MS_REMOUNT) of an instance that holds
 * files: every size= and nr_inodes= value again, a size below what is in
 * use, size=0 on a limited instance, nr_inodes below use, growing, limiting
 * an unlimited instance, and what remount does with mode=, uid= and gid=.
 * The file's data must survive every remount. tmpfs is the reference; a
 * difference fails unless expected_diffs[] lists it with its reason.
 *
 * MOUNT_VALUES_FS=tmpfs runs tmpfs in place of rshmem (to check the test
 * where the module is not loaded).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tally.h"

#define FILE_BYTES (64 * 1024 + 100)	/* 17 pages of data in the used instance. */
#define NR_FILES 3			/* Files in it; with the root, 4 inodes. */

static const char *const values_size[] = {
	"0", "1", "4095", "4096", "4097", "1k", "1m", "1g", "1t", "1p", "1e", "16e",
	"0%", "1%", "50%", "100%", "101%", "1000%",
	"18446744073709551615", "18446744073709551616", "0x1000", "010", "-1", "1z", "",
};
static const char *const values_inodes[] = {
	"0", "1", "1k", "18014398509481983", "18014398509481984", "18446744073709551615",
	"-1", "1%", "",
};
static const char *const values_mode[] = {
	"0", "0777", "1777", "7777", "17777", "77777777777", "8", "-1", "",
};
static const char *const values_id[] = {
	"0", "1000", "4294967294", "4294967295", "4294967296", "-1", "",
};

/* What one mount or remount left, to compare. */
struct outcome {
	int ret, err;
	char line[256];		/* /proc/mounts after the type. */
	long long blocks, bfree, files, ffree;
	unsigned int mode, uid, gid;
	long long data;		/* Remount: bytes of the file read back, or -errno. */
	unsigned long long sum;	/* And their checksum. */
};


FIXTURE(mv) {
	const char *type[2];
	char dir[2][96];
	struct tally tally;
};

FIXTURE_SETUP(mv)
{
	const char *alt = getenv("MOUNT_VALUES_FS");

	self->type[0] = alt && *alt ? alt : "rshmem";
	self->type[1] = "tmpfs";
	for (int i = 0; i < 2; i++) {
		snprintf(self->dir[i], sizeof(self->dir[i]), "/tmp/mount_values.%d.%s.%d", i,
			 self->type[i], getpid());
		ASSERT_EQ(0, mkdir(self->dir[i], 0755));
	}
	if (mount("none", self->dir[0], self->type[0], 0, "") && errno == ENODEV) {
		/* No teardown after a skip in setup. */
		rmdir(self->dir[0]);
		rmdir(self->dir[1]);
		SKIP(return, "no %s filesystem (module not loaded?)", self->type[0]);
	}
	umount(self->dir[0]);
}

FIXTURE_TEARDOWN(mv)
{
	for (int i = 0; i < 2; i++) {
		while (umount2(self->dir[i], MNT_DETACH) == 0)
			;
		rmdir(self->dir[i]);
	}
}

/* The /proc/mounts line of @dir after its type, or "" if it is not mounted. */
static void mounts_line(const char *dir, char *out, size_t len)
{
	char line[1024], mnt[512], type[64];
	FILE *f = fopen("/proc/mounts", "r");
	int at;

	out[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %511s %63s %n", mnt, type, &at) != 2)
			continue;
		if (strcmp(mnt, dir))
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(out, len, "%s", line + at);
	}
	fclose(f);
}

static void observe(const char *dir, struct outcome *o)
{
	struct statfs sf;
	struct stat st;

	mounts_line(dir, o->line, sizeof(o->line));
	if (statfs(dir, &sf) == 0) {
		o->blocks = sf.f_blocks;
		o->bfree = sf.f_bfree;
		o->files = sf.f_files;
		o->ffree = sf.f_ffree;
	}
	if (stat(dir, &st) == 0) {
		o->mode = st.st_mode;
		o->uid = st.st_uid;
		o->gid = st.st_gid;
	}
}

/* Files with data in a fresh instance: what remount must keep. */
static int populate(const char *dir)
{
	static char buf[FILE_BYTES];
	char path[160];

	for (int i = 0; i < FILE_BYTES; i++)
		buf[i] = (char)(i * 7 + i / 4096);
	for (int n = 0; n < NR_FILES; n++) {
		int fd;

		snprintf(path, sizeof(path), "%s/f%d", dir, n);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return -1;
		if (n == 0 && write(fd, buf, FILE_BYTES) != FILE_BYTES) {
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

static void read_back(const char *dir, struct outcome *o)
{
	static char buf[FILE_BYTES + 10];
	char path[160];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/f0", dir);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		o->data = -errno;
		return;
	}
	n = read(fd, buf, sizeof(buf));
	o->data = n < 0 ? -errno : n;
	for (ssize_t i = 0; i < n; i++)
		o->sum = o->sum * 131 + (unsigned char)buf[i];
	close(fd);
}

static void fmt(const struct outcome *o, char *buf, size_t len)
{
	int n = snprintf(buf, len, "ret=%d", o->ret);

	if (o->ret)
		n += snprintf(buf + n, len - n, " %s", strerrorname_np(o->err) ?: "?");
	n += snprintf(buf + n, len - n,
		      " '%s' blocks=%lld bfree=%lld files=%lld ffree=%lld root=%o %u:%u",
		      o->line, o->blocks, o->bfree, o->files, o->ffree, o->mode, o->uid, o->gid);
	if (o->data)
		snprintf(buf + n, len - n, " data=%lld/%llx", o->data, o->sum & 0xffffff);
}

/*
 * The differences from tmpfs that are by design, each with its reason: none
 * so far. A match function gets the option string and both outcomes.
 */
static const struct {
	const char *why;
	int (*match)(const char *opts, const struct outcome *rs, const struct outcome *tm);
} expected_diffs[] = {
	{ NULL, NULL },
};

static void compare(struct __test_metadata *_metadata, FIXTURE_DATA(mv) *self,
		    const char *what, const char *opts, const struct outcome *o)
{
	char a[512], b[512];

	self->tally.cases++;
	if (!memcmp(&o[0], &o[1], sizeof(o[0])))
		return;
	self->tally.differ++;
	for (int i = 0; expected_diffs[i].match; i++) {
		if (expected_diffs[i].match(opts, &o[0], &o[1])) {
			self->tally.expected++;
			TH_LOG("expected difference, %s -o '%s': %s", what, opts,
			       expected_diffs[i].why);
			return;
		}
	}
	fmt(&o[0], a, sizeof(a));
	fmt(&o[1], b, sizeof(b));
	TH_LOG("DIFF %s -o '%s': %s {%s} %s {%s}", what, opts, self->type[0], a,
	       self->type[1], b);
}

static void finish(struct __test_metadata *_metadata, FIXTURE_DATA(mv) *self, const char *name)
{
	tally_print(name, &self->tally);
	printf("\n");
	fflush(stdout);
	tally_add(&self->tally);
	EXPECT_EQ(0, self->tally.differ - self->tally.expected);
}

/* Mounts both with @opts, compares, unmounts. */
static void mount_case(struct __test_metadata *_metadata, FIXTURE_DATA(mv) *self,
		       const char *opts)
{
	struct outcome o[2];

	memset(o, 0, sizeof(o));
	for (int i = 0; i < 2; i++) {
		o[i].ret = mount("none", self->dir[i], self->type[i], 0, opts);
		o[i].err = o[i].ret ? errno : 0;
		if (o[i].ret == 0) {
			observe(self->dir[i], &o[i]);
			ASSERT_EQ(0, umount(self->dir[i])) TH_LOG("umount %s", self->type[i]);
		}
	}
	compare(_metadata, self, "mount", opts, o);
}

/*
 * Mounts both with @base, puts files in, remounts with @opts; compares the
 * remount's outcome, the data included.
 */
static void remount_case(struct __test_metadata *_metadata, FIXTURE_DATA(mv) *self,
			 const char *base, const char *opts)
{
	struct outcome o[2];
	char what[128];

	memset(o, 0, sizeof(o));
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, mount("none", self->dir[i], self->type[i], 0, base))
			TH_LOG("%s -o '%s': %s", self->type[i], base, strerror(errno));
		ASSERT_EQ(0, populate(self->dir[i])) TH_LOG("%s: %s", self->type[i], strerror(errno));
		o[i].ret = mount("none", self->dir[i], self->type[i], MS_REMOUNT, opts);
		o[i].err = o[i].ret ? errno : 0;
		observe(self->dir[i], &o[i]);
		read_back(self->dir[i], &o[i]);
		ASSERT_EQ(0, umount(self->dir[i])) TH_LOG("umount %s", self->type[i]);
	}
	snprintf(what, sizeof(what), "remount of -o '%s' with files", base);
	compare(_metadata, self, what, opts, o);
}

TEST_F(mv, mount_values)
{
	static const struct {
		const char *name;
		const char *const *v;
		size_t n;
	} opts[] = {
		{ "size", values_size, ARRAY_SIZE(values_size) },
		{ "nr_inodes", values_inodes, ARRAY_SIZE(values_inodes) },
		{ "mode", values_mode, ARRAY_SIZE(values_mode) },
		{ "uid", values_id, ARRAY_SIZE(values_id) },
		{ "gid", values_id, ARRAY_SIZE(values_id) },
	};
	static const char *const other[] = {
		"", "bogus", "bogus=1", "size", "nr_inodes", "mode", "uid", "gid",
		"size=1m,bogus", "size=1m,,nr_inodes=10", "size=2m,size=1m",
		"inode64", "inode32", "noswap", "inode64=0", "noswap=1", "inode32,inode64",
		"noswap,size=1m,inode64", "noswap,noswap",
	};
	char buf[128];

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		for (size_t j = 0; j < opts[i].n; j++) {
			snprintf(buf, sizeof(buf), "%s=%s", opts[i].name, opts[i].v[j]);
			mount_case(_metadata, self, buf);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(other); i++)
		mount_case(_metadata, self, other[i]);
	finish(_metadata, self, "mount_values mount");
}

TEST_F(mv, remount_values)
{
	/* Limited: 1 MiB, 10 inodes; in use: 17 pages, 4 inodes. */
	static const char *const base = "size=1m,nr_inodes=10";
	static const char *const cases[][2] = {
		/* Below what is in use, and at it. */
		{ base, "size=64k" },
		{ base, "size=68k" },
		{ base, "size=72k" },
		{ base, "nr_inodes=3" },
		{ base, "nr_inodes=4" },
		/* Unlimited from limited, and the reverse. */
		{ base, "size=0" },
		{ base, "nr_inodes=0" },
		{ base, "size=0,nr_inodes=0" },
		{ "size=0,nr_inodes=0", "size=1m" },
		{ "size=0,nr_inodes=0", "nr_inodes=10" },
		{ "size=0,nr_inodes=0", "size=0" },
		/* Growing, and no change. */
		{ base, "size=2m" },
		{ base, "nr_inodes=100" },
		{ base, "size=2m,nr_inodes=100" },
		{ base, "size=1m,nr_inodes=10" },
		{ base, "" },
		/* Not changed by remount on tmpfs: mode and owner. */
		{ base, "mode=0700" },
		{ base, "uid=1000,gid=1000" },
		{ "mode=0700,uid=1000,gid=1000", "mode=1777,uid=0,gid=0" },
		/* Refused: nothing changes. */
		{ base, "bogus" },
		{ base, "size=64k,nr_inodes=100" },
		{ base, "size=2m,nr_inodes=3" },
		/* inode64 and inode32 switch; noswap only stays, and is checked last. */
		{ base, "inode64" },
		{ "inode64", "inode32" },
		{ base, "noswap" },
		{ base, "size=2m,noswap" },
		{ base, "size=64k,noswap" },
		{ "noswap", "noswap" },
		{ "noswap,inode64", "size=2m" },
	};
	char buf[128];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		remount_case(_metadata, self, cases[i][0], cases[i][1]);
	/* Every value of size= and nr_inodes= as a remount of the used instance. */
	for (size_t j = 0; j < ARRAY_SIZE(values_size); j++) {
		snprintf(buf, sizeof(buf), "size=%s", values_size[j]);
		remount_case(_metadata, self, base, buf);
	}
	for (size_t j = 0; j < ARRAY_SIZE(values_inodes); j++) {
		snprintf(buf, sizeof(buf), "nr_inodes=%s", values_inodes[j]);
		remount_case(_metadata, self, base, buf);
	}
	finish(_metadata, self, "mount_values remount");
}

int main(int argc, char **argv)
{
	if (tally_init("mount_values"))
		return KSFT_FAIL;
	return test_harness_run(argc, argv);
}
