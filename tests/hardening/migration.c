// SPDX-License-Identifier: GPL-2.0
/*
 * Migration: a file's pages move to other page frames while processes write
 * and read them, through a mapping and with read(2) and write(2); on rshmem
 * and on tmpfs, each also with huge=always.
 *
 * A 64 MiB file is written through a shared mapping, then every other page is
 * punched out, so that its pages lie among free ones. Four processes work on
 * it: one writes its pages through the mapping, one with pwrite(2), one reads
 * them through the mapping and one with pread(2), which also sees that the
 * holes stay holes. Every 8-byte word of page i holds i in its upper half and
 * the generation of its last write in its lower half; the readers check the
 * upper halves all along (a torn copy cannot change them), and at the end
 * every word must hold exactly the last generation written to its page.
 *
 * Two things move the pages meanwhile:
 *  - A full compaction (/proc/sys/vm/compact_memory), a few rounds. Which of
 *    the file's pages it reaches depends on where its two scanners meet,
 *    which the test cannot steer: CI once saw 0 of 8192 pages move in eight
 *    rounds while another run moved 159. So compaction is load here, and the
 *    pages it moved are reported, not required.
 *  - Soft offline (madvise(MADV_SOFT_OFFLINE)) of SOFT_PAGES pages spread over
 *    the file, each one migrated synchronously (MIGRATE_SYNC, as compaction's
 *    is) to a new frame. Every call must succeed and every such page must be
 *    mapped at another frame afterwards: this is the part that cannot miss.
 *    A page of a large folio is split off first (try_to_split_thp_page), and
 *    the split, like the migration, fails with EBUSY while the I/O holds an
 *    extra reference for a moment (tmpfs huge=always once failed one page of
 *    32 so): EBUSY is retried, up to SOFT_TRIES calls 10 ms apart, and the
 *    retries are reported. The old frames are retired as poisoned, 128 KiB per
 *    instance.
 *
 * Without a .migrate_folio of its own, a file system whose folios are always
 * dirty, as rshmem's are, cannot have them migrated at all (the fallback tries
 * to write them back first): soft offline then fails with EBUSY on every page
 * of the rshmem file, and compaction moves none of them.
 *
 * RSHMEM_STRESS=N runs N times as many compaction rounds.
 *
 * The default run takes 10 to 20 s per file system in the test VM (TCG, debug
 * kernel), most of it in writing and punching the file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/falloc.h>

#include "kselftest_harness.h"

#include "../lib/page.h"
#define FILE_SIZE (64L << 20)
#define NPAGES (FILE_SIZE / PAGE)
#define WORDS (PAGE / 8)
#define ROUNDS 3
#define SOFT_PAGES 32
#define SOFT_TRIES 20

#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 101
#endif

enum { MAP_WRITER, PWRITER, MAP_READER, PREADER, NR_WORKERS };
static const char *const worker_names[NR_WORKERS] = {
	"map writer", "pwrite writer", "map reader", "pread reader",
};

/* What the processes share: the stop flag, the generations, the findings. */
struct shared {
	volatile int stop;
	uint32_t gen[NPAGES];
	long passes[NR_WORKERS];
	long errors;
	/* The first wrong word: by whom, where, what. */
	int bad_worker;
	long bad_page, bad_word;
	uint64_t bad_value;
};

/* Kept pages are the even ones; the odd ones are holes. */
static int kept(long i)
{
	return i % 2 == 0;
}

/* Which writer owns kept page i. */
static int owner(long i)
{
	return (i / 2) % 2 ? PWRITER : MAP_WRITER;
}

static uint64_t word(long i, uint32_t gen)
{
	return (uint64_t)i << 32 | gen;
}

static void report(struct shared *sh, int who, long page, long w, uint64_t v)
{
	if (__atomic_fetch_add(&sh->errors, 1, __ATOMIC_SEQ_CST) == 0) {
		sh->bad_worker = who;
		sh->bad_page = page;
		sh->bad_word = w;
		sh->bad_value = v;
	}
}

/* Checks page i's words as a reader may see them while it is written. */
static void check_live(struct shared *sh, int who, long i, const volatile uint64_t *p)
{
	for (long w = 0; w < WORDS; w++) {
		uint64_t v = p[w];

		if (kept(i) ? v >> 32 != (uint64_t)i : v != 0) {
			report(sh, who, i, w, v);
			return;
		}
	}
}

