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
 *     -m BYTES    largest file, and size of a shared region (default 256 KiB);
 *                 in edge mode, the low window
 *     -E          edge mode: operations at the edges of large offsets (below)
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
 * Operations: read, write (at an offset, or appending with O_APPEND), mapped
 * read, mapped write (with or without msync), truncate up and down, fallocate
 * (allocate, KEEP_SIZE, punch, zero range with and without KEEP_SIZE),
 * SEEK_DATA and SEEK_HOLE, close and reopen. Offsets and lengths favour
 * page-unaligned edges. A file system without ZERO_RANGE (tmpfs: EOPNOTSUPP)
 * has the operation dropped, and says so.
 *
 * The model is a set of windows of the file, each an exact copy of what the
 * file must hold there, and the file's size; nothing writes outside the
 * windows, so everything else must read as zeros. In the default mode there
 * is one window, the first -m bytes. Edge mode (-E) tests the large offsets
 * where 32-bit byte offsets and page indices wrap and where the file size
 * ends: besides the low window, 64 KiB windows around 2^31 and 2^32 (byte
 * offsets), 2^43 and 2^44 (page indices 2^31 and 2^32), and the last 64 KiB
 * below MAX_LFS (2^63 - 1, the largest file size on x86_64). Each operation
 * lies within one window; truncation moves the size from window to window,
 * so the file is as sparse as a file can be. Offsets there favour the edge
 * itself and ranges that end on it. Edge mode also checks the limits, with
 * what the VFS and tmpfs do: a write ending exactly at MAX_LFS succeeds;
 * pwrite and pread past it fail with EINVAL, fallocate past it with EFBIG;
 * an O_APPEND write at MAX_LFS fails with EFBIG and one crossing it is short;
 * the last page (0x7ffffffffffff000) cannot be mapped (EOVERFLOW) while the
 * one before it can. Its shared file (-p) has its regions around 2^44.
 *
 * After each operation (see -c) every window is read back and compared, the
 * size with fstat, a read at EOF must return nothing and, in edge mode,
 * probes between the windows must read as zeros. SEEK_DATA and SEEK_HOLE are
 * checked against what the model knows: written bytes are data, a page
 * entirely outside the windows is a hole, results are page-aligned or EOF.
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

#include "../lib/page.h"
#define HISTORY 16
/* The largest file size, s_maxbytes of tmpfs on 64-bit: the last byte is MAX_LFS - 1. */
#define MAX_LFS 0x7fffffffffffffffULL
/* The first byte of the page that mmap refuses (EOVERFLOW): its end would pass MAX_LFS. */
#define LAST_PAGE (MAX_LFS / PAGE * PAGE)
#define EDGE_WINDOW (64 * 1024ULL)
#define MAX_WINDOWS 8
#define NONE UINT64_MAX

enum op {
	OP_READ,
	OP_WRITE,
	OP_MAPREAD,
	OP_MAPWRITE,
	OP_TRUNCATE,
	OP_FALLOC,
	OP_SEEK,
	OP_REOPEN,
	OP_BEYOND,
	OP_CORRUPT,
	NR_OPS,
};

static const char *const op_names[NR_OPS] = {
	"read", "write", "mapread", "mapwrite", "truncate",
	"fallocate", "seek", "reopen", "beyond", "corrupt",
};

/* How often each operation is drawn, out of the sum. */
static const int op_weight[NR_OPS] = { 15, 20, 10, 15, 8, 16, 8, 3, 0, 0 };
/* In edge mode: more truncation, to move the size between windows, and the limits. */
static const int edge_op_weight[NR_OPS] = { 15, 20, 10, 15, 12, 16, 10, 3, 4, 0 };

/* fallocate modes, the "arg" of OP_FALLOC. */
static const int falloc_modes[] = {
	0,
	FALLOC_FL_KEEP_SIZE,
	FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	FALLOC_FL_ZERO_RANGE,
	FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
};
#define NR_FALLOC_MODES (sizeof(falloc_modes) / sizeof(falloc_modes[0]))

/* OP_WRITE's arg. */
enum { WRITE_AT, WRITE_APPEND };

/* The cases at the top of the file that edge mode counts, to show they were reached. */
enum { TOP_END, TOP_SIZE, TOP_SHORT, TOP_EFBIG, TOP_EOVERFLOW, NR_TOP };
static const char *const top_names[NR_TOP] = {
	"ranges ending at MAX_LFS", "sizes of MAX_LFS", "short O_APPEND writes",
	"O_APPEND EFBIG", "mmap EOVERFLOW",
};

/* OP_BEYOND's arg: a kind times 8 plus, for fallocate, the mode's index. */
enum { BEYOND_PWRITE, BEYOND_PREAD, BEYOND_FALLOC, NR_BEYOND };

struct record {
	long num;
	enum op op;
	int shared; /* On the shared region, not the process's own file. */
	uint64_t off, len, arg;
};

/*
 * A part of the file the model holds: [start, end), and the edge it is
 * around, which offsets favour. Bytes past the size are zero in the model.
 */
