// SPDX-License-Identifier: GPL-2.0
/*
 * exerciser: random file operations checked against a model of the file, in
 * the spirit of fsx.
 *
 *   exerciser [options] FILE
 *     -s SEED     random seed (default: from the clock; always printed)
 *     -n OPS      operations per process (default 10000; 0: until -t)
 *     -t SECONDS  stop after this long
 *     -c N        compare the whole file with the model every N operations
 *                 (default 1: after every operation)
 *     -m BYTES    largest file, and size of a shared region (default 256 KiB)
 *     -p N        N processes: each works on FILE.<i> and on region i of
 *                 FILE.shared, which only it writes (the regions are not
 *                 page-aligned, so neighbours share pages)
 *     -l LOG      write the operation log (LOG.<i> for process i)
 *     -r LOG      replay LOG instead of drawing operations
 *     -C OP       self-test: after operation OP (once the file is not
 *                 empty), change a byte of the file behind the model's back;
 *                 logged as an operation, so it replays too
 *     -q          print only the summary and failures
 *
 * Operations: read, write, mapped read, mapped write (with or without msync),
 * truncate up and down, fallocate (allocate, KEEP_SIZE, punch, zero range
 * with and without KEEP_SIZE), SEEK_DATA and SEEK_HOLE, close and reopen.
 * Offsets and lengths favour page-unaligned edges. A file system without
 * ZERO_RANGE (tmpfs: EOPNOTSUPP) has the operation dropped, and says so.
 *
 * Written bytes are a function of the operation number and the file offset and
 * are never zero, so a zero byte in the model is one that must read as zero,
 * and a replay writes exactly what the run wrote. On a mismatch it prints the
 * first differing offset with the expected and actual bytes, the last
 * operations, and the command that replays the run. Exit 0 when the model
 * held, 1 when it did not, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096L
#define HISTORY 16

enum op {
	OP_READ,
	OP_WRITE,
	OP_MAPREAD,
	OP_MAPWRITE,
	OP_TRUNCATE,
	OP_FALLOC,
	OP_SEEK,
	OP_REOPEN,
	OP_CORRUPT,
	NR_OPS,
};

static const char *const op_names[NR_OPS] = {
	"read", "write", "mapread", "mapwrite", "truncate",
	"fallocate", "seek", "reopen", "corrupt",
};

/* How often each operation is drawn, out of the sum. */
static const int op_weight[NR_OPS] = { 15, 20, 10, 15, 8, 16, 8, 3, 0 };

/* fallocate modes, the "arg" of OP_FALLOC. */
static const int falloc_modes[] = {
	0,
	FALLOC_FL_KEEP_SIZE,
	FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	FALLOC_FL_ZERO_RANGE,
	FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
};
#define NR_FALLOC_MODES (sizeof(falloc_modes) / sizeof(falloc_modes[0]))

struct record {
	long num;
	enum op op;
	int shared; /* On the shared region, not the process's own file. */
	long off, len, arg;
};

/*
 * One file the process checks: its own file, whole, or its region of the
 * shared file. Offsets in records and in the model are relative to base.
 */
struct target {
	const char *path;
	int fd;
	long base;
	long span;   /* Largest offset + 1 an operation may touch. */
	long size;   /* Model size (for a region: span, fixed). */
	bool region; /* A region of a file others write: size never changes. */
	unsigned char *model;
};

struct run {
	uint64_t rng;
	long ops, checks, check_every, corrupt_at;
	bool quiet, no_zero_range, corrupted;
	int id;
	FILE *log, *replay;
	struct target own, shared;
	bool have_shared;
	struct record hist[HISTORY];
	const char *log_path;
	long op_count[NR_OPS];
};

static uint64_t next_rand(struct run *r)
{
	/* xorshift64* */
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return r->rng * 2685821657736338717ULL;
}

static long rand_below(struct run *r, long n)
{
	return n > 0 ? (long)(next_rand(r) % (uint64_t)n) : 0;
}

/* The byte written at file offset off by operation num: never zero. */
static unsigned char data_byte(long num, long off)
{
	uint64_t h = (uint64_t)num * 0x9E3779B97F4A7C15ULL ^ (uint64_t)off * 0xC2B2AE3D27D4EB4FULL;

	h ^= h >> 29;
	return (unsigned char)(h % 255 + 1);
}

