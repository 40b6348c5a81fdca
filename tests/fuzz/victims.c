// SPDX-License-Identifier: GPL-2.0
/*
 * Victims for trinity on rshmem.
 *
 *   victims seed DIR          sparse, preallocated, written and mapped files,
 *                             and directories of them, owned by nobody
 *   victims hold DIR SECONDS  for SECONDS, keep the "mapped" files mapped
 *                             (shared and private) and touch their pages
 *   victims as-nobody CMD...  run CMD as nobody, with no supplementary groups
 *
 * Trinity truncates, punches, renames and unlinks these files under the
 * holders, so a holder survives SIGBUS and failed opens, and maps again.
 * It prints what it did: a holder that touched nothing has tested nothing,
 * and exits non-zero.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOBODY 65534
#define MIB (1024L * 1024)
#define NR_MAPPED 4
#define NR_HOLDERS 3
#define MAP_LEN (2 * MIB)

static void die(const char *what, const char *path)
{
	fprintf(stderr, "victims: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static int create(const char *dir, const char *name, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0666);
	if (fd < 0)
		die("create", path);
	if (fchown(fd, NOBODY, NOBODY))
		die("chown", path);
	return fd;
}

static void fill(int fd, off_t off, size_t len, int byte, const char *path)
{
	char buf[4096];

	memset(buf, byte, sizeof(buf));
	while (len) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);

		if (pwrite(fd, buf, n, off) != (ssize_t)n)
			die("write", path);
		off += n;
		len -= n;
	}
}

static void seed_dir(const char *dir)
{
	char path[512], name[64];
	int fd;

	if (mkdir(dir, 0777) && errno != EEXIST)
		die("mkdir", dir);
	if (chown(dir, NOBODY, NOBODY) || chmod(dir, 01777))
		die("chown", dir);

	for (int i = 0; i < 4; i++) {
		/* Sparse: 64 MiB of size with a few written pages scattered in it. */
		snprintf(name, sizeof(name), "sparse-%d", i);
		fd = create(dir, name, path, sizeof(path));
		if (ftruncate(fd, 64 * MIB))
			die("ftruncate", path);
		for (int p = 0; p < 8; p++)
			fill(fd, (off_t)(p * 7919 + i) * 4096 % (64 * MIB), 4096, 'a' + p, path);
		close(fd);

		/* Preallocated: inside the size, and past it with KEEP_SIZE. */
		snprintf(name, sizeof(name), "prealloc-%d", i);
		fd = create(dir, name, path, sizeof(path));
		if (fallocate(fd, 0, 0, 2 * MIB) ||
		    fallocate(fd, FALLOC_FL_KEEP_SIZE, 2 * MIB, 2 * MIB))
			die("fallocate", path);
		fill(fd, 4096 + 100, 3000, 'p', path);
		close(fd);

		/* Written through, and small. */
		snprintf(name, sizeof(name), "data-%d", i);
		fd = create(dir, name, path, sizeof(path));
		fill(fd, 0, 256 * 1024 + 123, 'd', path);
		close(fd);
	}

	/* The files the holders keep mapped. */
	for (int i = 0; i < NR_MAPPED; i++) {
		snprintf(name, sizeof(name), "mapped-%d", i);
		fd = create(dir, name, path, sizeof(path));
		fill(fd, 0, MAP_LEN, 'm', path);
		close(fd);
	}

	/* A few directories with files, for rename, link, unlink and rmdir. */
	for (int d = 0; d < 3; d++) {
		char sub[512];

		snprintf(sub, sizeof(sub), "%s/dir-%d", dir, d);
		if (mkdir(sub, 0777) && errno != EEXIST)
			die("mkdir", sub);
		if (chown(sub, NOBODY, NOBODY))
			die("chown", sub);
		for (int i = 0; i < 3; i++) {
			snprintf(name, sizeof(name), "f-%d", i);
			fd = create(sub, name, path, sizeof(path));
			fill(fd, 0, 4096 * (i + 1) + 17, 'f', path);
			close(fd);
		}
	}
}