struct window {
	uint64_t start, end, edge;
	unsigned char *model;
};

/*
 * One file the process checks: its own file, or its region of the shared
 * file. Offsets in records and in the model are relative to base.
 */
struct target {
	const char *path;
	int fd;
	uint64_t base;
	uint64_t size; /* Model size (for a region: its span, fixed). */
	bool region;   /* A region of a file others write: size never changes. */
	int nwin;
	struct window win[MAX_WINDOWS];
};

struct run {
	uint64_t rng;
	long ops, checks, check_every, corrupt_at;
	bool quiet, no_zero_range, corrupted, edge;
	int id;
	FILE *log, *replay;
	struct target own, shared;
	bool have_shared;
	struct record hist[HISTORY];
	const char *log_path;
	long op_count[NR_OPS];
	long last_page_data, last_page_hole; /* tmpfs's answers at the last page. */
	long at_top[NR_TOP]; /* How often the cases at MAX_LFS came up. */
};

static uint64_t next_rand(struct run *r)
{
	/* xorshift64* */
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return r->rng * 2685821657736338717ULL;
}

static uint64_t rand_below(struct run *r, uint64_t n)
{
	return n > 0 ? next_rand(r) % n : 0;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* The byte written at file offset off by operation num: never zero. */
static unsigned char data_byte(long num, uint64_t off)
{
	uint64_t h = (uint64_t)num * 0x9E3779B97F4A7C15ULL ^ off * 0xC2B2AE3D27D4EB4FULL;

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
		fprintf(stderr, "[%d]   %ld %s%s off %" PRIu64 " (0x%" PRIx64 ") len %" PRIu64
			" arg %" PRIu64 "\n", r->id, h->num, h->shared ? "shared " : "",
			op_names[h->op], h->off, h->off, h->len, h->arg);
	}
	if (r->log_path)
		fprintf(stderr, "[%d] replay with: exerciser -r %s <file>\n", r->id, r->log_path);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
fail(struct run *r, const char *fmt, ...)
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

/* The window holding [off, off + len), or NULL. */
static struct window *window_of(struct target *t, uint64_t off, uint64_t len)
{
	for (int i = 0; i < t->nwin; i++) {
		struct window *w = &t->win[i];

		if (off >= w->start && off <= w->end && len <= w->end - off)
			return w;
	}
	return NULL;
}

/* The window an operation's range lies in: a log that says otherwise is not ours. */
static struct window *op_window(struct run *r, struct target *t, uint64_t off, uint64_t len)
{
	struct window *w = window_of(t, off, len);

	if (!w)
		fail(r, "[0x%" PRIx64 ", +%" PRIu64 ") lies in no window of the model", off, len);
	return w;
}

/* The first offset in [from, to) where the model has data (a non-zero byte), or NONE. */
static uint64_t first_data(struct target *t, uint64_t from, uint64_t to)
{
	for (int i = 0; i < t->nwin; i++) {
		struct window *w = &t->win[i];
		uint64_t lo = max_u64(from, w->start), hi = min_u64(to, w->end);

		for (uint64_t o = lo; o < hi; o++)
			if (w->model[o - w->start])
				return o;
	}
	return NONE;
}

/*
 * The first page at or after the one holding from that no window touches: a
 * hole whatever happened, since nothing writes there. NONE if there is none.
 */
static uint64_t first_gap_page(struct target *t, uint64_t from)
{
	uint64_t p = from / PAGE * PAGE;

	for (int i = 0; i < t->nwin; i++) {
		struct window *w = &t->win[i];

		/* The windows are in order: does the page at p reach into this one? */
		if (p + PAGE <= w->start)
			return p;
		if (p < w->end)
			p = (w->end + PAGE - 1) / PAGE * PAGE;
	}
	return p < LAST_PAGE + PAGE ? p : NONE;
}

/* Compares len bytes read at off with the model; fails on the first difference. */
static void compare(struct run *r, struct target *t, const unsigned char *got, uint64_t off,
		    uint64_t len, const char *how)
{
	struct window *w = op_window(r, t, off, len);
	const unsigned char *m = w->model + (off - w->start);

	for (uint64_t i = 0; i < len; i++) {
		if (got[i] == m[i])
			continue;
		fail(r, "%s%s: first difference at offset %" PRIu64 " (file offset %" PRIu64
		     ", 0x%" PRIx64 "): expected 0x%02x, got 0x%02x",
		     t->region ? "shared region: " : "", how, off + i, t->base + off + i,
		     t->base + off + i, m[i], got[i]);
	}
}

/* In edge mode: len bytes at off, outside the windows, must be zeros (or EOF). */
static void probe_hole(struct run *r, struct target *t, uint64_t off, uint64_t len)
{
	unsigned char buf[64];
	uint64_t want = off >= t->size ? 0 : min_u64(len, t->size - off);
	ssize_t got = pread(t->fd, buf, len, off);

	if (got < 0 || (uint64_t)got != want)
		fail(r, "probe: read of %" PRIu64 " between the windows at 0x%" PRIx64
		     " returned %zd, expected %" PRIu64 " (size 0x%" PRIx64 ")", len, off, got, want,
		     t->size);
	for (uint64_t i = 0; i < want; i++)
		if (buf[i])
			fail(r, "probe: byte at 0x%" PRIx64 ", between the windows, is 0x%02x, not 0",
			     off + i, buf[i]);
}

static void check_target(struct run *r, struct target *t)
{
	static unsigned char buf[1 << 16];
	struct stat st;

	if (fstat(t->fd, &st))
		syserr(r, "fstat");
	if (!t->region && (uint64_t)st.st_size != t->size)
		fail(r, "size: expected %" PRIu64 " (0x%" PRIx64 "), got %lld (0x%llx)", t->size,
		     t->size, (long long)st.st_size, (unsigned long long)st.st_size);
	for (int i = 0; i < t->nwin; i++) {
		struct window *w = &t->win[i];
		uint64_t end = min_u64(w->end, t->size);

		for (uint64_t off = w->start; off < end; off += sizeof(buf)) {
			uint64_t n = min_u64(end - off, sizeof(buf));
			ssize_t got = pread(t->fd, buf, n, t->base + off);

			if (got < 0 || (uint64_t)got != n)
				fail(r, "check: read of %" PRIu64 " at %" PRIu64 " (0x%" PRIx64
				     ") returned %zd", n, off, off, got);
			compare(r, t, buf, off, n, "check");
		}
	}
	if (!t->region && t->size < MAX_LFS) {
		ssize_t got = pread(t->fd, buf, 1, t->size);

		if (got != 0)
			fail(r, "check: read at EOF (0x%" PRIx64 ") returned %zd", t->size, got);
	}
	if (r->edge && !t->region) {
		/* Just outside each window, and halfway to the next one. */
		for (int i = 0; i < t->nwin; i++) {
			struct window *w = &t->win[i];

			if (w->start >= 16)
				probe_hole(r, t, w->start - 16, 16);
			if (w->end < MAX_LFS)
				probe_hole(r, t, w->end, 16);
			if (i + 1 < t->nwin)
				probe_hole(r, t,
					   (w->end / 2 + t->win[i + 1].start / 2) / PAGE * PAGE, 64);
		}
	}
	r->checks++;
}

/* An offset in [0, limit], near a page edge half of the time. */
static uint64_t pick_offset(struct run *r, uint64_t limit)
{
	int64_t off;

	if (!limit)
		return 0;
	if (rand_below(r, 2)) {
		off = (int64_t)(rand_below(r, limit / PAGE + 1) * PAGE) +
		      (int64_t)rand_below(r, 17) - 8;
		if (off < 0)
			off = 0;
		return min_u64(off, limit);
	}
	return rand_below(r, limit + 1);
}

/*
 * An offset in window w, at most its end if end_ok, else below it: in edge
 * mode a quarter are within 8 bytes of the window's edge.
 */
static uint64_t pick_window_offset(struct run *r, struct window *w, bool end_ok)
{
	uint64_t limit = w->end - w->start - (end_ok ? 0 : 1);

	if (r->edge && rand_below(r, 4) == 0) {
		uint64_t e = w->edge - w->start + rand_below(r, 17);

		e = e < 8 ? 0 : e - 8;
		return w->start + min_u64(e, limit);
	}
	return w->start + pick_offset(r, limit);
}

/* A length from off, at most max: often ending near a page edge, sometimes tiny. */
static uint64_t pick_length(struct run *r, uint64_t off, uint64_t max)
{
	uint64_t len;

	if (!max)
		return 0;
	switch (rand_below(r, 4)) {
	case 0:
		len = 1 + rand_below(r, 64);
		break;
	case 1: {
		/* off is relative to a page-aligned window: far below any overflow. */
		int64_t end = (int64_t)(((off + rand_below(r, 8 * PAGE)) / PAGE + 1) * PAGE) +
			      (int64_t)rand_below(r, 17) - 8;

		len = end > (int64_t)off ? end - off : 1;
		break;
	}
	default:
		len = 1 + rand_below(r, max);
	}
	if (len < 1)
		len = 1;
	return len > max ? max : len;
}

/*
 * A length for a range from off in window w: in edge mode, a quarter end
 * within 8 bytes of the window's edge and an eighth exactly at its end.
 */
static uint64_t pick_window_length(struct run *r, struct window *w, uint64_t off)
{
	uint64_t max = w->end - off;

	if (r->edge) {
		uint64_t e = w->edge + rand_below(r, 17);

		switch (rand_below(r, 8)) {
		case 0:
		case 1:
			e = e < 8 ? 0 : e - 8;
			if (e > off)
				return min_u64(e - off, max);
			break;
		case 2:
			return max;
		}
	}
	return pick_length(r, off - w->start, max);
}

/* Maps the pages of [off, off + len); NULL when mmap refuses the last page (EOVERFLOW). */
static void *map_range(struct run *r, struct target *t, uint64_t off, uint64_t len, int prot,
		       uint64_t *delta)
{
	uint64_t start = (t->base + off) / PAGE * PAGE;
	bool overflow = t->base + off + len > LAST_PAGE;
	void *m;

	*delta = t->base + off - start;
	m = mmap(NULL, *delta + len, prot, MAP_SHARED, t->fd, start);
	if (overflow) {
		if (m != MAP_FAILED)
			fail(r, "mmap of 0x%" PRIx64 ", +%" PRIu64 " succeeded: the page at 0x%llx "
			     "cannot be mapped", start, *delta + len, LAST_PAGE);
		if (errno != EOVERFLOW)
			syserr(r, "mmap of the last page, expected EOVERFLOW");
		r->at_top[TOP_EOVERFLOW]++;
		return NULL;
	}
	if (m == MAP_FAILED)
		syserr(r, "mmap");
	return m;
}

/* The model's side of a size change: bytes past the new size become zero. */
static void model_resize(struct target *t, uint64_t size)
{
	for (int i = 0; size < t->size && i < t->nwin; i++) {
		struct window *w = &t->win[i];
		uint64_t from = max_u64(w->start, size);

		if (from < w->end)
			memset(w->model + (from - w->start), 0, w->end - from);
	}
	t->size = size;
}

static void do_read(struct run *r, struct target *t, struct record *o)
{
	static unsigned char buf[1 << 20];
	ssize_t got = pread(t->fd, buf, o->len, t->base + o->off);
	uint64_t want = t->region ? o->len : (o->off >= t->size ? 0 : t->size - o->off);

	want = min_u64(want, o->len);
	if (got < 0 || (uint64_t)got != want)
		fail(r, "read of %" PRIu64 " at %" PRIu64 " (0x%" PRIx64 ") returned %zd%s%s, "
		     "expected %" PRIu64, o->len, o->off, o->off, got, got < 0 ? ": " : "",
		     got < 0 ? strerror(errno) : "", want);
	compare(r, t, buf, o->off, want, "read");
}

/* Appends with O_APPEND: at the size, which for a write crossing MAX_LFS is short. */
static void do_append(struct run *r, struct target *t, struct record *o, unsigned char *buf)
{
	uint64_t at = t->size, n = min_u64(o->len, MAX_LFS - at);
	struct window *w;
	int flags = fcntl(t->fd, F_GETFL);
	ssize_t got;
	int err;

	for (uint64_t i = 0; i < o->len; i++)
		buf[i] = data_byte(o->num, at + i);
	/* The file position must not overflow with the length (EINVAL). */
	if (flags < 0 || fcntl(t->fd, F_SETFL, flags | O_APPEND) || lseek(t->fd, 0, SEEK_SET))
		syserr(r, "setting O_APPEND");
	got = write(t->fd, buf, o->len);
	err = errno;
	if (fcntl(t->fd, F_SETFL, flags))
		syserr(r, "clearing O_APPEND");
	if (!n) {
		if (got != -1 || err != EFBIG)
			fail(r, "O_APPEND write of %" PRIu64 " at size 0x%" PRIx64 " returned %zd (%s), "
			     "expected EFBIG", o->len, at, got, got < 0 ? strerror(err) : "no error");
		r->at_top[TOP_EFBIG]++;
		return;
	}
	if (got < 0 || (uint64_t)got != n)
		fail(r, "O_APPEND write of %" PRIu64 " at size 0x%" PRIx64 " returned %zd (%s), "
		     "expected %" PRIu64, o->len, at, got, got < 0 ? strerror(err) : "short", n);
	if (n < o->len)
		r->at_top[TOP_SHORT]++;
	w = op_window(r, t, at, n);
	memcpy(w->model + (at - w->start), buf, n);
	t->size = at + n;
}

static void do_write(struct run *r, struct target *t, struct record *o)
{
	static unsigned char buf[1 << 20];
	struct window *w;
	ssize_t got;

	if (o->arg == WRITE_APPEND) {
		do_append(r, t, o, buf);
		return;
	}
	w = op_window(r, t, o->off, o->len);
	for (uint64_t i = 0; i < o->len; i++)
		buf[i] = data_byte(o->num, o->off + i);
	got = pwrite(t->fd, buf, o->len, t->base + o->off);
	if (got < 0 || (uint64_t)got != o->len)
		fail(r, "pwrite of %" PRIu64 " at 0x%" PRIx64 " returned %zd%s%s", o->len, o->off,
		     got, got < 0 ? ": " : "", got < 0 ? strerror(errno) : "");
	memcpy(w->model + (o->off - w->start), buf, o->len);
	if (o->off + o->len > t->size)
		t->size = o->off + o->len;
}

static void do_mapread(struct run *r, struct target *t, struct record *o)
{
	uint64_t delta;
	unsigned char *m = map_range(r, t, o->off, o->len, PROT_READ, &delta);

	if (!m)
		return;
	compare(r, t, m + delta, o->off, o->len, "mapped read");
	munmap(m, delta + o->len);
}

/* arg: 1 to msync(MS_SYNC) before unmapping. */
static void do_mapwrite(struct run *r, struct target *t, struct record *o)
{
	struct window *w = op_window(r, t, o->off, o->len);
	uint64_t delta;
	unsigned char *m;

	/* The last page cannot be mapped: nothing happens, not even the growth below. */
	if (t->base + o->off + o->len > LAST_PAGE) {
		map_range(r, t, o->off, o->len, PROT_READ | PROT_WRITE, &delta);
		return;
	}
	/* A store past EOF is SIGBUS: grow the file first, as fsx does. */
	if (!t->region && o->off + o->len > t->size) {
		if (ftruncate(t->fd, o->off + o->len))
			syserr(r, "ftruncate before a mapped write");
		t->size = o->off + o->len;
	}
	m = map_range(r, t, o->off, o->len, PROT_READ | PROT_WRITE, &delta);
	for (uint64_t i = 0; i < o->len; i++)
		m[delta + i] = data_byte(o->num, o->off + i);
	memcpy(w->model + (o->off - w->start), m + delta, o->len);
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
	uint64_t end = o->off + o->len;
	struct window *w = op_window(r, t, o->off, o->len);

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
		uint64_t zend = min_u64(end, t->size);

		if (o->off < zend)
			memset(w->model + (o->off - w->start), 0, zend - o->off);
	}
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > t->size)
		t->size = end;
}

