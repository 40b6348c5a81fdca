// SPDX-License-Identifier: GPL-2.0
/*
 * Truncate against faults, as truncate_pagecache() (mm/truncate.c) orders them
 * against filemap_fault()'s re-check of i_size under the folio lock: faulters
 * keep touching the tail of a file through their own mappings while it is
 * truncated down and up again.
 * After the truncate down returns, access beyond EOF gets SIGBUS; after growing
 * back, the tail reads zeros (through read(2) and a mapping), never the data it
 * held before.
 *
 * RSHMEM_STRESS=N multiplies the number of rounds.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

#define FS_FIXTURE_HUGE
#include "../fs/fs_fixture.h"
#include "race.h"

#define BIG (16 * PAGE)
#define SMALL (4 * PAGE + 123)
#define FAULTERS 3

/* Whether reading @p raises SIGBUS. */
static int sigbus_on_read(volatile char *p)
{
	struct sigaction sa = { .sa_handler = race_on_sigbus }, old;
	int bus = 0;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(race_jmp, 1) == 0)
		(void)*p;
	else
		bus = 1;
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

static void faulter(int fd, unsigned int seed)
{
	char *m = mmap(NULL, BIG, PROT_READ, MAP_SHARED, fd, 0);
	volatile char sink;

	if (m == MAP_FAILED)
		_exit(2);
	survive_sigbus();
	for (;;) {
		seed = seed * 1103515245 + 12345;
		if (sigsetjmp(race_jmp, 1) == 0)
			sink = m[SMALL - PAGE + (seed >> 8) % (BIG - SMALL + PAGE)];
		(void)sink;
	}
}

TEST_F_TIMEOUT(fs, tail_sigbus_after_shrink_zeros_after_growth, 600)
{
	const int rounds = 150 * stress();
	static char buf[BIG];
	pid_t pids[FAULTERS];
	int fd, i, r, bad_bus = 0, stale = 0;
	char *m;

	fd = open(in(self, "tail"), O_CREAT | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, BIG));
	m = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	for (i = 0; i < FAULTERS; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			faulter(fd, i + 1);
		ASSERT_LT(0, pids[i]);
	}
	for (r = 0; r < rounds; r++) {
		/* Old data in the tail, through the mapping and through write(2). */
		memset(m + SMALL, 'S', BIG - SMALL);
		ASSERT_EQ(PAGE, pwrite(fd, memset(buf, 'W', PAGE), PAGE, BIG - PAGE));
		ASSERT_EQ(0, ftruncate(fd, SMALL));
		for (off_t off = SMALL + PAGE; off < BIG; off += 3 * PAGE)
			if (!sigbus_on_read(m + (off & ~(PAGE - 1)) + (r % PAGE)))
				bad_bus++;
		ASSERT_EQ(0, ftruncate(fd, BIG));
		ASSERT_EQ(BIG, pread(fd, buf, BIG, 0));
		for (i = SMALL; i < BIG; i++)
			if (buf[i] || m[i])
				break;
		if (i < BIG) {
			TH_LOG("round %d: byte %d reads %d/%d after growing back", r, i, buf[i], m[i]);
			stale++;
			break;
		}
	}
	kill_all(pids, FAULTERS);
	printf("# truncate-fault %s: %d rounds, %d accesses beyond EOF without SIGBUS, %d stale\n",
	       variant->type, r, bad_bus, stale);
	EXPECT_EQ(0, bad_bus);
	EXPECT_EQ(0, stale);
	munmap(m, BIG);
	close(fd);
}

TEST_HARNESS_MAIN
