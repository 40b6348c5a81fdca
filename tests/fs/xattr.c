// SPDX-License-Identifier: GPL-2.0
/*
 * Extended attributes and POSIX ACLs, as tmpfs has them with
 * CONFIG_TMPFS_XATTR and CONFIG_TMPFS_POSIX_ACL (mm/shmem.c, fs/xattr.c,
 * fs/posix_acl.c): the user., trusted. and security. namespaces and who may
 * use them, the create/replace flags, the size query, the name and value
 * limits, listing order, the charge against nr_inodes= (40 bytes, the name
 * and the value out of 1024 per inode), the LSM's label of a new inode (Smack
 * in the test kernel), default ACLs inherited by new files in place of the
 * umask, and chmod rewriting the access ACL; on rshmem and on tmpfs.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

/* Also on huge=always instances (fs_fixture.h). */
#define FS_FIXTURE_HUGE
#include "fs_fixture.h"

/* Builds a list of NUL-terminated names, as listxattr returns it. */
static size_t names(char *buf, const char *const *list)
{
	size_t n = 0;

	for (; *list; list++) {
		strcpy(buf + n, *list);
		n += strlen(*list) + 1;
	}
	return n;
}

TEST_F(fs, user_set_get_flags)
{
	const char *f = in(self, "f");
	char buf[64];

	ASSERT_EQ(0, write_file(f, "x", 1));
	/* A size query, then the value. */
	ASSERT_EQ(0, setxattr(f, "user.a", "hello", 5, 0));
	EXPECT_EQ(5, getxattr(f, "user.a", NULL, 0));
	EXPECT_EQ(5, getxattr(f, "user.a", buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	/* Too small a buffer. */
	EXPECT_EQ(-1, getxattr(f, "user.a", buf, 4));
	EXPECT_EQ(ERANGE, errno);
	/* XATTR_CREATE on an existing name, XATTR_REPLACE on a missing one. */
	EXPECT_EQ(-1, setxattr(f, "user.a", "x", 1, XATTR_CREATE));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, setxattr(f, "user.b", "x", 1, XATTR_REPLACE));
	EXPECT_EQ(ENODATA, errno);
	EXPECT_EQ(-1, getxattr(f, "user.b", buf, sizeof(buf)));
	EXPECT_EQ(ENODATA, errno);
	/* Replace, with a shorter value. */
	ASSERT_EQ(0, setxattr(f, "user.a", "hi", 2, XATTR_REPLACE));
	EXPECT_EQ(2, getxattr(f, "user.a", buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hi", 2));
	/* An empty value is a value. */
	ASSERT_EQ(0, setxattr(f, "user.empty", "", 0, XATTR_CREATE));
	EXPECT_EQ(0, getxattr(f, "user.empty", buf, sizeof(buf)));
	/* Removal, and removal of what is not there. */
	ASSERT_EQ(0, removexattr(f, "user.a"));
	EXPECT_EQ(-1, getxattr(f, "user.a", buf, sizeof(buf)));
	EXPECT_EQ(ENODATA, errno);
	EXPECT_EQ(-1, removexattr(f, "user.a"));
	EXPECT_EQ(ENODATA, errno);
	/* Unknown namespaces. */
	EXPECT_EQ(-1, setxattr(f, "bogus.a", "x", 1, 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, setxattr(f, "user.", "x", 1, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(fs, user_on_each_kind)
{
	char buf[16];

	ASSERT_EQ(0, mkdir(in(self, "d"), 0755));
	EXPECT_EQ(0, setxattr(in(self, "d"), "user.a", "d", 1, 0));
	EXPECT_EQ(1, getxattr(in(self, "d"), "user.a", buf, sizeof(buf)));
	/* user.* only on regular files and directories (xattr_permission). */
	ASSERT_EQ(0, symlink("d", in(self, "l")));
	EXPECT_EQ(-1, lsetxattr(in(self, "l"), "user.a", "x", 1, 0));
	EXPECT_EQ(EPERM, errno);
	ASSERT_EQ(0, mknod(in(self, "p"), S_IFIFO | 0644, 0));
	EXPECT_EQ(-1, setxattr(in(self, "p"), "user.a", "x", 1, 0));
	EXPECT_EQ(EPERM, errno);
	ASSERT_EQ(0, mknod(in(self, "c"), S_IFCHR | 0644, makedev(1, 3)));
	EXPECT_EQ(-1, setxattr(in(self, "c"), "user.a", "x", 1, 0));
	EXPECT_EQ(EPERM, errno);
	/* trusted.* goes on any kind, for root. */
	EXPECT_EQ(0, lsetxattr(in(self, "l"), "trusted.a", "l", 1, 0));
	EXPECT_EQ(1, lgetxattr(in(self, "l"), "trusted.a", buf, sizeof(buf)));
	EXPECT_EQ(0, setxattr(in(self, "c"), "trusted.a", "c", 1, 0));
	EXPECT_EQ(1, getxattr(in(self, "c"), "trusted.a", buf, sizeof(buf)));
}

TEST_F(fs, limits)
{
	const char *f = in(self, "f");
	static char big[65537];
	char name[300];

	ASSERT_EQ(0, write_file(f, "", 0));
	memset(big, 'v', sizeof(big));
	/* 64 KiB values, no more (E2BIG). */
	EXPECT_EQ(0, setxattr(f, "user.big", big, 65536, 0));
	EXPECT_EQ(65536, getxattr(f, "user.big", NULL, 0));
	EXPECT_EQ(-1, setxattr(f, "user.big2", big, 65537, 0));
	EXPECT_EQ(E2BIG, errno);
	/* Names of 255 bytes, no more (ERANGE). */
	strcpy(name, "user.");
	memset(name + 5, 'n', 250);
	name[255] = 0;
	EXPECT_EQ(0, setxattr(f, name, "x", 1, 0));
	EXPECT_EQ(1, getxattr(f, name, NULL, 0));
	name[255] = 'n';
	name[256] = 0;
	EXPECT_EQ(-1, setxattr(f, name, "x", 1, 0));
	EXPECT_EQ(ERANGE, errno);
}

TEST_F(fs, list_order_and_size_query)
{
	const char *f = in(self, "f");
	const char *const want_names[] = {
		"user.c", "user.b", "user.a", "trusted.t", NULL,
	};
	char want[256], all[1024];
	size_t want_len = names(want, want_names);
	ssize_t len;

	ASSERT_EQ(0, write_file(f, "", 0));
	/*
	 * Set out of order: listed last name first. libfs's rbtree of
	 * attributes compares node against key, the reverse of what its walk
	 * from rb_first assumes, so tmpfs lists in descending strcmp order.
	 */
	ASSERT_EQ(0, setxattr(f, "user.c", "3", 1, 0));
	ASSERT_EQ(0, setxattr(f, "user.a", "1", 1, 0));
	ASSERT_EQ(0, setxattr(f, "trusted.t", "t", 1, 0));
	ASSERT_EQ(0, setxattr(f, "user.b", "2", 1, 0));
	/* A size query gives the length; the stored names come last, in order. */
	len = listxattr(f, NULL, 0);
	ASSERT_GE(len, (ssize_t)want_len);
	ASSERT_EQ(len, listxattr(f, all, sizeof(all)));
	EXPECT_EQ(0, memcmp(all + len - want_len, want, want_len));
	/* One byte less is ERANGE. */
	EXPECT_EQ(-1, listxattr(f, all, len - 1));
	EXPECT_EQ(ERANGE, errno);
	/* Removing the middle one keeps the order. */
	ASSERT_EQ(0, removexattr(f, "user.b"));
	len = listxattr(f, all, sizeof(all));
	ASSERT_GE(len, 24);
	EXPECT_EQ(0, memcmp(all + len - 24, "user.c\0user.a\0trusted.t\0", 24));
}

static int unprivileged(void *arg)
{
	const char *f = arg;
	char buf[4096];
	ssize_t len, i;

	/* trusted.* needs CAP_SYS_ADMIN, to set, to get, and to be listed. */
	if (setxattr(f, "trusted.u", "x", 1, 0) != -1 || errno != EPERM)
		return 1;
	if (getxattr(f, "trusted.t", buf, sizeof(buf)) != -1 || errno != ENODATA)
		return 2;
	len = listxattr(f, buf, sizeof(buf));
	if (len < 0)
		return 3;
	for (i = 0; i < len; i += strlen(buf + i) + 1)
		if (!strncmp(buf + i, "trusted.", 8))
			return 4;
	/* user.* needs write permission to set, read permission to get. */
	if (setxattr(f, "user.u", "x", 1, 0) != -1 || errno != EACCES)
		return 5;
	if (getxattr(f, "user.a", buf, sizeof(buf)) != 1)
		return 6;
	return 0;
}

TEST_F(fs, trusted_needs_cap_sys_admin)
{
	const char *f = in(self, "f");

	ASSERT_EQ(0, write_file(f, "", 0));
	ASSERT_EQ(0, chmod(f, 0644));
	ASSERT_EQ(0, chmod(self->dir, 0755));
	ASSERT_EQ(0, setxattr(f, "trusted.t", "t", 1, 0));
	ASSERT_EQ(0, setxattr(f, "user.a", "a", 1, 0));
	EXPECT_EQ(0, as_user(unprivileged, (void *)f));
}

TEST_F(fs, ctime_and_survival)
{
	const char *f = in(self, "f");
	struct stat a, b;
	char buf[8];

	ASSERT_EQ(0, write_file(f, "", 0));
	ASSERT_EQ(0, stat(f, &a));
	usleep(20000);
	ASSERT_EQ(0, setxattr(f, "user.a", "1", 1, 0));
	ASSERT_EQ(0, stat(f, &b));
	/* A set changes ctime, not mtime. */
	EXPECT_TRUE(b.st_ctim.tv_sec > a.st_ctim.tv_sec ||
		    (b.st_ctim.tv_sec == a.st_ctim.tv_sec &&
		     b.st_ctim.tv_nsec > a.st_ctim.tv_nsec));
	EXPECT_EQ(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);
	/* Attributes belong to the inode: through a link and a rename. */
	ASSERT_EQ(0, link(f, in2(self, "g")));
	EXPECT_EQ(1, getxattr(in2(self, "g"), "user.a", buf, sizeof(buf)));
	ASSERT_EQ(0, rename(in2(self, "g"), in(self, "h")));
	EXPECT_EQ(1, getxattr(in(self, "h"), "user.a", buf, sizeof(buf)));
}

static long ffree(const char *dir)
{
	struct statfs s;

	return statfs(dir, &s) ? -1 : (long)s.f_ffree;
}

/* f_ffree with @used bytes of the fixture's 20000 inodes' space in use. */
static long ffree_with(long used)
{
	return (20000L * 1024 - used) / 1024;
}

TEST_F(fs, charged_against_nr_inodes)
{
	const char *f = in(self, "f");
	/* The root and the file, and the file's Smack label if there is one. */
	long base = 2048 + lsm_label_space();
	static char v[4096];

	ASSERT_EQ(0, write_file(f, "", 0));
	EXPECT_EQ(ffree_with(base), ffree(self->dir));
	/* 40 + 6 + 2000 = 2046 bytes. */
	ASSERT_EQ(0, setxattr(f, "user.a", v, 2000, 0));
	EXPECT_EQ(ffree_with(base + 2046), ffree(self->dir));
	/* Replacing charges the new size and gives back the old. */
	ASSERT_EQ(0, setxattr(f, "user.a", v, 1000, 0));
	EXPECT_EQ(ffree_with(base + 1046), ffree(self->dir));
	ASSERT_EQ(0, removexattr(f, "user.a"));
	EXPECT_EQ(ffree_with(base), ffree(self->dir));
	/* An unlinked inode gives back its attributes' space with its own. */
	ASSERT_EQ(0, setxattr(f, "user.a", v, 4000, 0));
	EXPECT_EQ(ffree_with(base + 4046), ffree(self->dir));
	ASSERT_EQ(0, unlink(f));
	EXPECT_EQ(ffree_with(1024), ffree(self->dir));
}

/* Three inodes: the root, one file, and 1024 bytes of attributes. */
LIMITED_FS_FIXTURE(tiny, "nr_inodes=3")

TEST_F(tiny, enospc_at_the_limit)
{
	char path[256], v[1024];
	struct statfs s;

	memset(v, 'v', sizeof(v));
	snprintf(path, sizeof(path), "%s/f", self->dir);
	ASSERT_EQ(0, write_file(path, "", 0));
	ASSERT_EQ(0, statfs(self->dir, &s));
	/* 3072 bytes, 2048 for the root and the file; the rest for attributes. */
	if (smack_active()) {
		/*
		 * Smack's label of the file took 40 + 16 ("security.SMACK64")
		 * + 1 ("_") = 57 bytes: less than an inode's worth is left.
		 */
		EXPECT_EQ(0, (long)s.f_ffree);
		/* 1024 - 57 = 967 bytes: 40 + 6 + 921. */
		EXPECT_EQ(-1, setxattr(path, "user.a", v, 922, 0));
		EXPECT_EQ(ENOSPC, errno);
		EXPECT_EQ(0, setxattr(path, "user.a", v, 921, 0));
	} else {
		EXPECT_EQ(1, (long)s.f_ffree);
		EXPECT_EQ(-1, setxattr(path, "user.a", v, 979, 0));
		EXPECT_EQ(ENOSPC, errno);
		EXPECT_EQ(0, setxattr(path, "user.a", v, 978, 0));
	}
	/* Full: nothing more, not even an empty value (40 + 6 bytes). */
	EXPECT_EQ(-1, setxattr(path, "user.b", "", 0, 0));
	EXPECT_EQ(ENOSPC, errno);
	/* Nor another inode. */
	snprintf(path, sizeof(path), "%s/g", self->dir);
	EXPECT_EQ(-1, open(path, O_CREAT | O_WRONLY, 0644));
	EXPECT_EQ(ENOSPC, errno);
}

TEST_F(fs, lsm_label_of_new_inodes)
{
	char buf[64], l[1024];
	const char *paths[4];
	ssize_t len, j;
	int i, seen, fd;

	if (!smack_active())
		SKIP(return, "no LSM that labels new files in this kernel (Smack)");
	ASSERT_EQ(0, write_file(in(self, "f"), "", 0));
	ASSERT_EQ(0, mkdir(in(self, "d"), 0755));
	ASSERT_EQ(0, symlink("f", in(self, "l")));
	ASSERT_EQ(0, mknod(in(self, "p"), S_IFIFO | 0644, 0));
	paths[0] = "f";
	paths[1] = "d";
	paths[2] = "l";
	paths[3] = "p";
	for (i = 0; i < 4; i++) {
		ssize_t n = lgetxattr(in(self, paths[i]), "security.SMACK64", buf, sizeof(buf));

		/* The floor label, the creator's. */
		EXPECT_EQ(1, n) TH_LOG("%s", paths[i]);
		EXPECT_EQ('_', buf[0]);
		/* Listed once, by the LSM (not again from the store). */
		len = llistxattr(in(self, paths[i]), l, sizeof(l));
		ASSERT_GT(len, 0);
		seen = 0;
		for (j = 0; j < len; j += strlen(l + j) + 1)
			seen += !strcmp(l + j, "security.SMACK64");
		EXPECT_EQ(1, seen) TH_LOG("%s", paths[i]);
	}
	/* Root may relabel. */
	EXPECT_EQ(0, setxattr(in(self, "f"), "security.SMACK64", "Lbl", 3, 0));
	EXPECT_EQ(3, getxattr(in(self, "f"), "security.SMACK64", buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "Lbl", 3));
	/* An O_TMPFILE file is labelled too. */
	fd = open(self->dir, O_TMPFILE | O_RDWR, 0600);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(1, fgetxattr(fd, "security.SMACK64", buf, sizeof(buf)));
	close(fd);
}

/* POSIX ACLs in their xattr form (include/uapi/linux/posix_acl_xattr.h). */
struct acl_entry {
	uint16_t tag, perm;
	uint32_t id;
};
#define ACL_USER_OBJ 0x01
#define ACL_USER 0x02
#define ACL_GROUP_OBJ 0x04
#define ACL_GROUP 0x08
#define ACL_MASK 0x10
#define ACL_OTHER 0x20
#define NOID 0xffffffffu

static size_t acl_blob(char *buf, const struct acl_entry *e, int n)
{
	uint32_t version = 2;

	memcpy(buf, &version, 4);
	memcpy(buf + 4, e, n * sizeof(*e));
	return 4 + n * sizeof(*e);
}

/* The perm of the entry with @tag (and @id for named ones) in an ACL blob. */
static int acl_perm(const char *buf, ssize_t len, int tag, uint32_t id)
{
	const struct acl_entry *e = (const void *)(buf + 4);
	int i, n = (len - 4) / sizeof(*e);

	for (i = 0; i < n; i++)
		if (e[i].tag == tag && (e[i].id == id || e[i].id == NOID))
			return e[i].perm;
	return -1;
}

/* Creates @path with @mode under umask @mask; returns the mode it got, or -1. */
static int create_under_umask(const char *path, mode_t mode, mode_t mask)
{
	mode_t old = umask(mask);
	int fd = open(path, O_CREAT | O_WRONLY, mode);
	struct stat st;

	umask(old);
	if (fd < 0)
		return -1;
	close(fd);
	return stat(path, &st) ? -1 : (int)(st.st_mode & 07777);
}

TEST_F(fs, acl_default_inherited_and_chmod)
{
	const struct acl_entry def[] = {
		{ ACL_USER_OBJ, 7, NOID }, { ACL_USER, 5, 1000 },
		{ ACL_GROUP_OBJ, 5, NOID }, { ACL_MASK, 7, NOID },
		{ ACL_OTHER, 0, NOID },
	};
	char blob[128], got[128], l[512];
	size_t len = acl_blob(blob, def, 5);
	ssize_t n;

	ASSERT_EQ(0, mkdir(in(self, "d"), 0755));
	ASSERT_EQ(0, setxattr(in(self, "d"), "system.posix_acl_default", blob, len, 0));
	n = getxattr(in(self, "d"), "system.posix_acl_default", got, sizeof(got));
	ASSERT_EQ((ssize_t)len, n);
	EXPECT_EQ(0, memcmp(blob, got, len));
	/* The default ACL replaces the umask: 0666 & the ACL = 0660, not 0600. */
	EXPECT_EQ(0660, create_under_umask(in(self, "d/f"), 0666, 077));
	n = getxattr(in(self, "d/f"), "system.posix_acl_access", got, sizeof(got));
	ASSERT_EQ((ssize_t)len, n);
	EXPECT_EQ(5, acl_perm(got, n, ACL_USER, 1000));
	EXPECT_EQ(6, acl_perm(got, n, ACL_MASK, NOID));
	EXPECT_EQ(-1, getxattr(in(self, "d/f"), "system.posix_acl_default", got, sizeof(got)));
	EXPECT_EQ(ENODATA, errno);
	/* A subdirectory inherits the default ACL as both its ACLs. */
	ASSERT_EQ(0, mkdir(in(self, "d/sub"), 0777));
	EXPECT_EQ((ssize_t)len, getxattr(in(self, "d/sub"), "system.posix_acl_default",
					 got, sizeof(got)));
	EXPECT_EQ((ssize_t)len, getxattr(in(self, "d/sub"), "system.posix_acl_access",
					 got, sizeof(got)));
	/* chmod rewrites the mask entry, which stands for the group bits. */
	ASSERT_EQ(0, chmod(in(self, "d/f"), 0640));
	n = getxattr(in(self, "d/f"), "system.posix_acl_access", got, sizeof(got));
	ASSERT_EQ((ssize_t)len, n);
	EXPECT_EQ(4, acl_perm(got, n, ACL_MASK, NOID));
	EXPECT_EQ(5, acl_perm(got, n, ACL_USER, 1000));
	/* The ACL names are listed first. */
	n = listxattr(in(self, "d"), l, sizeof(l));
	ASSERT_GT(n, 0);
	EXPECT_EQ(0, strcmp(l, "system.posix_acl_default"));
	/* Removing the default ACL: new files get the umask again. */
	ASSERT_EQ(0, removexattr(in(self, "d"), "system.posix_acl_default"));
	EXPECT_EQ(0600, create_under_umask(in(self, "d/g"), 0666, 077));
	EXPECT_EQ(-1, getxattr(in(self, "d/g"), "system.posix_acl_access", got, sizeof(got)));
	EXPECT_EQ(ENODATA, errno);
}

TEST_F(fs, acl_equivalent_to_mode_is_the_mode)
{
	const struct acl_entry min[] = {
		{ ACL_USER_OBJ, 6, NOID }, { ACL_GROUP_OBJ, 4, NOID }, { ACL_OTHER, 0, NOID },
	};
	const struct acl_entry bad[] = {
		{ ACL_GROUP_OBJ, 4, NOID }, { ACL_USER_OBJ, 6, NOID }, { ACL_OTHER, 0, NOID },
	};
	char blob[64], got[64];
	size_t len = acl_blob(blob, min, 3);
	struct stat st;

	ASSERT_EQ(0, write_file(in(self, "f"), "", 0));
	ASSERT_EQ(0, chmod(in(self, "f"), 0777));
	/* A minimal ACL is only the mode: no ACL is kept (posix_acl_update_mode). */
	ASSERT_EQ(0, setxattr(in(self, "f"), "system.posix_acl_access", blob, len, 0));
	ASSERT_EQ(0, stat(in(self, "f"), &st));
	EXPECT_EQ(0640, st.st_mode & 07777);
	EXPECT_EQ(-1, getxattr(in(self, "f"), "system.posix_acl_access", got, sizeof(got)));
	EXPECT_EQ(ENODATA, errno);
	/* Entries out of order are no ACL. */
	len = acl_blob(blob, bad, 3);
	EXPECT_EQ(-1, setxattr(in(self, "f"), "system.posix_acl_access", blob, len, 0));
	EXPECT_EQ(EINVAL, errno);
	/* A default ACL on a file is refused (EACCES, as posix_acl's checks say). */
	len = acl_blob(blob, min, 3);
	EXPECT_EQ(-1, setxattr(in(self, "f"), "system.posix_acl_default", blob, len, 0));
	EXPECT_EQ(EACCES, errno);
}

TEST_HARNESS_MAIN