/*
 * SEEK_DATA and SEEK_HOLE, against what the model can say: a hole reads as
 * zeros, written bytes are never zero, and a page no window touches is a
 * hole. For a region, what lies past it belongs to other processes, so only
 * the part inside it is checked. arg: 0 for SEEK_DATA, 1 for SEEK_HOLE.
 *
 * tmpfs does not see the last page, LAST_PAGE: in mapping_seek_hole_data()
 * the end of its folio, 2^63, overflows loff_t. So SEEK_DATA passes over data
 * there (ENXIO), and SEEK_HOLE that runs into a written last page returns
 * 2^63, which as an off_t is negative but not an error. Both answers are
 * allowed there, counted, and reported at the end.
 */
static void do_seek(struct run *r, struct target *t, struct record *o)
{
	int whence = o->arg ? SEEK_HOLE : SEEK_DATA;
	const char *name = o->arg ? "SEEK_HOLE" : "SEEK_DATA";
	uint64_t end = t->size; /* The end of what the model knows. */
	off_t got = lseek(t->fd, t->base + o->off, whence);
	uint64_t res, d, gap = NONE;

	if (whence == SEEK_HOLE && !t->region)
		gap = first_gap_page(t, o->off);
	if (got == INT64_MIN && whence == SEEK_HOLE && !t->region && t->size > LAST_PAGE &&
	    o->off < t->size && (gap == NONE || gap >= LAST_PAGE)) {
		r->last_page_hole++;
		return;
	}
	if (got < 0) {
		if (got != -1)
			fail(r, "%s at 0x%" PRIx64 " returned %lld (0x%llx)", name, o->off,
			     (long long)got, (unsigned long long)got);
		if (errno != ENXIO)
			syserr(r, name);
		/* There is always a hole at EOF. */
		if (whence == SEEK_HOLE && (t->region || o->off < t->size))
			fail(r, "SEEK_HOLE at 0x%" PRIx64 ": ENXIO, with size 0x%" PRIx64, o->off,
			     t->size);
		/* No data after off: none that the model knows of either. */
		d = first_data(t, o->off, end);
		if (d != NONE && d >= LAST_PAGE && !t->region)
			r->last_page_data++;
		else if (d != NONE)
			fail(r, "SEEK_DATA at 0x%" PRIx64 ": ENXIO, but data at 0x%" PRIx64, o->off,
			     d);
		return;
	}
	res = (uint64_t)got - t->base;
	if (!t->region && o->off >= t->size)
		fail(r, "%s at 0x%" PRIx64 " >= size 0x%" PRIx64 " returned 0x%" PRIx64
		     ", not ENXIO", name, o->off, t->size, res);
	if (res < o->off)
		fail(r, "%s at 0x%" PRIx64 " went back to 0x%" PRIx64, name, o->off, res);
	if (!t->region && res > t->size)
		fail(r, "%s at 0x%" PRIx64 " returned 0x%" PRIx64 " past size 0x%" PRIx64, name,
		     o->off, res, t->size);
	if (whence == SEEK_DATA) {
		/* Everything skipped is a hole. */
		d = first_data(t, o->off, min_u64(res, end));
		if (d != NONE)
			fail(r, "SEEK_DATA at 0x%" PRIx64 " skipped data at 0x%" PRIx64
			     " to 0x%" PRIx64, o->off, d, res);
		/* And it found data where something wrote. */
		if (!t->region && res < end && first_gap_page(t, res) == res / PAGE * PAGE)
			fail(r, "SEEK_DATA at 0x%" PRIx64 " returned 0x%" PRIx64 ", in a page nothing "
			     "wrote", o->off, res);
	} else if (res < end) {
		/* A hole reads as zeros: all of its page, as far as this target's part goes. */
		uint64_t page = (t->base + res) / PAGE * PAGE;
		uint64_t from = page < t->base ? 0 : page - t->base;

		d = first_data(t, from, min_u64(page + PAGE - t->base, end));
		if (d != NONE)
			fail(r, "SEEK_HOLE at 0x%" PRIx64 " returned 0x%" PRIx64
			     ", in a page with data at 0x%" PRIx64, o->off, res, d);
	}
	/* SEEK_HOLE stops at the first page nothing wrote, at the latest. */
	if (gap != NONE && gap < t->size && res > max_u64(gap, o->off))
		fail(r, "SEEK_HOLE at 0x%" PRIx64 " returned 0x%" PRIx64 ", past the hole at 0x%"
		     PRIx64, o->off, res, max_u64(gap, o->off));
	/* Moving on, it stops at a page boundary, or at EOF. */
	if (res > o->off && res < end && (res + t->base) % PAGE)
		fail(r, "%s at 0x%" PRIx64 " moved to 0x%" PRIx64 ", inside a page", name, o->off,
		     res);
}

