// SPDX-License-Identifier: GPL-2.0
/*
 * userns_run: runs a command as root of a new user namespace, with no real
 * privileges. A tool of tests/hardening/userns.sh, not a test itself.
 *
 *   userns_run [-u UID] COMMAND [ARG...]
 *     Started as root: drops to UID (default 1000) and its group of the same
 *     number, with no supplementary groups and so no capabilities; then
 *     unshares a user and a mount namespace, denies setgroups(2), maps uid
 *     and gid 0 of the namespace to UID, and executes COMMAND, which runs as
 *     uid 0 with every capability in the namespace and none outside it (it
 *     can mount file systems marked FS_USERNS_MOUNT, and nothing else).
 *   userns_run -m FILE
 *     A mapping check, for use inside: maps FILE (at least two pages) shared,
 *     writes through the mapping, reads the bytes back with pread(2), writes
 *     with pwrite(2) and reads that back through the mapping; exit 0 if all
 *     matched.
 *
 * Exit status: COMMAND's, or 1 when a step fails (with a message), 2 on bad
 * usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "../lib/page.h"

static int fail(const char *what)
{
	fprintf(stderr, "userns_run: %s: %s\n", what, strerror(errno));
	return 1;
}

static int write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int map_check(const char *path)
{
	static char buf[PAGE];
	int fd = open(path, O_RDWR);
	char *p;

	if (fd < 0)
		return fail(path);
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap");
	memset(p, 'm', PAGE);
	if (msync(p, PAGE, MS_SYNC))
		return fail("msync");
	if (pread(fd, buf, PAGE, 0) != PAGE)
		return fail("pread");
	for (int i = 0; i < PAGE; i++)
		if (buf[i] != 'm') {
			fprintf(stderr, "userns_run: byte %d: %#x read, 'm' written mapped\n",
				i, buf[i]);
			return 1;
		}
	memset(buf, 'w', PAGE);
	if (pwrite(fd, buf, PAGE, PAGE) != PAGE)
		return fail("pwrite");
	for (int i = 0; i < PAGE; i++)
		if (p[PAGE + i] != 'w') {
			fprintf(stderr, "userns_run: mapped byte %ld: %#x, 'w' written\n",
				PAGE + i, p[PAGE + i]);
			return 1;
		}
	munmap(p, 2 * PAGE);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	uid_t uid = 1000;
	char map[64];
	int opt;

	while ((opt = getopt(argc, argv, "+u:m:")) != -1) {
		switch (opt) {
		case 'u':
			uid = atoi(optarg);
			break;
		case 'm':
			return map_check(optarg);
		default:
			goto usage;
		}
	}
	if (optind >= argc)
		goto usage;

	/* Nobody in particular: no groups, no capabilities left. */
	if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
		return fail("dropping to the user");
	if (getuid() != uid || geteuid() != uid || getgid() != uid)
		return fail("still privileged");
	/*
	 * The credentials changed, so the process is no longer dumpable, and its
	 * /proc files would belong to the real root, out of its reach: uid_map
	 * could not be written.
	 */
	if (prctl(PR_SET_DUMPABLE, 1))
		return fail("PR_SET_DUMPABLE");

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
		return fail("unshare(CLONE_NEWUSER | CLONE_NEWNS)");
	/* An unprivileged writer of gid_map must give up setgroups(2) first. */
	if (write_proc("/proc/self/setgroups", "deny"))
		return fail("/proc/self/setgroups");
	snprintf(map, sizeof(map), "0 %u 1", uid);
	if (write_proc("/proc/self/uid_map", map))
		return fail("/proc/self/uid_map");
	if (write_proc("/proc/self/gid_map", map))
		return fail("/proc/self/gid_map");
	execvp(argv[optind], argv + optind);
	return fail(argv[optind]);

usage:
	fprintf(stderr, "usage: userns_run [-u UID] COMMAND [ARG...] | userns_run -m FILE\n");
	return 2;
}