static void worker(struct shared *sh, int who, int fd, volatile uint64_t *map)
{
	static uint64_t buf[64 * WORDS];

	while (!sh->stop) {
		for (long i = 0; i < NPAGES && !sh->stop; i++) {
			if (who == PREADER) {
				/* 64 pages at a time, holes included. */
				if (i % 64)
					continue;
				if (pread(fd, buf, sizeof(buf), i * PAGE) != sizeof(buf)) {
					report(sh, who, i, -1, errno);
					continue;
				}
				for (long j = 0; j < 64; j++)
					check_live(sh, who, i + j, buf + j * WORDS);
				continue;
			}
			if (!kept(i))
				continue;
			if (who == MAP_READER) {
				check_live(sh, who, i, map + i * WORDS);
				continue;
			}
			if (owner(i) != who)
				continue;
			uint32_t gen = sh->gen[i] + 1;

			if (who == MAP_WRITER) {
				for (long w = 0; w < WORDS; w++)
					map[i * WORDS + w] = word(i, gen);
			} else {
				for (long w = 0; w < WORDS; w++)
					buf[w] = word(i, gen);
				if (pwrite(fd, buf, PAGE, i * PAGE) != PAGE) {
					report(sh, who, i, -1, errno);
					continue;
				}
			}
			__atomic_store_n(&sh->gen[i], gen, __ATOMIC_RELEASE);
		}
		sh->passes[who]++;
	}
}

/* The page frame of each page of @map (0 where there is none). */
static int read_pfns(volatile uint64_t *map, uint64_t *pfn)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	off_t off = (uintptr_t)map / PAGE * 8;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread(fd, pfn, NPAGES * 8, off);
	close(fd);
	if (n != NPAGES * 8)
		return -1;
	for (long i = 0; i < NPAGES; i++)
		pfn[i] = pfn[i] >> 63 ? pfn[i] & ((1ULL << 55) - 1) : 0;
	return 0;
}

/* How many kept pages are mapped at another page frame. */
static long count_moved(const uint64_t *before, const uint64_t *after)
{
	long moved = 0;

	for (long i = 0; i < NPAGES; i += 2)
		moved += after[i] && after[i] != before[i];
	return moved;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The @pct percentile of the kept pages' frames, for the log. */
static uint64_t pfn_rank(const uint64_t *pfn, int pct)
{
	static uint64_t sorted[NPAGES / 2];

	for (long i = 0; i < NPAGES; i += 2)
		sorted[i / 2] = pfn[i];
	qsort(sorted, NPAGES / 2, sizeof(sorted[0]), cmp_u64);
	return sorted[(NPAGES / 2 - 1) * pct / 100];
}

static long vmstat(const char *name)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char key[64];
	long v, found = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	fclose(f);
	return found;
}

/* An integer sysctl, or @dflt if the file is not there or does not hold one. */
static int sysctl_int(const char *path, int dflt)
{
	FILE *f = fopen(path, "r");
	int v = dflt;

	if (!f)
		return dflt;
	if (fscanf(f, "%d", &v) != 1)
		v = dflt;
	fclose(f);
	return v;
}

static int compact(void)
{
	int fd = open("/proc/sys/vm/compact_memory", O_WRONLY);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, "1", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int stress(void)
{
	const char *s = getenv("RSHMEM_STRESS");

	return s && atoi(s) > 0 ? atoi(s) : 1;
}

FIXTURE(migration) {
	char dir[128];
	char path[256];
};

FIXTURE_VARIANT(migration) {
	const char *type;
	const char *opts;
};

FIXTURE_VARIANT_ADD(migration, rshmem) { .type = "rshmem", .opts = "size=128m" };
FIXTURE_VARIANT_ADD(migration, tmpfs) { .type = "tmpfs", .opts = "size=128m" };
/*
 * With huge=always the file is first written in PMD-size folios, and the punch
 * of every other page splits each of them: the pages that move are the split
 * folios' pages.
 */
FIXTURE_VARIANT_ADD(migration, rshmem_huge) {
	.type = "rshmem", .opts = "size=128m,huge=always"
};
FIXTURE_VARIANT_ADD(migration, tmpfs_huge) {
	.type = "tmpfs", .opts = "size=128m,huge=always"
};

FIXTURE_SETUP(migration)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/migration.%s.%d", variant->type, getpid());
	snprintf(self->path, sizeof(self->path), "%s/f", self->dir);
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	ASSERT_EQ(0, mount("none", self->dir, variant->type, 0, variant->opts)) {
		TH_LOG("mount %s: %s", variant->type, strerror(errno));
	}
}