static void do_reopen(struct run *r, struct target *t)
{
	close(t->fd);
	t->fd = open(t->path, O_RDWR);
	if (t->fd < 0)
		syserr(r, "reopen");
}

/*
 * Edge mode: a range crossing MAX_LFS fails and changes nothing. pwrite and
 * pread: EINVAL (the position plus the length overflows loff_t); fallocate:
 * EFBIG (past s_maxbytes).
 */
static void do_beyond(struct run *r, struct target *t, struct record *o)
{
	static unsigned char buf[256];
	int kind = o->arg / 8, mode = falloc_modes[o->arg % 8], want = EINVAL;
	long got;

	memset(buf, 0x77, sizeof(buf));
	switch (kind) {
	case BEYOND_PWRITE:
		got = pwrite(t->fd, buf, o->len, o->off);
		break;
	case BEYOND_PREAD:
		got = pread(t->fd, buf, o->len, o->off);
		break;
	default:
		got = fallocate(t->fd, mode, o->off, o->len);
		want = EFBIG;
		break;
	}
	if (got != -1 || errno != want)
		fail(r, "%s of %" PRIu64 " at 0x%" PRIx64 " (to 0x%" PRIx64 ", past MAX_LFS) returned "
		     "%ld (%s), expected %s", kind == BEYOND_PWRITE ? "pwrite" :
		     kind == BEYOND_PREAD ? "pread" : "fallocate", o->len, o->off, o->off + o->len,
		     got, got < 0 ? strerror(errno) : "no error", strerror(want));
}