static void print_history(struct run *r)
{
	fprintf(stderr, "[%d] the last operations, oldest first:\n", r->id);
	for (int i = 0; i < HISTORY; i++) {
		struct record *h = &r->hist[(r->ops + 1 + i) % HISTORY];

		if (h->num <= 0)
			continue;
		fprintf(stderr, "[%d]   %ld %s%s off %ld len %ld arg %ld\n", r->id, h->num,
			h->shared ? "shared " : "", op_names[h->op], h->off, h->len, h->arg);
	}
	if (r->log_path)
		fprintf(stderr, "[%d] replay with: exerciser -r %s <file>\n", r->id, r->log_path);
}

static void __attribute__((noreturn)) fail(struct run *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "[%d] FAIL after operation %ld: ", r->id, r->ops);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_history(r);
	if (r->log)
		fflush(r->log);
	exit(1);
}

static void __attribute__((noreturn)) syserr(struct run *r, const char *what)
{
	fail(r, "%s: %s", what, strerror(errno));
}

/* Compares len bytes read at off with the model; fails on the first difference. */
static void compare(struct run *r, struct target *t, const unsigned char *got, long off,
		    long len, const char *how)
{
	for (long i = 0; i < len; i++) {
		if (got[i] == t->model[off + i])
			continue;
		fail(r, "%s%s: first difference at offset %ld (file offset %ld): expected 0x%02x, got 0x%02x",
		     t->region ? "shared region: " : "", how, off + i, t->base + off + i,
		     t->model[off + i], got[i]);
	}
}

static void check_target(struct run *r, struct target *t)
{
	static unsigned char buf[1 << 16];
	struct stat st;

	if (fstat(t->fd, &st))
		syserr(r, "fstat");
	if (!t->region && st.st_size != t->size)
		fail(r, "size: expected %ld, got %lld", t->size, (long long)st.st_size);
	for (long off = 0; off < t->size; off += sizeof(buf)) {
		long n = t->size - off < (long)sizeof(buf) ? t->size - off : (long)sizeof(buf);
		ssize_t got = pread(t->fd, buf, n, t->base + off);

		if (got != n)
			fail(r, "check: read of %ld at %ld returned %zd", n, off, got);
		compare(r, t, buf, off, n, "check");
	}
	r->checks++;
}

/* An offset in [0, limit], near a page edge half of the time. */
static long pick_offset(struct run *r, long limit)
{
	long off;

	if (limit <= 0)
		return 0;
	if (rand_below(r, 2)) {
		off = rand_below(r, limit / PAGE + 1) * PAGE + rand_below(r, 17) - 8;
		if (off < 0)
			off = 0;
		if (off > limit)
			off = limit;
		return off;
	}
	return rand_below(r, limit + 1);
}

/* A length from off, at most max: often ending near a page edge, sometimes tiny. */
static long pick_length(struct run *r, long off, long max)
{
	long len;

	if (max <= 0)
		return 0;
	switch (rand_below(r, 4)) {
	case 0:
		len = 1 + rand_below(r, 64);
		break;
	case 1: {
		long end = ((off + rand_below(r, 8 * PAGE)) / PAGE + 1) * PAGE + rand_below(r, 17) - 8;

		len = end - off;
		break;
	}
	default:
		len = 1 + rand_below(r, max);
	}
	if (len < 1)
		len = 1;
	return len > max ? max : len;
}

static void *map_range(struct run *r, struct target *t, long off, long len, int prot,
		       long *delta)
{
	long start = (t->base + off) / PAGE * PAGE;
	void *m;

	*delta = t->base + off - start;
	m = mmap(NULL, *delta + len, prot, MAP_SHARED, t->fd, start);
	if (m == MAP_FAILED)
		syserr(r, "mmap");
	return m;
}

/* The model's side of a size change: bytes past the new size become zero. */
static void model_resize(struct target *t, long size)
{
	if (size < t->size)
		memset(t->model + size, 0, t->size - size);
	t->size = size;
}

static void do_read(struct run *r, struct target *t, struct record *o)
{
	static unsigned char buf[1 << 20];
	ssize_t got = pread(t->fd, buf, o->len, t->base + o->off);
	long want = t->region ? o->len : (o->off >= t->size ? 0 : t->size - o->off);

	if (want > o->len)
		want = o->len;
	if (got != want)
		fail(r, "read of %ld at %ld returned %zd, expected %ld", o->len, o->off, got, want);
	compare(r, t, buf, o->off, want, "read");
}