static sigjmp_buf fault_jmp;

static void on_fault(int sig)
{
	siglongjmp(fault_jmp, sig);
}

struct hold_counts {
	unsigned long maps, touches, sigbus, open_failures;
};

/*
 * One holder: maps each mapped-N file (every third one privately), touches a
 * page of each map in turn, and now and then unmaps and maps again, so that
 * trinity's truncates and punches meet mappings old and new.
 */
static void hold_one(const char *dir, int seconds, int id, struct hold_counts *c)
{
	struct sigaction sa = { .sa_handler = on_fault };
	volatile char *map[NR_MAPPED] = { 0 };
	time_t end = time(NULL) + seconds;
	unsigned int rnd = 2166136261u ^ id;
	char path[512];

	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	while (time(NULL) < end) {
		for (int i = 0; i < NR_MAPPED; i++) {
			volatile char *p;
			int sig;

			rnd = rnd * 1103515245 + 12345;
			if (map[i] && rnd % 64 == 0) {
				munmap((void *)map[i], MAP_LEN);
				map[i] = NULL;
			}
			if (!map[i]) {
				int private = (id + i) % 3 == 0;
				int fd;
				void *m;

				snprintf(path, sizeof(path), "%s/mapped-%d", dir, i);
				fd = open(path, O_RDWR);
				if (fd < 0) {
					/* Unlinked or renamed by trinity: make it again. */
					c->open_failures++;
					fd = open(path, O_RDWR | O_CREAT, 0666);
					if (fd < 0)
						continue;
					if (ftruncate(fd, MAP_LEN))
						c->open_failures++;
				}
				m = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE,
					 private ? MAP_PRIVATE : MAP_SHARED, fd, 0);
				close(fd);
				if (m == MAP_FAILED)
					continue;
				map[i] = m;
				c->maps++;
			}
			p = map[i] + (rnd >> 4) % (MAP_LEN / 4096) * 4096;
			sig = sigsetjmp(fault_jmp, 1);
			if (sig == 0) {
				/* Read, then write the same page. */
				char v = p[0];

				p[1] = v + 1;
				c->touches++;
			} else {
				/* Beyond EOF after a truncate: map again later. */
				c->sigbus++;
				munmap((void *)map[i], MAP_LEN);
				map[i] = NULL;
			}
		}
	}
}

static int hold(const char *dir, int seconds)
{
	struct hold_counts *shared;
	pid_t pids[NR_HOLDERS];
	int status = 0;

	shared = mmap(NULL, sizeof(*shared) * NR_HOLDERS, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		die("mmap", "counts");
	for (int i = 0; i < NR_HOLDERS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			hold_one(dir, seconds, i, &shared[i]);
			_exit(0);
		}
	}
	for (int i = 0; i < NR_HOLDERS; i++) {
		int ws;

		waitpid(pids[i], &ws, 0);
		printf("holder %d: %lu maps, %lu page touches, %lu SIGBUS, %lu failed opens%s\n",
		       i, shared[i].maps, shared[i].touches, shared[i].sigbus,
		       shared[i].open_failures,
		       WIFEXITED(ws) && !WEXITSTATUS(ws) ? "" : " (died)");
		if (!WIFEXITED(ws) || WEXITSTATUS(ws) || !shared[i].touches)
			status = 1;
	}
	return status;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "seed")) {
		seed_dir(argv[2]);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "hold"))
		return hold(argv[2], atoi(argv[3]));
	if (argc >= 3 && !strcmp(argv[1], "as-nobody")) {
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			die("dropping privileges to", "nobody");
		execv(argv[2], argv + 2);
		die("exec", argv[2]);
	}
	fprintf(stderr, "usage: victims seed DIR | victims hold DIR SECONDS | victims as-nobody CMD...\n");
	return 2;
}