/* The self-test: one byte of the file changes behind the model's back. */
static void do_corrupt(struct run *r, struct target *t, struct record *o)
{
	struct window *w = op_window(r, t, o->off, 1);
	unsigned char b = w->model[o->off - w->start] ^ 0x5a;

	if (pwrite(t->fd, &b, 1, t->base + o->off) != 1)
		syserr(r, "corrupting pwrite");
}

/* A window holding part of the file (below the size), drawn at random, or NULL. */
static struct window *pick_filled_window(struct run *r, struct target *t)
{
	int n = 0, pick;

	for (int i = 0; i < t->nwin; i++)
		n += t->win[i].start < t->size;
	if (!n)
		return NULL;
	pick = rand_below(r, n);
	for (int i = 0; i < t->nwin; i++)
		if (t->win[i].start < t->size && pick-- == 0)
			return &t->win[i];
	return NULL;
}

/* Draws the next operation, within what the target allows. */
static bool draw(struct run *r, struct record *o)
{
	const int *weight = r->edge ? edge_op_weight : op_weight;
	struct target *t;
	struct window *w;
	int total = 0, pick;

	o->shared = r->have_shared && rand_below(r, 3) == 0;
	t = o->shared ? &r->shared : &r->own;
	/* The self-test's change, at the first operation after -C's with a byte to change. */
	if (r->corrupt_at && o->num > r->corrupt_at && !r->corrupted) {
		if (!t->size && r->have_shared) {
			o->shared = 1;
			t = &r->shared;
		}
		w = pick_filled_window(r, t);
		if (w) {
			r->corrupted = true;
			o->op = OP_CORRUPT;
			o->off = w->start + rand_below(r, min_u64(t->size, w->end) - w->start);
			o->len = 1;
			o->arg = 0;
			return true;
		}
	}
	for (int i = 0; i < NR_OPS; i++)
		total += weight[i];
	pick = rand_below(r, total);
	for (o->op = 0; pick >= weight[o->op]; o->op++)
		pick -= weight[o->op];
	o->arg = 0;
	w = &t->win[rand_below(r, t->nwin)];
	switch (o->op) {
	case OP_READ:
	case OP_MAPWRITE:
		o->off = pick_window_offset(r, w, false);
		o->len = pick_window_length(r, w, o->off);
		o->arg = o->op == OP_MAPWRITE ? rand_below(r, 2) : 0;
		break;
	case OP_WRITE:
		if (!t->region && rand_below(r, 5) == 0) {
			/* Appending: at the size, which must lie in a window. */
			uint64_t room;

			w = window_of(t, t->size, 0);
			if (!w)
				return false;
			room = w->end - t->size;
			/* At the top, some go past MAX_LFS: short, or EFBIG. */
			if (w->end == MAX_LFS)
				room += 16;
			if (!room)
				return false;
			o->arg = WRITE_APPEND;
			o->off = t->size;
			o->len = 1 + rand_below(r, rand_below(r, 2) ? min_u64(room, 64) : room);
			break;
		}
		o->off = pick_window_offset(r, w, false);
		o->len = pick_window_length(r, w, o->off);
		break;
	case OP_MAPREAD: {
		uint64_t end = min_u64(t->size, w->end);

		if (end <= w->start)
			return false;
		o->off = w->start + pick_offset(r, end - 1 - w->start);
		o->len = pick_length(r, o->off - w->start, end - o->off);
		break;
	}
	case OP_TRUNCATE:
		if (t->region)
			return false;
		o->off = pick_window_offset(r, w, true);
		o->len = 0;
		break;
	case OP_FALLOC:
		o->arg = rand_below(r, NR_FALLOC_MODES);
		if (r->no_zero_range && (falloc_modes[o->arg] & FALLOC_FL_ZERO_RANGE))
			return false;
		o->off = pick_window_offset(r, w, false);
		o->len = pick_window_length(r, w, o->off);
		break;
	case OP_SEEK:
		o->arg = rand_below(r, 2);
		if (r->edge && !t->region)
			o->off = pick_window_offset(r, w, true);
		else
			o->off = pick_offset(r, t->region ? t->size - 1 : t->size + PAGE);
		o->len = 0;
		break;
	case OP_REOPEN:
		o->off = o->len = 0;
		break;
	case OP_BEYOND:
		if (t->region)
			return false;
		o->arg = rand_below(r, NR_BEYOND) * 8;
		if (o->arg == BEYOND_FALLOC * 8) {
			/* Any offset up to MAX_LFS, and any mode: the VFS refuses them all. */
			o->arg += rand_below(r, NR_FALLOC_MODES);
			o->off = MAX_LFS - rand_below(r, rand_below(r, 2) ? 17 : 2 * PAGE);
		} else {
			o->off = MAX_LFS - rand_below(r, 17);
		}
		o->len = MAX_LFS - o->off + 1 + rand_below(r, rand_below(r, 2) ? 2 : 64);
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
		if (sscanf(line, "%ld %15s %31s %" SCNu64 " %" SCNu64 " %" SCNu64, &o->num, where,
			   name, &o->off, &o->len, &o->arg) != 6)
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
		fprintf(r->log, "%ld %s %s %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", o->num,
			o->shared ? "shared" : "own", op_names[o->op], o->off, o->len, o->arg);
	r->hist[o->num % HISTORY] = *o;
	if (o->op != OP_BEYOND && o->op != OP_TRUNCATE && o->len && o->off + o->len == MAX_LFS)
		r->at_top[TOP_END]++;
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
	case OP_BEYOND:
		do_beyond(r, t, o);
		break;
	case OP_CORRUPT:
		do_corrupt(r, t, o);
		break;
	default:
		break;
	}
	r->op_count[o->op]++;
	if (!o->shared && r->own.size == MAX_LFS)
		r->at_top[TOP_SIZE]++;
}

