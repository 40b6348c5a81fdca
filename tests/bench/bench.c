// SPDX-License-Identifier: GPL-2.0
/*
 * The workloads of `make bench`, one per run:
 *
 *   bench WORKLOAD DIR SECONDS [PROCS]
 *
 * prints "<rate> <unit>": the work done in SECONDS of running, per second,
 * summed over PROCS processes (default 1). Set-up (creating and filling
 * files) happens before the clock starts; every file is removed at the end.
 * The file sizes below are the default; BENCH_SIZE=BYTES in the environment
 * sets another for the page-fault and I/O workloads (a multiple of the page,
 * and of the block size for I/O, up to 1 TiB; `make bench`'s cost-growth
 * figure runs 1 MiB to 1 GiB). fallocate and metadata ignore it.
 *
 *   pf_shared   will-it-scale page_fault3: a 128 MiB file per process, mapped
 *               shared; touch every page, unmap, again. Unit: faults (pages)/s.
 *   pf_private  will-it-scale page_fault2: the same, mapped private, so every
 *               touch is a copy-on-write fault. Unit: faults/s.
 *   seqwrite_4k, seqwrite_1m    write a 128 MiB file from empty, in 4 KiB or
 *               1 MiB writes, truncate it to 0, again (allocation included).
 *   seqread_4k, seqread_1m      read a filled 128 MiB file through, again.
 *   randwrite_4k, randwrite_1m  overwrite aligned blocks of a filled file at
 *               random offsets.
 *   randread_4k, randread_1m    read them. Unit of the eight: MiB/s.
 *   fallocate   will-it-scale fallocate1: fallocate 16 MiB in 4 KiB steps,
 *               then truncate to 0, again. Unit: fallocate calls/s.
 *   metadata    create (with 64 bytes written), stat and unlink 1000 files in
 *               a directory, again. Unit: files/s (each one all three).
 *
 * The timed part is one window of the instruction-counting QEMU plugin
 * (tests/lib/insn_marker.h); without the plugin the markers are two calls.
 * With BENCH_OPS=1 in the environment it also prints, on stderr, the number of
 * operations done in the window (faults, read or write calls, fallocate
 * calls, files) and the seconds it took: "ops <n> secs <s>". That line is
 * printed exactly when the run got as far as its window (called both
 * markers), also when it then fails, so that a caller can number the
 * plugin's windows (tests/bench/count.sh).
 * With BENCH_LIMIT=N every process does N operations and stops, instead of
 * running SECONDS: a fixed amount of work, for instruction counts that do not
 * depend on the emulator's speed (`make profile`).
 * With BENCH_KEEP=1 the files of the page-fault and I/O workloads are kept
 * at the end rather than removed, for the caller to measure the memory they
 * hold and remove them (tests/bench/run.sh's memory pass).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/insn_marker.h"
#include "../lib/page.h"

#define MIB (1024L * 1024)
#define FILE_SIZE (128 * MIB)
#define MAX_FILE_SIZE (1024L * 1024 * MIB)

struct shared {
	int ready;
	int done_pipe[2], release_pipe[2];
	volatile int go, stop;
	double done[64];
};

static struct shared *sh;
/* Operations per process with BENCH_LIMIT, else 0: run until told to stop. */
static double limit;
/* Each process's file, for the page-fault and I/O workloads (BENCH_SIZE). */
static long file_size = FILE_SIZE;
/* BENCH_KEEP=1: leave the page-fault and I/O workloads' files in place. */
static int keep;

static void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int make_file(const char *dir, int id, const char *tag, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/bench-%s-%d", dir, tag, id);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(path);
	return fd;
}

static void remove_file(const char *path)
{
	if (!keep)
		unlink(path);
}

static void fill(int fd, long size)
{
	static char buf[MIB];

	memset(buf, 0x5a, sizeof(buf));
	for (long off = 0; off < size; off += MIB) {
		long len = size - off < MIB ? size - off : MIB;

		if (pwrite(fd, buf, len, off) != len)
			die("filling the file");
	}
}

/* Set-up done: tell the parent, and wait for the clock to start. */
static void wait_go(void)
{
	__atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
	while (!sh->go)
		usleep(1000);
}

/* Whether to go on after n operations. */
static int more(double n)
{
	return !sh->stop && (!limit || n < limit);
}

/*
 * The measured loop is over. With BENCH_LIMIT, tell the parent, and wait
 * until it has stopped the clock (closed the release pipe) before cleaning
 * up, so that removing the file is never measured.
 */
static void finished(void)
{
	char c;

	if (!limit)
		return;
	if (write(sh->done_pipe[1], "", 1) != 1)
		die("write");
	if (read(sh->release_pipe[0], &c, 1) < 0)
		die("read");
}