static void do_write(struct run *r, struct target *t, struct record *o)
{
	static unsigned char buf[1 << 20];

	for (long i = 0; i < o->len; i++)
		buf[i] = data_byte(o->num, o->off + i);
	if (pwrite(t->fd, buf, o->len, t->base + o->off) != o->len)
		syserr(r, "pwrite");
	memcpy(t->model + o->off, buf, o->len);
	if (o->off + o->len > t->size)
		t->size = o->off + o->len;
}

static void do_mapread(struct run *r, struct target *t, struct record *o)
{
	long delta;
	unsigned char *m = map_range(r, t, o->off, o->len, PROT_READ, &delta);

	compare(r, t, m + delta, o->off, o->len, "mapped read");
	munmap(m, delta + o->len);
}

/* arg: 1 to msync(MS_SYNC) before unmapping. */
static void do_mapwrite(struct run *r, struct target *t, struct record *o)
{
	long delta;
	unsigned char *m;

	/* A store past EOF is SIGBUS: grow the file first, as fsx does. */
	if (!t->region && o->off + o->len > t->size) {
		if (ftruncate(t->fd, o->off + o->len))
			syserr(r, "ftruncate before a mapped write");
		t->size = o->off + o->len;
	}
	m = map_range(r, t, o->off, o->len, PROT_READ | PROT_WRITE, &delta);
	for (long i = 0; i < o->len; i++)
		m[delta + i] = data_byte(o->num, o->off + i);
	memcpy(t->model + o->off, m + delta, o->len);
	if (o->arg && msync(m, delta + o->len, MS_SYNC))
		syserr(r, "msync");
	munmap(m, delta + o->len);
}

static void do_truncate(struct run *r, struct target *t, struct record *o)
{
	if (ftruncate(t->fd, o->off))
		syserr(r, "ftruncate");
	model_resize(t, o->off);
}

static void do_falloc(struct run *r, struct target *t, struct record *o)
{
	int mode = falloc_modes[o->arg];
	long end = o->off + o->len;

	if (fallocate(t->fd, mode, t->base + o->off, o->len)) {
		if (errno == EOPNOTSUPP && (mode & FALLOC_FL_ZERO_RANGE)) {
			/* Not a failure of the model: this file system lacks it. */
			if (!r->no_zero_range && !r->quiet)
				printf("[%d] ZERO_RANGE is not supported here: dropped\n", r->id);
			r->no_zero_range = true;
			return;
		}
		syserr(r, "fallocate");
	}
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
		long zend = end < t->size ? end : t->size;

		if (o->off < zend)
			memset(t->model + o->off, 0, zend - o->off);
	}
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > t->size)
		t->size = end;
}

/*
 * SEEK_DATA and SEEK_HOLE, against what the model can say: a hole reads as
 * zeros, and written bytes are never zero. For a region, what lies past it
 * belongs to other processes, so only the part inside it is checked.
 * arg: 0 for SEEK_DATA, 1 for SEEK_HOLE.
 */
static void do_seek(struct run *r, struct target *t, struct record *o)
{
	int whence = o->arg ? SEEK_HOLE : SEEK_DATA;
	long end = t->size; /* The end of what the model knows. */
	off_t res = lseek(t->fd, t->base + o->off, whence);

	if (res < 0) {
		if (errno != ENXIO)
			syserr(r, o->arg ? "SEEK_HOLE" : "SEEK_DATA");
		/* There is always a hole at EOF. */
		if (whence == SEEK_HOLE && (t->region || o->off < t->size))
			fail(r, "SEEK_HOLE at %ld: ENXIO, with size %ld", o->off, t->size);
		/* No data after off: none that the model knows of either. */
		for (long i = o->off; i < end; i++)
			if (t->model[i])
				fail(r, "SEEK_DATA at %ld: ENXIO, but data at %ld (0x%02x)", o->off, i,
				     t->model[i]);
		return;
	}
	res -= t->base;
	if (!t->region && o->off >= t->size)
		fail(r, "%s at %ld >= size %ld returned %lld, not ENXIO",
		     o->arg ? "SEEK_HOLE" : "SEEK_DATA", o->off, t->size, (long long)res);
	if (res < o->off)
		fail(r, "%s at %ld went back to %lld", o->arg ? "SEEK_HOLE" : "SEEK_DATA", o->off,
		     (long long)res);
	if (!t->region && res > t->size)
		fail(r, "%s at %ld returned %lld past size %ld", o->arg ? "SEEK_HOLE" : "SEEK_DATA",
		     o->off, (long long)res, t->size);
	if (whence == SEEK_DATA) {
		/* Everything skipped is a hole. */
		long stop = res < end ? res : end;

		for (long i = o->off; i < stop; i++)
			if (t->model[i])
				fail(r, "SEEK_DATA at %ld skipped data at %ld (0x%02x) to %lld", o->off,
				     i, t->model[i], (long long)res);
	} else if (res < end && t->model[res]) {
		/* A hole reads as zeros. */
		fail(r, "SEEK_HOLE at %ld returned %lld, where the data byte is 0x%02x", o->off,
		     (long long)res, t->model[res]);
	}
	/* Moving on, it stops at a page boundary, or at EOF. */
	if (res > o->off && res < end && (res + t->base) % PAGE)
		fail(r, "%s at %ld moved to %lld, inside a page", o->arg ? "SEEK_HOLE" : "SEEK_DATA",
		     o->off, (long long)res);
}