static void add_window(struct run *r, struct target *t, uint64_t start, uint64_t end,
		       uint64_t edge)
{
	struct window *w = &t->win[t->nwin++];

	w->start = start;
	w->end = end;
	w->edge = edge;
	w->model = calloc(1, end - start);
	if (!w->model)
		syserr(r, "model");
}

/*
 * A region of the shared file: one window, span bytes at base. Its own file:
 * the first span bytes and, in edge mode, the windows at the edges.
 */
static void open_target(struct run *r, struct target *t, const char *path, uint64_t base,
			uint64_t span, bool region, bool create)
{
	t->path = path;
	t->fd = open(path, O_RDWR | (create ? O_CREAT | O_TRUNC : 0), 0644);
	if (t->fd < 0)
		syserr(r, path);
	t->base = base;
	t->region = region;
	t->size = region ? span : 0;
	add_window(r, t, 0, span, span);
	if (r->edge && !region) {
		static const int shifts[] = { 31, 32, 43, 44 };

		for (unsigned int i = 0; i < sizeof(shifts) / sizeof(shifts[0]); i++) {
			uint64_t e = 1ULL << shifts[i];

			add_window(r, t, e - EDGE_WINDOW / 2, e + EDGE_WINDOW / 2, e);
		}
		/* The top: its end is MAX_LFS, the last byte a file can have. */
		add_window(r, t, MAX_LFS + 1 - EDGE_WINDOW, MAX_LFS, MAX_LFS);
	}
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
	int procs, edge;
	int replay_procs, replay_id; /* The layout of the run a replayed log comes from. */
	bool quiet;
	const char *file, *log, *replay;
};