/* page_fault3 (shared) and page_fault2 (private). */
static double page_faults(const char *dir, int id, int private)
{
	char path[512];
	int fd = make_file(dir, id, "pf", path, sizeof(path));
	double n = 0;

	if (ftruncate(fd, file_size))
		die("ftruncate");
	wait_go();
	while (more(n)) {
		char *m = mmap(NULL, file_size, PROT_READ | PROT_WRITE,
			       private ? MAP_PRIVATE : MAP_SHARED, fd, 0);

		if (m == MAP_FAILED)
			die("mmap");
		for (long off = 0; off < file_size && more(n); off += PAGE) {
			m[off] = 0;
			n++;
		}
		munmap(m, file_size);
	}
	finished();
	close(fd);
	remove_file(path);
	return n;
}

static double io(const char *dir, int id, int write, int random, long bs)
{
	static char buf[MIB];
	char path[512];
	int fd = make_file(dir, id, "io", path, sizeof(path));
	unsigned long rnd = 88172645463325252UL + id;
	long off = 0;
	double bytes = 0;

	memset(buf, 0xa5, sizeof(buf));
	/* Sequential writes start from an empty file; the rest need it filled. */
	if (!(write && !random))
		fill(fd, file_size);
	wait_go();
	while (more(bytes / bs)) {
		ssize_t r;

		if (random) {
			rnd ^= rnd << 13;
			rnd ^= rnd >> 7;
			rnd ^= rnd << 17;
			off = (long)(rnd % (file_size / bs)) * bs;
		} else if (off >= file_size) {
			off = 0;
			if (write && ftruncate(fd, 0))
				die("ftruncate");
		}
		r = write ? pwrite(fd, buf, bs, off) : pread(fd, buf, bs, off);
		if (r != bs)
			die(write ? "pwrite" : "pread");
		off += bs;
		bytes += bs;
	}
	finished();
	close(fd);
	remove_file(path);
	return bytes / MIB;
}

static double falloc(const char *dir, int id)
{
	char path[512];
	int fd = make_file(dir, id, "falloc", path, sizeof(path));
	double n = 0;

	wait_go();
	while (more(n)) {
		for (long off = 0; off < 16 * MIB && more(n); off += PAGE) {
			if (fallocate(fd, 0, off, PAGE))
				die("fallocate");
			n++;
		}
		if (ftruncate(fd, 0))
			die("ftruncate");
	}
	finished();
	close(fd);
	unlink(path);
	return n;
}

static double metadata(const char *dir, int id)
{
	char sub[512], path[600];
	struct stat st;
	double n = 0;

	snprintf(sub, sizeof(sub), "%s/bench-meta-%d", dir, id);
	if (mkdir(sub, 0700))
		die(sub);
	wait_go();
	while (more(n)) {
		int i, count;

		for (count = 0; count < 1000 && more(n + count); count++) {
			int fd;

			snprintf(path, sizeof(path), "%s/f%d", sub, count);
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
			if (fd < 0 || write(fd, path, 64) != 64)
				die("create");
			close(fd);
		}
		for (i = 0; i < count; i++) {
			snprintf(path, sizeof(path), "%s/f%d", sub, i);
			if (stat(path, &st))
				die("stat");
		}
		for (i = 0; i < count; i++) {
			snprintf(path, sizeof(path), "%s/f%d", sub, i);
			if (unlink(path))
				die("unlink");
		}
		n += count;
	}
	finished();
	rmdir(sub);
	return n;
}

static const struct {
	const char *name;
	int write, random;
	long bs;
} ios[] = {
	{ "seqwrite_4k", 1, 0, 4096 }, { "seqwrite_1m", 1, 0, MIB },
	{ "seqread_4k", 0, 0, 4096 },  { "seqread_1m", 0, 0, MIB },
	{ "randwrite_4k", 1, 1, 4096 }, { "randwrite_1m", 1, 1, MIB },
	{ "randread_4k", 0, 1, 4096 },  { "randread_1m", 0, 1, MIB },
};

static double work(const char *w, const char *dir, int id)
{
	if (!strcmp(w, "pf_shared"))
		return page_faults(dir, id, 0);
	if (!strcmp(w, "pf_private"))
		return page_faults(dir, id, 1);
	if (!strcmp(w, "fallocate"))
		return falloc(dir, id);
	if (!strcmp(w, "metadata"))
		return metadata(dir, id);
	for (size_t i = 0; i < sizeof(ios) / sizeof(ios[0]); i++)
		if (!strcmp(w, ios[i].name))
			return io(dir, id, ios[i].write, ios[i].random, ios[i].bs);
	fprintf(stderr, "bench: unknown workload %s\n", w);
	exit(2);
}

