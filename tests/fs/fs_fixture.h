/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture every filesystem test uses: a fresh instance of the filesystem
 * under test, rshmem or tmpfs (the two variants of each test), mounted at a
 * directory of its own. A case that passes on tmpfs and fails on rshmem is a
 * bug in rshmem.
 */
#ifndef RSHMEM_FS_FIXTURE_H
#define RSHMEM_FS_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "../lib/lsm.h"
#include "../lib/page.h"

FIXTURE(fs) {
	char dir[128];
	char path[512];
};

FIXTURE_VARIANT(fs) {
	const char *type;
	const char *opts;
};

FIXTURE_VARIANT_ADD(fs, rshmem) {
	.type = "rshmem",
	.opts = "size=64m,nr_inodes=20000",
};

FIXTURE_VARIANT_ADD(fs, tmpfs) {
	.type = "tmpfs",
	.opts = "size=64m,nr_inodes=20000",
};

/*
 * A test that defines FS_FIXTURE_HUGE before including this file runs on two
 * more instances: rshmem and tmpfs with huge=always, whose files live in
 * PMD-size folios wherever one fits. Every test of fs/ and race/ does; where
 * a result depends on the folio size, the test says what each instance must
 * give.
 */
#ifdef FS_FIXTURE_HUGE
FIXTURE_VARIANT_ADD(fs, rshmem_huge) {
	.type = "rshmem",
	.opts = "size=64m,nr_inodes=20000,huge=always",
};

FIXTURE_VARIANT_ADD(fs, tmpfs_huge) {
	.type = "tmpfs",
	.opts = "size=64m,nr_inodes=20000,huge=always",
};
#endif

FIXTURE_SETUP(fs)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/%s.%s.%d", __FILE__,
		 variant->type, getpid());
	for (char *p = self->dir + 5; *p; p++)
		if (*p == '/')
			*p = '_';
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	ASSERT_EQ(0, mount("none", self->dir, variant->type, 0, variant->opts)) {
		TH_LOG("mount %s: %s", variant->type, strerror(errno));
	}
}

/*
 * In the parent: after a failed ASSERT, this kselftest_harness.h skips a
 * teardown that runs in the test's child, and the instance (with the module
 * reference it holds) would outlive the test.
 */
FIXTURE_TEARDOWN_PARENT(fs)
{
	/* Detached: a failed test may still hold a file open. */
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
}

/*
 * A second fixture, NAME, for tests that need an instance with limits OPTS of
 * their own; its directory is self->dir. With FS_FIXTURE_HUGE, it too runs on
 * huge=always instances besides.
 */
#ifdef FS_FIXTURE_HUGE
#define LIMITED_FS_FIXTURE_HUGE_VARIANTS(NAME)					\
	FIXTURE_VARIANT_ADD(NAME, rshmem_huge) {				\
		.type = "rshmem", .huge = ",huge=always"			\
	};									\
	FIXTURE_VARIANT_ADD(NAME, tmpfs_huge) {					\
		.type = "tmpfs", .huge = ",huge=always"				\
	};
#else
#define LIMITED_FS_FIXTURE_HUGE_VARIANTS(NAME)
#endif

#define LIMITED_FS_FIXTURE(NAME, OPTS)						\
	FIXTURE(NAME) {								\
		char dir[128];							\
	};									\
	FIXTURE_VARIANT(NAME) {							\
		const char *type;						\
		const char *huge;						\
	};									\
	FIXTURE_VARIANT_ADD(NAME, rshmem) { .type = "rshmem", .huge = "" };	\
	FIXTURE_VARIANT_ADD(NAME, tmpfs) { .type = "tmpfs", .huge = "" };	\
	LIMITED_FS_FIXTURE_HUGE_VARIANTS(NAME)					\
	FIXTURE_SETUP(NAME)							\
	{									\
		char opts[256];							\
										\
		snprintf(self->dir, sizeof(self->dir), "/tmp/" #NAME ".%s.%d",	\
			 variant->type, getpid());				\
		snprintf(opts, sizeof(opts), "%s%s", OPTS, variant->huge);	\
		ASSERT_EQ(0, mkdir(self->dir, 0755));				\
		ASSERT_EQ(0, mount("none", self->dir, variant->type, 0, opts));	\
	}									\
	FIXTURE_TEARDOWN_PARENT(NAME)						\
	{									\
		umount2(self->dir, MNT_DETACH);					\
		rmdir(self->dir);						\
	}

/* Whether the instance is one of FS_FIXTURE_HUGE's huge=always ones. */
static inline int huge_instance(const FIXTURE_VARIANT(fs) *variant)
{
	return strstr(variant->opts, "huge=always") != NULL;
}

/* The PMD size of x86-64: the size of a huge=always instance's folios. */
#define PMD_FOLIO (2L << 20)

/*
 * The unit a write allocates in: a page, or on a huge=always instance a
 * PMD-size folio (write(2) allocates one wherever it is aligned, on tmpfs and
 * rshmem alike). Tests of sparse layouts scale their offsets by it.
 */
static inline long grain(const FIXTURE_VARIANT(fs) *variant)
{
	return huge_instance(variant) ? PMD_FOLIO : PAGE;
}

/* @name inside the instance; valid until the next call. */
static inline const char *in(FIXTURE_DATA(fs) *self, const char *name)
{
	snprintf(self->path, sizeof(self->path), "%s/%s", self->dir, name);
	return self->path;
}

/* A second path buffer, for calls that take two. */
static inline const char *in2(FIXTURE_DATA(fs) *self, const char *name)
{
	static char path2[512];

	snprintf(path2, sizeof(path2), "%s/%s", self->dir, name);
	return path2;
}

static inline int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* Runs @fn as user 1000 in a child; returns its exit status. */
static inline int as_user(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		if (setgid(1000) || setuid(1000))
			_exit(99);
		_exit(fn(arg));
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#endif