/* The span of a region of the shared file, and where the first region starts. */
static uint64_t shared_span(const struct config *c)
{
	return c->maxsize - 1234;
}

static uint64_t shared_origin(const struct config *c)
{
	/* In edge mode, around 2^44: the pages there have indices around 2^32. */
	return c->edge ? (1ULL << 44) - 2 * shared_span(c) : 0;
}

/* One process's run; returns ops done. */
static long run_one(const struct config *c, int id, long *checks)
{
	static char own_path[4096], shared_path[4096], log_path[4096];
	struct run r = { .check_every = c->check_every, .quiet = c->quiet, .id = id,
			 .corrupt_at = c->corrupt_at, .edge = c->edge };
	double deadline = c->seconds ? now() + c->seconds : 0;
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
		open_target(&r, &r.shared, shared_path,
			    shared_origin(c) + (uint64_t)region * shared_span(c), shared_span(c),
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
		fprintf(r.log, "# exerciser seed %" PRIu64 " maxsize %ld procs %d id %d edge %d\n",
			c->seed, c->maxsize, c->procs, id, c->edge);
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
		printf("; final size 0x%" PRIx64 "\n", r.own.size);
		if (c->edge) {
			printf("[%d] at the top:", id);
			for (int i = 0; i < NR_TOP; i++)
				printf("%s %s %ld", i ? "," : "", top_names[i], r.at_top[i]);
			printf("\n");
		}
	}
	if (r.last_page_data || r.last_page_hole)
		printf("[%d] seeks as on tmpfs at the last page (0x%llx): SEEK_DATA passed over its "
		       "data %ld times, SEEK_HOLE returned 2^63 %ld times\n", id, LAST_PAGE,
		       r.last_page_data, r.last_page_hole);
	if (r.log)
		fclose(r.log);
	*checks = r.checks;
	return r.ops;
}