FIXTURE_TEARDOWN(migration)
{
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
}

TEST_F_TIMEOUT(migration, pages_move_under_io, 600)
{
	static uint64_t before[NPAGES], mid[NPAGES], after[NPAGES];
	static uint64_t buf[WORDS];
	struct shared *sh;
	volatile uint64_t *map;
	pid_t pids[NR_WORKERS];
	long migrated0, failed0, moved = 0, soft_moved = 0, present = 0, bad_final = 0, kept_pages = 0;
	long soft_retries = 0;
	int rounds = ROUNDS * stress(), done_rounds = 0, fd;
	double t_start = now(), t0, t_compact = 0;

	if (access("/proc/sys/vm/compact_memory", W_OK))
		SKIP(return, "no /proc/sys/vm/compact_memory to write (CONFIG_COMPACTION, root)");
	/* The sysctl is there when memory failure handling, soft offline with it, is built. */
	if (access("/proc/sys/vm/memory_failure_early_kill", F_OK))
		SKIP(return, "no MADV_SOFT_OFFLINE: CONFIG_MEMORY_FAILURE is off");
	if (!sysctl_int("/proc/sys/vm/enable_soft_offline", 1))
		SKIP(return, "vm.enable_soft_offline is 0");
	migrated0 = vmstat("pgmigrate_success");
	failed0 = vmstat("pgmigrate_fail");
	if (migrated0 < 0)
		SKIP(return, "no pgmigrate_success in /proc/vmstat (CONFIG_MIGRATION)");
	/* rshmem's folios are unevictable; compaction leaves those alone then. */
	if (!sysctl_int("/proc/sys/vm/compact_unevictable_allowed", 1) &&
	    !strcmp(variant->type, "rshmem"))
		SKIP(return, "vm.compact_unevictable_allowed is 0: rshmem's stay put");

	/*
	 * Compaction moves pages from the bottom of a zone to free pages at its top
	 * and stops where the two scans meet: pages above that stay put. One round
	 * first leaves the free memory at the bottom, where the file's pages then
	 * come from.
	 */
	ASSERT_EQ(0, compact());

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	fd = open(self->path, O_CREAT | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, FILE_SIZE));
	map = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);

	/* Every page written, then every other one punched out: pages among holes. */
	for (long i = 0; i < NPAGES; i++)
		for (long w = 0; w < WORDS; w++)
			map[i * WORDS + w] = word(i, 0);
	for (long i = 0; i < NPAGES; i++)
		if (!kept(i))
			ASSERT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					       i * PAGE, PAGE));
	/*
	 * A punch zaps the whole PMD that maps a PMD-size folio (huge=always):
	 * read faults map the kept pages again, with PTEs now.
	 */
	for (long i = 0; i < NPAGES; i += 2)
		(void)map[i * WORDS];
	ASSERT_EQ(0, read_pfns(map, before));
	for (long i = 0; i < NPAGES; i += 2)
		if (!before[i])
			SKIP(goto out, "no page frames in /proc/self/pagemap: not root?");

	printf("# %s: the file's page frames before: lowest %#" PRIx64 ", median %#" PRIx64
	       ", highest %#" PRIx64 "\n", variant->type, pfn_rank(before, 0),
	       pfn_rank(before, 50), pfn_rank(before, 100));
	for (int w = 0; w < NR_WORKERS; w++) {
		pids[w] = fork();
		ASSERT_LE(0, pids[w]);
		if (pids[w] == 0) {
			/* Gone with the test, whichever way it ends. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(1);
			worker(sh, w, fd, map);
			_exit(0);
		}
	}
	/* Let every worker get going (a pass each) before the first round. */
	t0 = now();
	for (int w = 0; w < NR_WORKERS; w++)
		while (!sh->passes[w] && !sh->errors && now() - t0 < 60)
			usleep(10000);
	for (int r = 0; r < rounds; r++) {
		t0 = now();
		EXPECT_EQ(0, compact()) {
			TH_LOG("writing /proc/sys/vm/compact_memory: %s", strerror(errno));
		}
		t_compact += now() - t0;
		done_rounds++;
	}
	/* Then pages spread over the file, each moved on its own, still under I/O. */
	ASSERT_EQ(0, read_pfns(map, mid));
	for (long k = 0; k < SOFT_PAGES; k++) {
		/* Kept pages, of the mapping's writer and of pwrite's in turn. */
		long i = 2 * (k * (NPAGES / 2) / SOFT_PAGES) + 2 * (k % 2);

		int tries = 1, ret;

		while ((ret = madvise((char *)map + i * PAGE, PAGE, MADV_SOFT_OFFLINE)) &&
		       errno == EBUSY && tries < SOFT_TRIES) {
			tries++;
			usleep(10000);
		}
		soft_retries += tries - 1;
		if (ret) {
			EXPECT_EQ(0, errno) {
				TH_LOG("soft offline of page %ld: %s (%d calls)", i, strerror(errno),
				       tries);
			}
			continue;
		}
		ASSERT_EQ(0, read_pfns(map, after));
		EXPECT_TRUE(after[i] && after[i] != mid[i]) {
			TH_LOG("page %ld still at frame %#" PRIx64 " after soft offline", i,
			       after[i]);
		}
		soft_moved += after[i] && after[i] != mid[i];
	}
	sh->stop = 1;
	for (int w = 0; w < NR_WORKERS; w++) {
		int status;

		ASSERT_EQ(pids[w], waitpid(pids[w], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			TH_LOG("%s: status %#x", worker_names[w], status);
		}
	}

	/* Everything the last writes left, through the mapping and with read(2). */
	for (long i = 0; i < NPAGES; i++) {
		int good = 1;

		if (pread(fd, buf, PAGE, i * PAGE) != PAGE) {
			good = 0;
		} else if (!kept(i)) {
			for (long w = 0; w < WORDS && good; w++)
				good = buf[w] == 0;
		} else {
			for (long w = 0; w < WORDS && good; w++)
				good = buf[w] == word(i, sh->gen[i]) &&
				       map[i * WORDS + w] == word(i, sh->gen[i]);
		}
		if (!good && bad_final++ == 0)
			TH_LOG("page %ld: generation %u expected, word 0 %#" PRIx64
			       " by read(2), %#" PRIx64 " mapped",
			       i, sh->gen[i], buf[0], kept(i) ? map[i * WORDS] : 0);
	}
	ASSERT_EQ(0, read_pfns(map, after));
	printf("# %s: the file's page frames after: lowest %#" PRIx64 ", median %#" PRIx64
	       ", highest %#" PRIx64 "\n", variant->type, pfn_rank(after, 0),
	       pfn_rank(after, 50), pfn_rank(after, 100));
	for (long i = 0; i < NPAGES; i += 2) {
		kept_pages++;
		present += after[i] != 0;
	}
	moved = count_moved(before, mid);
	printf("# %s: compaction moved %ld of %ld pages, soft offline %ld of %d with %ld EBUSY "
	       "retries (%ld mapped at the end); pgmigrate_success +%ld, pgmigrate_fail +%ld; %d compaction rounds in "
	       "%.1f s (%.1f s in all); worker passes: %ld %ld %ld %ld\n",
	       variant->type, moved, kept_pages, soft_moved, SOFT_PAGES, soft_retries, present,
	       vmstat("pgmigrate_success") - migrated0,
	       vmstat("pgmigrate_fail") - failed0, done_rounds, t_compact, now() - t_start,
	       sh->passes[0], sh->passes[1], sh->passes[2], sh->passes[3]);
	EXPECT_EQ(0, sh->errors) {
		TH_LOG("%ld wrong reads; the first by the %s: page %ld word %ld = %#" PRIx64,
		       sh->errors, worker_names[sh->bad_worker], sh->bad_page, sh->bad_word,
		       sh->bad_value);
	}
	EXPECT_EQ(0, bad_final);
	EXPECT_EQ(SOFT_PAGES, soft_moved);
	EXPECT_LE(migrated0 + soft_moved, vmstat("pgmigrate_success"));
out:
	munmap((void *)map, FILE_SIZE);
	close(fd);
	munmap(sh, sizeof(*sh));
}

TEST_HARNESS_MAIN
