// SPDX-License-Identifier: GPL-2.0
/*
 * The trinity case of CVE-2014-4171, which "shmem: fix faulting into a hole
 * while it's punched" and "shmem: fix faulting into a hole, not taking i_mutex"
 * fixed in tmpfs: several processes, each with many separate mappings of one
 * file, fault continuously in a range that another process punches again and
 * again. Every punch must complete; the punch latencies (p50, p99, max) are
 * reported for rshmem and tmpfs side by side, and a punch slower than a
 * generous bound fails the test (a hung punch also shows up as a hung-task
 * report, which fails the run).
 *
 * RSHMEM_STRESS=N multiplies the number of punches.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/mman.h>
#include <time.h>

#define FS_FIXTURE_HUGE
#include "../fs/fs_fixture.h"
#include "race.h"

#define FILE_PAGES 256
#define FAULTERS 4
#define MAPS_PER_FAULTER 64
/* Generous: a punch of 1 MiB takes milliseconds; under TCG with KASAN, tens. */
#define MAX_PUNCH_NS (5LL * 1000 * 1000 * 1000)

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void faulter(int fd, unsigned int seed)
{
	char *maps[MAPS_PER_FAULTER];

	for (int i = 0; i < MAPS_PER_FAULTER; i++) {
		maps[i] = mmap(NULL, FILE_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (maps[i] == MAP_FAILED)
			_exit(2);
	}
	for (;;) {
		seed = seed * 1103515245 + 12345;
		char *m = maps[(seed >> 8) % MAPS_PER_FAULTER];
		unsigned int page = (seed >> 16) % FILE_PAGES;

		if (seed & 1)
			m[page * PAGE + (seed % PAGE)] = (char)seed;
		else
			(void)*(volatile char *)(m + page * PAGE);
	}
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

TEST_F_TIMEOUT(fs, punch_completes_under_a_fault_storm, 600)
{
	const int punches = 200 * stress();
	long long *lat = calloc(punches, sizeof(*lat));
	pid_t pids[FAULTERS];
	int fd, i;

	ASSERT_NE(NULL, lat);
	fd = open(in(self, "storm"), O_CREAT | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, FILE_PAGES * PAGE));
	for (i = 0; i < FAULTERS; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			faulter(fd, i * 7919 + 1);
		ASSERT_LT(0, pids[i]);
	}
	usleep(200000); /* Let the storm build up. */
	for (i = 0; i < punches; i++) {
		/* The middle half of the file, page-unaligned edges every other time. */
		off_t off = FILE_PAGES / 4 * PAGE + (i & 1) * 100;
		off_t len = FILE_PAGES / 2 * PAGE - (i & 1) * 200;
		long long t = now_ns();

		ASSERT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len)) {
			TH_LOG("punch %d: %s", i, strerror(errno));
		}
		lat[i] = now_ns() - t;
	}
	kill_all(pids, FAULTERS);
	qsort(lat, punches, sizeof(*lat), cmp_ll);
	/* One line per filesystem, for the latency table. */
	printf("# punch-latency %s: punches %d p50 %.3f ms p99 %.3f ms max %.3f ms\n",
	       variant->type, punches, lat[punches / 2] / 1e6,
	       lat[punches * 99 / 100] / 1e6, lat[punches - 1] / 1e6);
	EXPECT_GT(MAX_PUNCH_NS, lat[punches - 1]);
	free(lat);
	close(fd);
}

TEST_HARNESS_MAIN