static void do_reopen(struct run *r, struct target *t)
{
	close(t->fd);
	t->fd = open(t->path, O_RDWR);
	if (t->fd < 0)
		syserr(r, "reopen");
}

/* The self-test: one byte of the file changes behind the model's back. */
static void do_corrupt(struct run *r, struct target *t, struct record *o)
{
	unsigned char b = t->model[o->off] ^ 0x5a;

	if (pwrite(t->fd, &b, 1, t->base + o->off) != 1)
		syserr(r, "corrupting pwrite");
}

/* Draws the next operation, within what the target allows. */
static bool draw(struct run *r, struct record *o)
{
	struct target *t;
	int total = 0, pick;
	long limit;

	o->shared = r->have_shared && rand_below(r, 3) == 0;
	t = o->shared ? &r->shared : &r->own;
	/* The self-test's change, at the first operation after -C's with a byte to change. */
	if (r->corrupt_at && o->num > r->corrupt_at && !r->corrupted) {
		if (!t->size && r->have_shared) {
			o->shared = 1;
			t = &r->shared;
		}
		if (t->size) {
			r->corrupted = true;
			o->op = OP_CORRUPT;
			o->off = rand_below(r, t->size);
			o->len = 1;
			o->arg = 0;
			return true;
		}
	}
	for (int i = 0; i < NR_OPS; i++)
		total += op_weight[i];
	pick = rand_below(r, total);
	for (o->op = 0; pick >= op_weight[o->op]; o->op++)
		pick -= op_weight[o->op];
	o->arg = 0;
	switch (o->op) {
	case OP_READ:
		o->off = pick_offset(r, t->span - 1);
		o->len = pick_length(r, o->off, t->span - o->off);
		break;
	case OP_WRITE:
	case OP_MAPWRITE:
		o->off = pick_offset(r, t->span - 1);
		o->len = pick_length(r, o->off, t->span - o->off);
		o->arg = o->op == OP_MAPWRITE ? rand_below(r, 2) : 0;
		break;
	case OP_MAPREAD:
		if (t->size == 0)
			return false;
		o->off = pick_offset(r, t->size - 1);
		o->len = pick_length(r, o->off, t->size - o->off);
		break;
	case OP_TRUNCATE:
		if (t->region)
			return false;
		o->off = pick_offset(r, t->span);
		o->len = 0;
		break;
	case OP_FALLOC:
		o->arg = rand_below(r, NR_FALLOC_MODES);
		if (r->no_zero_range && (falloc_modes[o->arg] & FALLOC_FL_ZERO_RANGE))
			return false;
		limit = t->span;
		o->off = pick_offset(r, limit - 1);
		o->len = pick_length(r, o->off, limit - o->off);
		break;
	case OP_SEEK:
		o->arg = rand_below(r, 2);
		o->off = pick_offset(r, t->region ? t->span - 1 : t->size + PAGE);
		o->len = 0;
		break;
	case OP_REOPEN:
		o->off = o->len = 0;
		break;
	default:
		return false;
	}
	return true;
}

static bool read_record(struct run *r, struct record *o)
{
	char line[256], name[32], where[16];

	while (fgets(line, sizeof(line), r->replay)) {
		if (line[0] == '#')
			continue;
		if (sscanf(line, "%ld %15s %31s %ld %ld %ld", &o->num, where, name, &o->off, &o->len,
			   &o->arg) != 6)
			break;
		o->shared = !strcmp(where, "shared");
		for (o->op = 0; o->op < NR_OPS; o->op++)
			if (!strcmp(name, op_names[o->op]))
				return true;
		break;
	}
	return false;
}

