// SPDX-License-Identifier: GPL-2.0
/*
 * ENOSPC during preallocation, with concurrent faults: faulters fill another
 * file through a mapping (taking SIGBUS when the filesystem is full) while
 * fallocate asks for more than is left. The fallocate fails with ENOSPC and
 * leaves its file as it was; once the faulters' file is removed, the free
 * space is back to where it was before the round.
 *
 * RSHMEM_STRESS=N multiplies the number of rounds.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/statfs.h>

/* Also on huge=always instances (fs_fixture.h). */
#define FS_FIXTURE_HUGE
#include "../fs/fs_fixture.h"
#include "race.h"

#define FS_PAGES 1024 /* size=4m */
#define FILL_PAGES 768
#define ASK_PAGES 512
#define FAULTERS 2

static long free_blocks(const char *dir)
{
	struct statfs sfs;

	return statfs(dir, &sfs) ? -1 : (long)sfs.f_bfree;
}

static void faulter(int fd, unsigned int seed)
{
	char *m = mmap(NULL, FILL_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (m == MAP_FAILED)
		_exit(2);
	survive_sigbus();
	for (;;) {
		seed = seed * 1103515245 + 12345;
		if (sigsetjmp(race_jmp, 1) == 0)
			m[((seed >> 8) % FILL_PAGES) * PAGE] = 1;
	}
}

TEST_F_TIMEOUT(fs, enospc_during_preallocation_with_faults, 600)
{
	const int rounds = 20 * stress();
	int r, enospc = 0, bad = 0;
	long free0;

	ASSERT_EQ(0, mount("none", self->dir, variant->type, MS_REMOUNT, "size=4m"));
	free0 = free_blocks(self->dir);
	ASSERT_EQ(FS_PAGES, free0);
	for (r = 0; r < rounds; r++) {
		int fill = open(in(self, "fill"), O_CREAT | O_RDWR, 0600);
		int fd = open(in2(self, "prealloc"), O_CREAT | O_RDWR, 0600);
		pid_t pids[FAULTERS];
		struct stat st;

		ASSERT_LE(0, fill);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ftruncate(fill, FILL_PAGES * PAGE));
		for (int i = 0; i < FAULTERS; i++) {
			pids[i] = fork();
			if (pids[i] == 0)
				faulter(fill, r * 31 + i + 1);
			ASSERT_LT(0, pids[i]);
		}
		/* Mostly filled (it stops at 768 of 1024 pages), still faulting. */
		usleep(100000 + 50000 * (r % 5));
		if (fallocate(fd, 0, 0, ASK_PAGES * PAGE) == 0) {
			/* The faulters had not taken enough yet: give it back. */
			ASSERT_EQ(0, ftruncate(fd, 0));
		} else {
			ASSERT_EQ(ENOSPC, errno);
			enospc++;
		}
		kill_all(pids, FAULTERS);
		ASSERT_EQ(0, fstat(fd, &st));
		if (st.st_size != 0 || st.st_blocks != 0) {
			TH_LOG("round %d: size %lld blocks %lld after fallocate",
			       r, (long long)st.st_size, (long long)st.st_blocks);
			bad++;
		}
		close(fd);
		close(fill);
		ASSERT_EQ(0, unlink(in(self, "fill")));
		ASSERT_EQ(0, unlink(in(self, "prealloc")));
		if (free_blocks(self->dir) != free0) {
			TH_LOG("round %d: %ld blocks free, %ld before", r,
			       free_blocks(self->dir), free0);
			bad++;
		}
	}
	printf("# prealloc-enospc %s: %d rounds, %d ENOSPC, %d bad\n",
	       variant->type, rounds, enospc, bad);
	EXPECT_EQ(0, bad);
	EXPECT_LT(0, enospc);
}

TEST_HARNESS_MAIN
