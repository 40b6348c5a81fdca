// SPDX-License-Identifier: GPL-2.0
/*
 * MADV_REMOVE against faults and read/write on the same range: faulters touch
 * pages through their own mappings, a reader/writer uses pread/pwrite, and the
 * remover keeps calling MADV_REMOVE on its shared mapping of the range. Every
 * call completes; once everyone has stopped, a last MADV_REMOVE leaves the range
 * reading zeros with its pages freed.
 *
 * RSHMEM_STRESS=N multiplies the number of removals.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/mman.h>

#define FS_FIXTURE_HUGE
#include "../fs/fs_fixture.h"
#include "race.h"

#define PAGES 64
#define RANGE_START 16
#define RANGE_PAGES 32

static void toucher(int fd, unsigned int seed, int use_mmap)
{
	char *m = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char c;

	if (m == MAP_FAILED)
		_exit(2);
	for (;;) {
		seed = seed * 1103515245 + 12345;
		off_t off = (off_t)((seed >> 8) % (PAGES * PAGE));

		if (use_mmap) {
			if (seed & 1)
				m[off] = (char)seed;
			else
				(void)*(volatile char *)(m + off);
		} else if (seed & 1) {
			c = (char)seed;
			if (pwrite(fd, &c, 1, off) != 1)
				_exit(3);
		} else if (pread(fd, &c, 1, off) != 1) {
			_exit(4);
		}
	}
}

TEST_F_TIMEOUT(fs, madvise_remove_with_faults_and_io, 600)
{
	const int removals = 300 * stress();
	pid_t pids[3];
	struct stat st;
	int fd, i;
	char *m;

	fd = open(in(self, "f"), O_CREAT | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, PAGES * PAGE));
	m = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	for (i = 0; i < 3; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			toucher(fd, i + 1, i != 2);
		ASSERT_LT(0, pids[i]);
	}
	for (i = 0; i < removals; i++)
		ASSERT_EQ(0, madvise(m + RANGE_START * PAGE, RANGE_PAGES * PAGE, MADV_REMOVE)) {
			TH_LOG("removal %d: %s", i, strerror(errno));
		}
	kill_all(pids, 3);
	/* Fill the whole file, then remove the range once more. */
	memset(m, 'x', PAGES * PAGE);
	ASSERT_EQ(0, madvise(m + RANGE_START * PAGE, RANGE_PAGES * PAGE, MADV_REMOVE));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ((PAGES - RANGE_PAGES) * PAGE / 512, st.st_blocks);
	for (i = RANGE_START * PAGE; i < (RANGE_START + RANGE_PAGES) * PAGE; i++)
		if (m[i])
			break;
	EXPECT_EQ((RANGE_START + RANGE_PAGES) * PAGE, i);
	EXPECT_EQ('x', m[RANGE_START * PAGE - 1]);
	EXPECT_EQ('x', m[(RANGE_START + RANGE_PAGES) * PAGE]);
	printf("# madvise-remove %s: %d removals\n", variant->type, removals);
	munmap(m, PAGES * PAGE);
	close(fd);
}

TEST_HARNESS_MAIN
