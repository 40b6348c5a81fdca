// SPDX-License-Identifier: GPL-2.0
/*
 * The invariant of a hole punch, as shmem_undo_range() (mm/shmem.c) keeps it:
 * all data in the hole when the punch starts is gone when it ends. Writers stamp pages of the hole, through mappings and write(2), with
 * the epoch they read from a shared counter. Before each punch the puncher bumps
 * the epoch and waits until no writer is in the middle of a stamp with an older
 * epoch: every older stamp is then in the file before the punch starts. When the
 * punch returns, each page in the hole must read as zeros or carry the new epoch
 * or a later one (stamps written during the punch may remain).
 *
 * RSHMEM_STRESS=N multiplies the number of punches.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>

#define FS_FIXTURE_HUGE
#include "../fs/fs_fixture.h"
#include "race.h"

#define FILE_PAGES 128
#define HOLE_START 32
#define HOLE_PAGES 64
#define WRITERS 4

struct shared {
	uint64_t epoch;
	uint64_t busy[WRITERS]; /* The epoch a writer is stamping with, 0 if none. */
};

static void writer(int fd, struct shared *sh, int w)
{
	char *m = mmap(NULL, FILE_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	unsigned int seed = w * 2654435761u + 1;

	if (m == MAP_FAILED)
		_exit(2);
	for (;;) {
		uint64_t e;

		seed = seed * 1103515245 + 12345;
		unsigned int page = HOLE_START + (seed >> 16) % HOLE_PAGES;

		/* Announce, then read the epoch: the puncher sees us either way. */
		__atomic_store_n(&sh->busy[w], UINT64_MAX, __ATOMIC_SEQ_CST);
		e = __atomic_load_n(&sh->epoch, __ATOMIC_SEQ_CST);
		__atomic_store_n(&sh->busy[w], e, __ATOMIC_SEQ_CST);
		if (seed & 2)
			__atomic_store_n((uint64_t *)(m + page * PAGE + 64), e, __ATOMIC_SEQ_CST);
		else if (pwrite(fd, &e, sizeof(e), page * PAGE + 64) != sizeof(e))
			_exit(3);
		__atomic_store_n(&sh->busy[w], 0, __ATOMIC_SEQ_CST);
	}
}

TEST_F_TIMEOUT(fs, data_in_the_hole_at_the_start_is_gone_at_the_end, 600)
{
	const int punches = 300 * stress();
	struct shared *sh;
	pid_t pids[WRITERS];
	int fd, i, w, stale = 0, checked = 0;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	sh->epoch = 1;
	fd = open(in(self, "stamps"), O_CREAT | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, FILE_PAGES * PAGE));
	for (w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		if (pids[w] == 0)
			writer(fd, sh, w);
		ASSERT_LT(0, pids[w]);
	}
	usleep(100000);
	for (i = 0; i < punches && !stale; i++) {
		uint64_t e = __atomic_add_fetch(&sh->epoch, 1, __ATOMIC_SEQ_CST);

		/*
		 * Wait out stamps of older epochs in flight, and writers that have
		 * announced themselves but not yet said which epoch they read.
		 */
		for (w = 0; w < WRITERS; w++) {
			uint64_t b;

			while ((b = __atomic_load_n(&sh->busy[w], __ATOMIC_SEQ_CST)) &&
			       (b == UINT64_MAX || b < e))
				;
		}
		ASSERT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				       HOLE_START * PAGE, HOLE_PAGES * PAGE));
		for (int p = HOLE_START; p < HOLE_START + HOLE_PAGES; p++) {
			uint64_t s;

			ASSERT_EQ(sizeof(s), pread(fd, &s, sizeof(s), p * PAGE + 64));
			checked++;
			if (s != 0 && s < e) {
				TH_LOG("punch %d (epoch %llu): page %d still has epoch %llu",
				       i, (unsigned long long)e, p, (unsigned long long)s);
				stale++;
			}
		}
	}
	kill_all(pids, WRITERS);
	printf("# punch-invariant %s: %d punches, %d pages checked, %d stale\n",
	       variant->type, i, checked, stale);
	EXPECT_EQ(0, stale);
	close(fd);
}

TEST_HARNESS_MAIN