static void perform(struct run *r, struct record *o)
{
	struct target *t = o->shared ? &r->shared : &r->own;

	if (r->log)
		fprintf(r->log, "%ld %s %s %ld %ld %ld\n", o->num, o->shared ? "shared" : "own",
			op_names[o->op], o->off, o->len, o->arg);
	r->hist[o->num % HISTORY] = *o;
	switch (o->op) {
	case OP_READ:
		do_read(r, t, o);
		break;
	case OP_WRITE:
		do_write(r, t, o);
		break;
	case OP_MAPREAD:
		do_mapread(r, t, o);
		break;
	case OP_MAPWRITE:
		do_mapwrite(r, t, o);
		break;
	case OP_TRUNCATE:
		do_truncate(r, t, o);
		break;
	case OP_FALLOC:
		do_falloc(r, t, o);
		break;
	case OP_SEEK:
		do_seek(r, t, o);
		break;
	case OP_REOPEN:
		do_reopen(r, t);
		break;
	case OP_CORRUPT:
		do_corrupt(r, t, o);
		break;
	default:
		break;
	}
	r->op_count[o->op]++;
}

static void open_target(struct run *r, struct target *t, const char *path, long base,
			long span, bool region, bool create)
{
	t->path = path;
	t->fd = open(path, O_RDWR | (create ? O_CREAT | O_TRUNC : 0), 0644);
	if (t->fd < 0)
		syserr(r, path);
	t->base = base;
	t->span = span;
	t->region = region;
	t->size = region ? span : 0;
	t->model = calloc(1, span + PAGE);
	if (!t->model)
		syserr(r, "model");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct config {
	uint64_t seed;
	long ops, check_every, maxsize, corrupt_at;
	double seconds;
	int procs;
	int replay_procs, replay_id; /* The layout of the run a replayed log comes from. */
	bool quiet;
	const char *file, *log, *replay;
};

/* One process's run; returns ops done. */
static long run_one(const struct config *c, int id, long *checks)
{
	static char own_path[4096], shared_path[4096], log_path[4096];
	struct run r = { .check_every = c->check_every, .quiet = c->quiet, .id = id,
			 .corrupt_at = c->corrupt_at };
	double deadline = c->seconds ? now() + c->seconds : 0;
	long shared_span = c->maxsize - 1234;
	struct record o;

	r.rng = c->seed + (uint64_t)id * 0x9E3779B97F4A7C15ULL;
	if (!r.rng)
		r.rng = 1;
	if (c->procs)
		snprintf(own_path, sizeof(own_path), "%s.%d", c->file, id);
	else
		snprintf(own_path, sizeof(own_path), "%s", c->file);
	if (c->procs || c->replay_procs) {
		int region = c->procs ? id : c->replay_id;

		snprintf(shared_path, sizeof(shared_path), "%s.shared", c->file);
		open_target(&r, &r.shared, shared_path, (long)region * shared_span, shared_span,
			    true, false);
		r.have_shared = true;
	}
	open_target(&r, &r.own, own_path, 0, c->maxsize, false, true);
	if (c->log) {
		if (c->procs)
			snprintf(log_path, sizeof(log_path), "%s.%d", c->log, id);
		else
			snprintf(log_path, sizeof(log_path), "%s", c->log);
		r.log = fopen(log_path, "w");
		if (!r.log)
			syserr(&r, log_path);
		r.log_path = log_path;
		fprintf(r.log, "# exerciser seed %" PRIu64 " maxsize %ld procs %d id %d\n", c->seed,
			c->maxsize, c->procs, id);
	}
	if (c->replay) {
		r.replay = fopen(c->replay, "r");
		if (!r.replay)
			syserr(&r, c->replay);
	}
	for (long num = 1; !c->ops || num <= c->ops; num++) {
		if (deadline && now() > deadline)
			break;
		if (r.replay) {
			if (!read_record(&r, &o))
				break;
		} else {
			o.num = num;
			while (!draw(&r, &o))
				;
		}
		r.ops = o.num;
		perform(&r, &o);
		if (r.check_every && o.num % r.check_every == 0) {
			check_target(&r, &r.own);
			if (r.have_shared)
				check_target(&r, &r.shared);
		}
	}
	check_target(&r, &r.own);
	if (r.have_shared)
		check_target(&r, &r.shared);
	if (!c->quiet) {
		printf("[%d] %ld operations:", id, r.ops);
		for (int i = 0; i < NR_OPS; i++)
			if (r.op_count[i])
				printf(" %s %ld", op_names[i], r.op_count[i]);
		printf("\n");
	}
	if (r.log)
		fclose(r.log);
	*checks = r.checks;
	return r.ops;
}

/* Reads the header of a log: the seed, size and process layout it ran with. */
static void read_log_header(struct config *c)
{
	FILE *f = fopen(c->replay, "r");

	if (!f || fscanf(f, "# exerciser seed %" SCNu64 " maxsize %ld procs %d id %d", &c->seed,
			 &c->maxsize, &c->replay_procs, &c->replay_id) != 4) {
		fprintf(stderr, "exerciser: %s is not an exerciser log\n", c->replay);
		exit(2);
	}
	fclose(f);
	if (c->replay_procs)
		printf("exerciser: %s is process %d's log of %d: replayed alone, on region %d\n",
		       c->replay, c->replay_id, c->replay_procs, c->replay_id);
}

int main(int argc, char **argv)
{
	struct config c = { .ops = 10000, .check_every = 1, .maxsize = 256 * 1024 };
	long total_ops = 0, total_checks = 0;
	double start;
	int opt, status = 0;

	c.seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	while ((opt = getopt(argc, argv, "s:n:t:c:m:p:l:r:C:q")) != -1) {
		switch (opt) {
		case 's': c.seed = strtoull(optarg, NULL, 0); break;
		case 'n': c.ops = atol(optarg); break;
		case 't': c.seconds = atof(optarg); break;
		case 'c': c.check_every = atol(optarg); break;
		case 'm': c.maxsize = atol(optarg); break;
		case 'p': c.procs = atoi(optarg); break;
		case 'l': c.log = optarg; break;
		case 'r': c.replay = optarg; break;
		case 'C': c.corrupt_at = atol(optarg); break;
		case 'q': c.quiet = true; break;
		default: c.procs = -1; break; /* Usage below. */
		}
	}
	if (optind != argc - 1 || c.maxsize < 2 * PAGE || c.maxsize > (1 << 20) ||
	    (!c.ops && !c.seconds) || c.procs < 0 || (c.replay && c.procs)) {
		fprintf(stderr, "usage: exerciser [-s seed] [-n ops] [-t secs] [-c every] "
				"[-m 8192..1048576] [-p procs] [-l log | -r log] [-C op] [-q] FILE\n");
		return 2;
	}
	c.file = argv[optind];
	if (c.replay) {
		read_log_header(&c);
		c.ops = 0;
		c.seconds = 0;
	}
	printf("exerciser: seed %" PRIu64 ", %s, file %s, largest %ld bytes, check every %ld%s\n",
	       c.seed, c.replay ? "replaying" : "random", c.file, c.maxsize, c.check_every,
	       c.procs ? "" : ", one process");
	fflush(stdout);

	if (c.procs || c.replay_procs) {
		/* The shared file: every region, as holes, before anyone starts. */
		char path[4096];
		int fd;

		snprintf(path, sizeof(path), "%s.shared", c.file);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 ||
		    ftruncate(fd, (c.maxsize - 1234) * (c.procs ? c.procs : c.replay_procs))) {
			perror(path);
			return 1;
		}
		close(fd);
	}
	start = now();
	if (!c.procs) {
		total_ops = run_one(&c, 0, &total_checks);
	} else {
		long *counts = mmap(NULL, 2 * sizeof(long) * c.procs, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		if (counts == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		for (int i = 0; i < c.procs; i++) {
			if (fork() == 0) {
				counts[2 * i] = run_one(&c, i, &counts[2 * i + 1]);
				fflush(stdout);
				_exit(0);
			}
		}
		for (int i = 0; i < c.procs; i++) {
			int ws;

			wait(&ws);
			if (!WIFEXITED(ws) || WEXITSTATUS(ws))
				status = 1;
		}
		for (int i = 0; i < c.procs; i++) {
			total_ops += counts[2 * i];
			total_checks += counts[2 * i + 1];
		}
	}
	printf("exerciser: %s: %ld operations and %ld full checks in %.1fs, %.0f ops/s\n",
	       status ? "FAILED" : "model held", total_ops, total_checks, now() - start,
	       total_ops / (now() - start));
	return status;
}