/* Operations per unit of work's result: read or write calls per MiB for I/O. */
static double ops_per_unit(const char *w)
{
	for (size_t i = 0; i < sizeof(ios) / sizeof(ios[0]); i++)
		if (!strcmp(w, ios[i].name))
			return (double)MIB / ios[i].bs;
	return 1;
}

/*
 * The unit BENCH_SIZE must be a multiple of: the I/O block (so that every
 * read or write is whole and inside the file), else the page.
 */
static long size_unit(const char *w)
{
	for (size_t i = 0; i < sizeof(ios) / sizeof(ios[0]); i++)
		if (!strcmp(w, ios[i].name))
			return ios[i].bs > PAGE ? ios[i].bs : PAGE;
	return PAGE;
}

/* BENCH_SIZE, if set and not empty: decimal bytes, checked; 0 when not valid. */
static long parse_size(const char *s, const char *w)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > MAX_FILE_SIZE || v % size_unit(w))
		return 0;
	return v;
}

static const char *unit(const char *w)
{
	if (!strncmp(w, "pf_", 3))
		return "faults/s";
	if (!strcmp(w, "fallocate"))
		return "calls/s";
	if (!strcmp(w, "metadata"))
		return "files/s";
	return "MiB/s";
}

int main(int argc, char **argv)
{
	double secs, start, elapsed, total = 0;
	int procs, failed = 0;
	pid_t pids[64];

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: bench WORKLOAD DIR SECONDS [PROCS]\n");
		return 2;
	}
	secs = atof(argv[3]);
	procs = argc == 5 ? atoi(argv[4]) : 1;
	if (secs <= 0 || procs < 1 || procs > 64) {
		fprintf(stderr, "bench: bad SECONDS or PROCS\n");
		return 2;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	if (getenv("BENCH_SIZE") && *getenv("BENCH_SIZE")) {
		file_size = parse_size(getenv("BENCH_SIZE"), argv[1]);
		if (!file_size) {
			fprintf(stderr, "bench: bad BENCH_SIZE %s: bytes, a multiple of %ld, up to %ld\n",
				getenv("BENCH_SIZE"), size_unit(argv[1]), MAX_FILE_SIZE);
			return 2;
		}
	}
	keep = getenv("BENCH_KEEP") && !strcmp(getenv("BENCH_KEEP"), "1");
	if (getenv("BENCH_LIMIT")) {
		limit = atof(getenv("BENCH_LIMIT"));
		if (limit < 1) {
			fprintf(stderr, "bench: bad BENCH_LIMIT\n");
			return 2;
		}
		if (pipe(sh->done_pipe) || pipe(sh->release_pipe))
			die("pipe");
	}
	/* Without the page the markers do nothing; the run is the same. */
	marker_setup();
	for (int i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork");
		if (pids[i] == 0) {
			if (limit)
				close(sh->release_pipe[1]);
			sh->done[i] = work(argv[1], argv[2], i);
			_exit(0);
		}
	}
	/* Set-up time is not measured: start the clock once every process is ready. */
	while (__atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) < procs) {
		if (waitpid(-1, NULL, WNOHANG) > 0) {
			fprintf(stderr, "bench: %s: a process died in set-up\n", argv[1]);
			return 1;
		}
		usleep(1000);
	}
	marker_begin();
	start = now();
	sh->go = 1;
	if (limit) {
		char c;

		/* Each process says when its work is done; a dead one closes its end. */
		close(sh->done_pipe[1]);
		for (int i = 0; i < procs; i++)
			if (read(sh->done_pipe[0], &c, 1) != 1)
				break;
	} else {
		usleep((useconds_t)(secs * 1e6));
	}
	sh->stop = 1;
	elapsed = now() - start;
	marker_end();
	if (limit)
		close(sh->release_pipe[1]);
	for (int i = 0; i < procs; i++) {
		int ws;

		waitpid(pids[i], &ws, 0);
		if (!WIFEXITED(ws) || WEXITSTATUS(ws))
			failed = 1;
		total += sh->done[i];
	}
	/* Both markers were called: say so even if the run failed (see the top). */
	if (getenv("BENCH_OPS") && !strcmp(getenv("BENCH_OPS"), "1"))
		fprintf(stderr, "ops %.0f secs %.3f\n", total * ops_per_unit(argv[1]), elapsed);
	if (failed || total <= 0) {
		fprintf(stderr, "bench: %s: a process failed or did no work\n", argv[1]);
		return 1;
	}
	printf("%.1f %s\n", total / elapsed, unit(argv[1]));
	return 0;
}
