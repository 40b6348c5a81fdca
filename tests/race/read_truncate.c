// SPDX-License-Identifier: GPL-2.0
/*
 * read(2) against truncation and extending writes. rshmem reads take no lock:
 * each page is looked up, then i_size is read (as filemap_read does), and a
 * write makes its folio uptodate before it publishes the new size. Got wrong
 * either way, a read returns zeros that were never file data:
 * - with i_size sampled before the lookup, a truncation between the two makes
 *   the page a hole below the size the read goes by;
 * - with the size published first, a read sees the new size while the page
 *   is not uptodate yet, and takes it for a hole.
 *
 * Each round: with the readers held off, the file is emptied and its pages
 * preallocated beyond EOF (KEEP_SIZE); then, with the readers running, it is
 * written page by page up to its full size, and truncated page by page down
 * again. While the readers run, the file never has a hole below its size and
 * every page it gains already has a folio, so no read may return a zero byte.
 * (Without the preallocation, a read could find a page missing and then see
 * the size that a racing write just extended over it: zeros, legitimately.)
 *
 * tmpfs fails the truncation half: shmem_file_read_iter re-reads i_size
 * after the lookup but only stops at the page of the new EOF, so a page
 * beyond it that truncation removed is returned as zeros. Its count is
 * printed, not asserted.
 *
 * RSHMEM_STRESS=N runs N times longer.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <time.h>
#include <linux/falloc.h>

#define FS_FIXTURE_HUGE
#include "../fs/fs_fixture.h"
#include "race.h"

#define PAGES 32
#define READERS 2

/* Shared by the processes: the writer holds the readers off while it restores. */
struct shared {
	int hold;		/* The writer wants the readers out. */
	int active;		/* Readers inside a read. */
	int stop;
	long rounds;
};

static char pattern[PAGES * PAGE];

static void rewriter(int fd, struct shared *sh)
{
	while (!__atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&sh->hold, 1, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&sh->active, __ATOMIC_SEQ_CST))
			;
		if (ftruncate(fd, 0) ||
		    fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, sizeof(pattern)))
			_exit(2);
		__atomic_store_n(&sh->hold, 0, __ATOMIC_SEQ_CST);
		for (int p = 0; p < PAGES; p++)
			if (pwrite(fd, pattern + p * PAGE, PAGE, p * PAGE) != PAGE)
				_exit(3);
		for (int p = PAGES - 1; p >= 0; p--)
			if (ftruncate(fd, p * PAGE))
				_exit(4);
		__atomic_add_fetch(&sh->rounds, 1, __ATOMIC_SEQ_CST);
	}
	_exit(0);
}

/* Reads for @secs seconds; exits with the number of reads that saw a zero (capped). */
static void reader(int fd, struct shared *sh, double secs, unsigned int seed)
{
	static char buf[PAGES * PAGE];
	struct timespec t0, t;
	long reads = 0, bad = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		char *zero;
		off_t off;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) / 1e9 >= secs)
			break;
		if (__atomic_load_n(&sh->hold, __ATOMIC_SEQ_CST))
			continue;
		__atomic_add_fetch(&sh->active, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&sh->hold, __ATOMIC_SEQ_CST)) {
			__atomic_sub_fetch(&sh->active, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		seed = seed * 1103515245 + 12345;
		/* Half the reads from 0, half from a page-unaligned offset. */
		off = (seed >> 8) & 1 ? 0 : (seed >> 9) % (PAGES * PAGE);
		n = pread(fd, buf, sizeof(buf) - off, off);
		__atomic_sub_fetch(&sh->active, 1, __ATOMIC_SEQ_CST);
		if (n < 0)
			_exit(100);
		zero = memchr(buf, 0, n);
		if (zero) {
			if (!bad)
				printf("# read at %lld returned %zd bytes, a zero at %lld\n",
				       (long long)off, n, (long long)(off + (zero - buf)));
			bad++;
		}
		reads++;
	}
	printf("# reader: %ld reads, %ld saw zeros\n", reads, bad);
	/* A reader that never got in would make the test vacuous. */
	if (!reads)
		_exit(101);
	fflush(stdout);
	_exit(bad > 99 ? 99 : bad);
}

TEST_F_TIMEOUT(fs, reads_never_see_zeros_that_were_not_data, 600)
{
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t writer, readers[READERS];
	int fd, status, bad = 0;

	ASSERT_NE(MAP_FAILED, sh);
	for (int i = 0; i < PAGES * PAGE; i++)
		pattern[i] = 'a' + i % 26;
	fd = open(in(self, "rt"), O_CREAT | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	writer = fork();
	if (writer == 0)
		rewriter(fd, sh);
	ASSERT_LT(0, writer);
	for (int i = 0; i < READERS; i++) {
		readers[i] = fork();
		if (readers[i] == 0)
			reader(fd, sh, 4.0 * stress(), i + 1);
		ASSERT_LT(0, readers[i]);
	}
	for (int i = 0; i < READERS; i++) {
		ASSERT_EQ(readers[i], waitpid(readers[i], &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_NE(100, WEXITSTATUS(status));
		ASSERT_NE(101, WEXITSTATUS(status));
		bad += WEXITSTATUS(status);
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
	ASSERT_EQ(writer, waitpid(writer, &status, 0));
	/* The writer ran all along, and went round often enough to mean something. */
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	printf("# read-truncate %s: %ld rounds, %d reads saw zeros that were never data\n",
	       variant->type, sh->rounds, bad);
	EXPECT_LE(5, sh->rounds);
	if (strcmp(variant->type, "tmpfs"))
		EXPECT_EQ(0, bad);
	close(fd);
}

TEST_HARNESS_MAIN