/* Reads the header of a log: the seed, size, mode and process layout it ran with. */
static void read_log_header(struct config *c)
{
	FILE *f = fopen(c->replay, "r");
	char line[256];
	int n = 0;

	if (f && fgets(line, sizeof(line), f))
		n = sscanf(line, "# exerciser seed %" SCNu64 " maxsize %ld procs %d id %d edge %d",
			   &c->seed, &c->maxsize, &c->replay_procs, &c->replay_id, &c->edge);
	if (n < 4) {
		fprintf(stderr, "exerciser: %s is not an exerciser log\n", c->replay);
		exit(2);
	}
	if (n == 4)
		c->edge = 0; /* A log from before edge mode. */
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
	while ((opt = getopt(argc, argv, "s:n:t:c:m:Ep:l:r:C:q")) != -1) {
		switch (opt) {
		case 's': c.seed = strtoull(optarg, NULL, 0); break;
		case 'n': c.ops = atol(optarg); break;
		case 't': c.seconds = atof(optarg); break;
		case 'c': c.check_every = atol(optarg); break;
		case 'm': c.maxsize = atol(optarg); break;
		case 'E': c.edge = 1; break;
		case 'p': c.procs = atoi(optarg); break;
		case 'l': c.log = optarg; break;
		case 'r': c.replay = optarg; break;
		case 'C': c.corrupt_at = atol(optarg); break;
		case 'q': c.quiet = true; break;
		default: c.procs = -1; break; /* Usage below. */
		}
	}
	if (optind != argc - 1 || c.maxsize < 2 * (long)PAGE || c.maxsize > (1 << 20) ||
	    (!c.ops && !c.seconds) || c.procs < 0 || (c.replay && c.procs)) {
		fprintf(stderr, "usage: exerciser [-s seed] [-n ops] [-t secs] [-c every] "
				"[-m 8192..1048576] [-E] [-p procs] [-l log | -r log] [-C op] [-q] FILE\n");
		return 2;
	}
	c.file = argv[optind];
	if (c.replay) {
		read_log_header(&c);
		c.ops = 0;
		c.seconds = 0;
	}
	printf("exerciser: seed %" PRIu64 ", %s, file %s, largest %ld bytes%s, check every %ld%s\n",
	       c.seed, c.replay ? "replaying" : "random", c.file, c.maxsize,
	       c.edge ? " and windows at 2^31, 2^32, 2^43, 2^44 and MAX_LFS" : "", c.check_every,
	       c.procs ? "" : ", one process");
	fflush(stdout);

	if (c.procs || c.replay_procs) {
		/* The shared file: every region, as holes, before anyone starts. */
		int n = c.procs ? c.procs : c.replay_procs;
		char path[4096];
		int fd;

		snprintf(path, sizeof(path), "%s.shared", c.file);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || ftruncate(fd, shared_origin(&c) + shared_span(&c) * n)) {
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
