// SPDX-License-Identifier: GPL-2.0
/*
 * The boundary matrix (issue 10): every call that takes a file offset or a
 * length runs with the same arguments on an rshmem instance and on a tmpfs
 * instance mounted in the same boot, and the results are compared: the return
 * value and errno; st_size and st_blocks afterwards; the bytes at probe points
 * (0, PAGE-1, around the offset, around the end of the range, around where a
 * short count stops, around the old end of file and the edges of the data the
 * file held), read back with pread; and what the call reports besides
 * (updated offsets, the file position, faults when touching a mapping, the
 * bytes that went through a pipe).
 *
 * The arguments are the edges where arithmetic on offsets goes wrong: 0, 1,
 * around a page, around i_size, around 2^31 and 2^32, 2^44, the largest file
 * (MAX_LFS_FILESIZE, "MAX") and past it, -1 and INT64_MIN; lengths 0, 1,
 * around a page, 2^31, up to MAX, MAX and -1. The file states: empty; sparse
 * (a few pages written, holes, 3 MiB); full (it filled its filesystem: written
 * until ENOSPC); and of the largest size (truncated to MAX, a few pages written
 * near 0 and near the end, the last page, index 2^51-1, included). Each case
 * starts from freshly made files, or from those of the case before if that
 * case left them as made (size, blocks, every probe and the bytes around its
 * offset are checked against the state's definition).
 *
 * tmpfs is the reference: where rshmem's documentation is silent it must
 * behave as tmpfs does. The exception is ZERO_RANGE, which tmpfs does not
 * have; its rows are compared with a model of ext4's and xfs's behaviour
 * (zero_range_model()).
 *
 * Each TEST is a family of calls. It logs every case that differs (call,
 * state, offset, length, both results), prints "# FAMILY: N cases compared,
 * M differ", and fails on a difference that expected_diffs[] does not list
 * with its reason. The last line of the run totals all families. Two more
 * TESTs: known_cases, the cases that crashed rshmem or that tmpfs gets wrong,
 * on every state; and rlimit_fsize, the calls that grow a file run again
 * under RLIMIT_FSIZE.
 *
 * Calls that could copy gigabytes get buffers of 128 KiB followed by a page
 * that faults, so a huge count stops short (or with EFAULT) quickly; copies
 * between files stop at the 1 MiB size of the instance.
 *
 * Environment: BOUNDARY_TRACE=1 prints each case before it runs (to find the
 * case that crashes a kernel); BOUNDARY_FS=tmpfs runs tmpfs in place of
 * rshmem (to check the harness without the module); BOUNDARY_FULL=1 runs the
 * complete cross product of calls, states, offsets and lengths for every
 * family (the default thins out the largest families, keeping every offset,
 * every length and every state with every call); BOUNDARY_MAXLOG=N logs up to
 * N differences per family (default 200); BOUNDARY_PROFILE=1 prints the time
 * each call took.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/falloc.h>

#include "kselftest_harness.h"
#include "tally.h"

#include "../lib/page.h"
#define MAX_LFS		0x7fffffffffffffffLL
/* The start of the last page of the largest file: index 2^51-1. */
#define LAST_PAGE	(MAX_LFS & ~(PAGE - 1))

/* The user buffers of the I/O calls; a page that faults follows each. */
#define BUFSZ		(128 * 1024)
/* What a pipe->file splice finds in the pipe. */
#define PIPE_FILL	(3 * PAGE + 17)

/*
 * Two instances of each filesystem: the main one, small enough that copies
 * of huge counts stop at ENOSPC within a fraction of a second, and one of 16
 * pages for the full state. The fixture's huge variant mounts all four with
 * huge=always as well (the issue of large folios): every write then asks for
 * a PMD-size folio, which an instance this small never has room for (tmpfs
 * falls back to a page when charging 2 MiB fails, shmem_get_folio_gfp's
 * alloc_nohuge; rshmem must do the same), so that variant checks the
 * fallback at every boundary. A main instance large enough for PMD-size
 * folios (8 MiB) differs from tmpfs in ways the README lists under "Where
 * rshmem and tmpfs still differ" (fallocate of part of a 2 MiB unit; which
 * files' folios past their end are split to make room when the instance is
 * full, and that a fault does not do it), and is not run.
 */
#define MAIN_OPTS	"size=1m,nr_inodes=1000"
#define FULL_OPTS	"size=64k,nr_inodes=1000"
#define FULL_PAGES	16
/* Each case has a second file with data, the source of copies into the file. */
#define SRC_SIZE	(3 * PAGE + 10)
#define SRC_PAGES	4
#define FULL_SIZE	((FULL_PAGES - SRC_PAGES) * PAGE)
#define SPARSE_SIZE	(3 * 1048576LL + 123)

/* Where the msync/madvise family maps its window; see op_msync_madvise(). */
#define MAP_AT		(1UL << 44)
#define SAFE_LO		(MAP_AT - (1UL << 41))
#define SAFE_HI		(MAP_AT + (1UL << 40))
#define WIN_PAGES	4

enum { ST_EMPTY, ST_SPARSE, ST_FULL, ST_MAX, NSTATES };
static const char *const state_names[] = { "empty", "sparse", "full", "max" };
static const long long state_size[] = { 0, SPARSE_SIZE, FULL_SIZE, MAX_LFS };

struct extent {
	long long off, len;
};

/* The data each state writes (besides its size), also probe points. */
static const struct extent sparse_data[] = {
	{ 0, PAGE }, { 5 * PAGE + 100, PAGE - 50 }, { 1 << 20, 1 }, { SPARSE_SIZE - 200, 200 },
};
static const struct extent full_data[] = { { 0, FULL_SIZE } };
static const struct extent max_data[] = {
	{ 0, 100 }, { PAGE, PAGE }, { 1LL << 32, 10 },
	{ MAX_LFS - 3 * PAGE + 17, PAGE - 12 },
	/* The last page: all of it but the byte at MAX, which no file can hold. */
	{ LAST_PAGE, PAGE - 1 },
};

static const struct {
	const struct extent *e;
	int n;
} state_data[] = {
	[ST_EMPTY] = { NULL, 0 },
	[ST_SPARSE] = { sparse_data, ARRAY_SIZE(sparse_data) },
	[ST_FULL] = { full_data, 1 },
	[ST_MAX] = { max_data, ARRAY_SIZE(max_data) },
};

enum { REL_NONE, REL_SIZE, REL_MAXOFF };

struct arg {
	const char *name;
	long long v;
	int rel;	/* REL_SIZE: i_size + v; REL_MAXOFF: MAX - offset. */
};

static const struct arg offsets[] = {
	{ "0", 0 }, { "1", 1 }, { "PAGE-1", PAGE - 1 }, { "PAGE", PAGE },
	{ "size-1", -1, REL_SIZE }, { "size", 0, REL_SIZE }, { "size+1", 1, REL_SIZE },
	{ "2^31-1", (1LL << 31) - 1 }, { "2^31", 1LL << 31 }, { "2^31+1", (1LL << 31) + 1 },
	{ "2^32-1", (1LL << 32) - 1 }, { "2^32", 1LL << 32 }, { "2^32+1", (1LL << 32) + 1 },
	{ "2^44", 1LL << 44 },
	{ "MAX-PAGE", MAX_LFS - PAGE }, { "MAX-1", MAX_LFS - 1 }, { "MAX", MAX_LFS },
	{ "-1", -1 }, { "INT64_MIN", LLONG_MIN },
};
#define NOFF ((int)ARRAY_SIZE(offsets))

static const struct arg lengths[] = {
	{ "0", 0 }, { "1", 1 }, { "PAGE-1", PAGE - 1 }, { "PAGE", PAGE },
	{ "2^31", 1LL << 31 }, { "MAX-off", 0, REL_MAXOFF }, { "MAX", MAX_LFS }, { "-1", -1 },
};
#define NLEN ((int)ARRAY_SIZE(lengths))

/* One case: a call of a family, on a state, with an offset and a length. */
struct kase {
	int call, state;
	const char *offname, *lenname;
	long long off, len;
};

struct probe {
	long long pos;
	int n;		/* What pread returned: 1, 0 (EOF) or -1. */
	int err;
	int b;		/* The byte read. */
	int unused;
};

#define MAXPROBE 48
#define NAUX 6

struct res {
	long long ret;
	int err;
	int naux;
	long long aux[NAUX];
	long long size, blocks, dsize, dblocks, ssize, sblocks;
	long long wcnt, dcnt;
	unsigned long long whash, dhash;
	int np, ndp;
	struct probe p[MAXPROBE], dp[MAXPROBE];
};

/* One filesystem's side: its mounts and the files of the current case. */
struct ctx {
	const char *type;
	bool ref;		/* tmpfs, the reference. */
	char main[96], full[96];
	const char *dir;	/* The mount of the current state. */
	char f_path[128];
	int f, src, dst;
	/* src and dst of each mount, made once: src is never written, dst emptied. */
	int srcs[2], dsts[2];
	int state;		/* The state f is in; -1: none or changed. */
	long long fresh_size, fresh_blocks;
};

struct fam;
typedef void op_fn(struct ctx *c, const struct fam *fm, const struct kase *k, struct res *r);

static op_fn op_lseek, op_msync_madvise;
static const int mm_advice[11];

#define F_RO	1	/* The calls should not change the file: probe it only if it did. */
#define F_DST	2	/* The calls write the second file (dst): probe it too. */
#define F_POS	4	/* The calls use the file positions. */

struct fam {
	const char *name;
	const char *const *calls;
	int ncalls;
	op_fn *op;
	int flags;
	const char *const *auxnames;
	/* By default every 1 in `thin` (offset, length) pairs per call and state. */
	int thin;
};

static bool trace, full_matrix;
/* Nonzero: RLIMIT_FSIZE while a call runs (the states are made without). */
static long long fsize_limit;
/* BOUNDARY_PROFILE=1: the time each call of a family took, summed. */
static bool profile;
static double call_time[16];
/* Set by an op when the test itself went wrong (not the filesystem). */
static const char *harness_error;
static long maxlog = 200;

static unsigned char *rbuf, *wbuf;
static unsigned char sbuf[256 * 1024];
static unsigned char tmp[64 * 1024];

/* ---------------------------------------------------------------------- */
/* Helpers */

/*
 * The data: a byte per file position (and salt, one per kind of data), never
 * 0, since a hole reads as 0. A table of a prime length keeps it cheap to
 * make under TCG.
 */
#define PAT_LEN 4093
static unsigned char pat_table[PAT_LEN];

static void init_pat(void)
{
	unsigned int x = 12345;

	for (int i = 0; i < PAT_LEN; i++) {
		x = x * 1103515245 + 12345;
		pat_table[i] = (x >> 16) % 255 + 1;
	}
}

static unsigned int pat_index(long long pos, int salt)
{
	return ((unsigned long long)pos + salt * 1000ULL) % PAT_LEN;
}

static void fill_pat(unsigned char *buf, long long len, long long pos, int salt)
{
	unsigned int x = pat_index(pos, salt);

	for (long long i = 0; i < len; i++) {
		buf[i] = pat_table[x];
		if (++x == PAT_LEN)
			x = 0;
	}
}

static unsigned long long hash(const unsigned char *p, long long n)
{
	unsigned long long h = 0xcbf29ce484222325ULL, w;
	long long i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 31;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* Writes the pattern of file positions [off, off + len); what pwrite managed. */
static long long write_pat(int fd, long long off, long long len, int salt)
{
	long long done = 0;

	while (done < len) {
		long long n = len - done < (long long)sizeof(sbuf) ? len - done : (long long)sizeof(sbuf);
		ssize_t w;

		fill_pat(sbuf, n, off + done, salt);
		w = pwrite(fd, sbuf, n, off + done);
		if (w <= 0)
			return done ? done : -1;
		done += w;
		if (w < n)
			break;
	}
	return done;
}

/* Wrapping arithmetic on offsets, as the kernel sees the bits. */
static long long wadd(long long a, long long b)
{
	return (long long)((unsigned long long)a + (unsigned long long)b);
}

static long long wsub(long long a, long long b)
{
	return (long long)((unsigned long long)a - (unsigned long long)b);
}

static const char *ename(int e)
{
	static char buf[4][24];
	static int i;
	const char *s = e ? strerrorname_np(e) : "0";

	if (s)
		return s;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "errno%d", e);
	return buf[i];
}

/* Faults while touching a mapping come back here. */
static sigjmp_buf touch_env;
static volatile sig_atomic_t touching;

static void on_fault(int sig)
{
	if (touching)
		siglongjmp(touch_env, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Reads (or writes 0x5a to, then reads) *p: the byte, or -signal. The
 * handler runs with SA_NODEFER, so the signal mask needs no restoring (which
 * would cost two system calls a touch).
 */
static long long touch(volatile unsigned char *p, bool write)
{
	long long v = 0;
	int sig;

	touching = 1;
	sig = sigsetjmp(touch_env, 0);
	if (sig == 0) {
		if (write)
			*p = 0x5a;
		v = *p;
	}
	touching = 0;
	return sig ? -sig : v;
}

static unsigned char *guarded_buffer(void)
{
	unsigned char *p = mmap(NULL, BUFSZ + PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect(p + BUFSZ, PAGE, PROT_NONE))
		return NULL;
	return p;
}

/* ---------------------------------------------------------------------- */
/* File states */

static void close_state(struct ctx *c)
{
	if (c->f >= 0)
		close(c->f);
	c->f = -1;
	c->state = -1;
}

/* Makes src (SRC_SIZE bytes of data) and an empty dst in mount @m. */
static int make_aux(struct ctx *c, int m)
{
	const char *dir = m ? c->full : c->main;
	char p[160];

	if (c->srcs[m] >= 0)
		close(c->srcs[m]);
	if (c->dsts[m] >= 0)
		close(c->dsts[m]);
	snprintf(p, sizeof(p), "%s/src", dir);
	unlink(p);
	c->srcs[m] = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (c->srcs[m] < 0 || write_pat(c->srcs[m], 0, SRC_SIZE, 2) != SRC_SIZE)
		return -1;
	snprintf(p, sizeof(p), "%s/dst", dir);
	unlink(p);
	c->dsts[m] = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	return c->dsts[m] < 0 ? -1 : 0;
}

/* Whether src and dst are as make_aux() left them; dst emptied again. */
static bool aux_fresh(struct ctx *c, int m)
{
	struct stat st;

	if (c->srcs[m] < 0 || c->dsts[m] < 0)
		return false;
	if (fstat(c->srcs[m], &st) || st.st_size != SRC_SIZE || st.st_blocks != SRC_PAGES * PAGE / 512)
		return false;
	if (fstat(c->dsts[m], &st))
		return false;
	if ((st.st_size || st.st_blocks) && ftruncate(c->dsts[m], 0))
		return false;
	return lseek(c->dsts[m], 0, SEEK_SET) == 0;
}

/* Makes the file f of state @s afresh; 0, or -1 with *why set. */
static int make_state(struct ctx *c, int s, const char **why)
{
	const struct extent *e = state_data[s].e;
	int m = s == ST_FULL;
	struct stat st;

	close_state(c);
	c->dir = m ? c->full : c->main;
	snprintf(c->f_path, sizeof(c->f_path), "%s/f", c->dir);
	/* First dst, which may hold the space f needs. */
	*why = "make src and dst";
	if (!aux_fresh(c, m) && make_aux(c, m))
		return -1;
	c->src = c->srcs[m];
	c->dst = c->dsts[m];
	*why = "create f";
	unlink(c->f_path);
	c->f = open(c->f_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (c->f < 0)
		return -1;
	switch (s) {
	case ST_SPARSE:
		*why = "write the sparse file";
		for (int i = 0; i < state_data[s].n; i++)
			if (write_pat(c->f, e[i].off, e[i].len, 1) != e[i].len)
				return -1;
		break;
	case ST_FULL:
		*why = "fill the filesystem";
		if (write_pat(c->f, 0, FULL_PAGES * PAGE, 1) != FULL_SIZE)
			return -1;
		*why = "no ENOSPC when full";
		if (pwrite(c->f, "x", 1, FULL_SIZE) != -1 || errno != ENOSPC)
			return -1;
		break;
	case ST_MAX:
		*why = "truncate to MAX";
		if (ftruncate(c->f, MAX_LFS))
			return -1;
		*why = "write the largest file";
		for (int i = 0; i < state_data[s].n; i++)
			if (write_pat(c->f, e[i].off, e[i].len, 1) != e[i].len)
				return -1;
		break;
	}
	*why = "state size";
	if (fstat(c->f, &st) || st.st_size != state_size[s])
		return -1;
	c->fresh_size = st.st_size;
	c->fresh_blocks = st.st_blocks;
	c->state = s;
	return 0;
}

/* The byte of a fresh file of state @s at @pos: -1 past its end. */
static int state_byte(int s, long long pos)
{
	const struct extent *e = state_data[s].e;

	if (pos >= state_size[s])
		return -1;
	for (int i = 0; i < state_data[s].n; i++)
		if (pos >= e[i].off && pos - e[i].off < e[i].len)
			return pat_table[pat_index(pos, 1)];
	return 0;
}

/* ---------------------------------------------------------------------- */
/* What a case leaves: stat, probes */

static int add_pos(long long *v, int n, long long pos)
{
	if (pos < 0 || pos >= MAX_LFS || n >= MAXPROBE)
		return n;
	for (int i = 0; i < n; i++)
		if (v[i] == pos)
			return n;
	v[n++] = pos;
	return n;
}

static int add_around(long long *v, int n, long long pos)
{
	n = add_pos(v, n, wsub(pos, 1));
	return add_pos(v, n, pos);
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* The probe points of the file: they depend only on the case. */
static int file_positions(const struct kase *k, long long *v)
{
	const struct extent *e = state_data[k->state].e;
	long long off = k->off, len = k->len, page = off & ~(PAGE - 1);
	int n = 0;

	n = add_pos(v, n, 0);
	n = add_around(v, n, PAGE);
	n = add_around(v, n, off);
	n = add_pos(v, n, wadd(off, 1));
	n = add_around(v, n, wadd(off, len));
	n = add_around(v, n, wadd(off, BUFSZ));
	n = add_around(v, n, wadd(off, PIPE_FILL));
	n = add_around(v, n, wadd(off, SRC_SIZE));
	/* A mapping of the page of @off: its first and its last page. */
	n = add_pos(v, n, page);
	n = add_pos(v, n, wadd(page, (wsub(len, 1)) & ~(PAGE - 1)));
	n = add_pos(v, n, wadd(page, (WIN_PAGES - 1) * PAGE));
	n = add_around(v, n, state_size[k->state]);
	for (int i = 0; i < state_data[k->state].n; i++) {
		n = add_around(v, n, e[i].off);
		n = add_around(v, n, e[i].off + e[i].len);
	}
	qsort(v, n, sizeof(v[0]), cmp_ll);
	return n;
}

/* The probe points of dst, the file copies go to. */
static int dst_positions(const struct kase *k, long long *v)
{
	int n = 0;

	n = add_pos(v, n, 0);
	n = add_around(v, n, PAGE);
	n = add_around(v, n, 65536);
	n = add_around(v, n, SRC_SIZE);
	n = add_around(v, n, k->off);
	n = add_around(v, n, k->len);
	n = add_around(v, n, wadd(k->off, k->len));
	n = add_around(v, n, 1 << 20);
	n = add_around(v, n, SPARSE_SIZE);
	n = add_around(v, n, 4 << 20);
	qsort(v, n, sizeof(v[0]), cmp_ll);
	return n;
}

/*
 * One byte a probe, read with pread; probes within 8 KiB of each other share
 * one pread (@pos is sorted).
 */
static void probe_file(int fd, const long long *pos, int n, struct probe *p)
{
	static unsigned char b[8192];

	for (int i = 0, j; i < n; i = j) {
		ssize_t got;

		for (j = i + 1; j < n && pos[j] - pos[i] < (long long)sizeof(b); j++)
			;
		got = pread(fd, b, pos[j - 1] - pos[i] + 1, pos[i]);
		for (int x = i; x < j; x++) {
			long long at = pos[x] - pos[i];

			p[x].pos = pos[x];
			p[x].n = got < 0 ? -1 : at < got;
			p[x].err = got < 0 ? errno : 0;
			p[x].b = got > at ? b[at] : 0;
		}
	}
}

static void collect(struct ctx *c, const struct fam *fm, const struct kase *k, struct res *r)
{
	long long pos[MAXPROBE];
	struct stat st;

	if (fstat(c->f, &st) == 0) {
		r->size = st.st_size;
		r->blocks = st.st_blocks;
	} else {
		r->size = r->blocks = -errno;
	}
	/* Only the copies use src and dst; no call writes src. */
	r->ssize = SRC_SIZE;
	r->sblocks = SRC_PAGES * PAGE / 512;
	if (fm->flags & F_DST) {
		if (fstat(c->dst, &st) == 0) {
			r->dsize = st.st_size;
			r->dblocks = st.st_blocks;
		} else {
			r->dsize = r->dblocks = -errno;
		}
		if (fstat(c->src, &st) == 0) {
			r->ssize = st.st_size;
			r->sblocks = st.st_blocks;
		} else {
			r->ssize = r->sblocks = -errno;
		}
	}
	/* A read-only family probes only a file that changed. */
	if (!(fm->flags & F_RO) || r->size != c->fresh_size || r->blocks != c->fresh_blocks) {
		r->np = file_positions(k, pos);
		probe_file(c->f, pos, r->np, r->p);
	}
	/* Three pages around the offset, as one hash. */
	if (!(fm->flags & F_RO) && k->off >= 0 && k->off < MAX_LFS) {
		long long base = (k->off & ~(PAGE - 1)) - PAGE;
		ssize_t n;

		if (base < 0)
			base = 0;
		n = pread(c->f, tmp, 3 * PAGE, base);
		r->wcnt = n < 0 ? -errno : n;
		r->whash = n > 0 ? hash(tmp, n) : 0;
	}
	if (fm->flags & F_DST) {
		ssize_t n;

		r->ndp = dst_positions(k, pos);
		probe_file(c->dst, pos, r->ndp, r->dp);
		n = pread(c->dst, tmp, sizeof(tmp), 0);
		r->dcnt = n < 0 ? -errno : n;
		r->dhash = n > 0 ? hash(tmp, n) : 0;
	}
}

/* ---------------------------------------------------------------------- */
/* Expected differences */

/*
 * The differences from tmpfs that are by design, each with its reason. A
 * difference that matches none fails its family.
 */
struct expected_diff {
	const char *family;
	const char *why;
	bool (*match)(const struct fam *fm, const struct kase *k,
		      const struct res *rs, const struct res *tm);
};

/* Whether the results agree on everything but what the call returned. */
static bool same_but_return(const struct res *a, const struct res *b)
{
	struct res x = *a;

	x.ret = b->ret;
	x.err = b->err;
	memcpy(x.aux, b->aux, sizeof(x.aux));
	return !memcmp(&x, b, sizeof(x));
}

/*
 * tmpfs in 6.12 gets SEEK_HOLE and SEEK_DATA wrong once the search reaches
 * the last page of the largest file (index 2^51-1) and that page holds data:
 * mapping_seek_hole_data() computes the end of its folio as
 * round_up(pos + 1, PAGE_SIZE) = 2^63, which is negative as a loff_t.
 * SEEK_HOLE then returns LLONG_MIN as if it were an offset (not an errno, so
 * lseek(2) returns it and the position stays), and SEEK_DATA from inside the
 * page fails with ENXIO although the page holds data. rshmem answers as
 * lseek(2) says: the hole at i_size, and the offset itself for SEEK_DATA.
 */
static bool tmpfs_last_page_seek(const struct fam *fm, const struct kase *k,
				 const struct res *rs, const struct res *tm)
{
	if (fm->op != op_lseek || k->state != ST_MAX || !same_but_return(rs, tm))
		return false;
	if (k->call == 4)	/* SEEK_HOLE */
		return tm->ret == LLONG_MIN && rs->ret == MAX_LFS && rs->aux[1] == MAX_LFS;
	if (k->call == 3)	/* SEEK_DATA */
		return tm->ret == -1 && tm->err == ENXIO && k->off >= LAST_PAGE &&
		       rs->ret == k->off && rs->aux[1] == k->off;
	return false;
}

/*
 * MADV_PAGEOUT: tmpfs drops clean folios, such as those a read fault
 * allocated in a hole, even without swap (they read back as zeros), so the
 * file's st_blocks goes down. rshmem's folios are unevictable by design (see
 * README, "What is supported"): they stay, and st_blocks with them.
 */
static bool pageout_keeps_pages(const struct fam *fm, const struct kase *k,
				const struct res *rs, const struct res *tm)
{
	struct res x = *rs;

	if (fm->op != op_msync_madvise || mm_advice[k->call] != MADV_PAGEOUT || rs->blocks <= tm->blocks)
		return false;
	x.blocks = tm->blocks;
	return !memcmp(&x, tm, sizeof(x));
}

static const struct expected_diff expected_diffs[] = {
	{ NULL, "MADV_PAGEOUT: rshmem's folios are unevictable, tmpfs drops clean ones",
	  pageout_keeps_pages },
	{ NULL, "tmpfs's SEEK_HOLE/SEEK_DATA overflow at the last page (2^51-1)",
	  tmpfs_last_page_seek },
	{ NULL, NULL, NULL },
};

static const char *expected_reason(const struct fam *fm, const struct kase *k,
				   const struct res *rs, const struct res *tm)
{
	for (const struct expected_diff *d = expected_diffs; d->match; d++)
		if ((!d->family || !strcmp(d->family, fm->name)) && d->match(fm, k, rs, tm))
			return d->why;
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* Reporting */

static int fmt_res(const struct fam *fm, const struct res *r, char *buf, size_t len)
{
	int n = snprintf(buf, len, "ret=%lld", r->ret);

	if (r->err)
		n += snprintf(buf + n, len - n, " %s", ename(r->err));
	n += snprintf(buf + n, len - n, " size=%lld blocks=%lld", r->size, r->blocks);
	for (int i = 0; i < r->naux; i++)
		n += snprintf(buf + n, len - n, " %s=%lld",
			      fm->auxnames && fm->auxnames[i] ? fm->auxnames[i] : "aux", r->aux[i]);
	if (r->wcnt || r->whash)
		n += snprintf(buf + n, len - n, " window=%lld/%llx", r->wcnt, r->whash & 0xffffff);
	if (fm->flags & F_DST)
		n += snprintf(buf + n, len - n, " dst: size=%lld blocks=%lld head=%lld/%llx",
			      r->dsize, r->dblocks, r->dcnt, r->dhash & 0xffffff);
	if (r->ssize != SRC_SIZE || r->sblocks != SRC_PAGES * PAGE / 512)
		n += snprintf(buf + n, len - n, " src: size=%lld blocks=%lld", r->ssize, r->sblocks);
	return n;
}

static void fmt_probe(const struct probe *p, char *buf, size_t len)
{
	if (p->n == 1)
		snprintf(buf, len, "%02x", p->b);
	else if (p->n == 0)
		snprintf(buf, len, "EOF");
	else
		snprintf(buf, len, "%s", ename(p->err));
}

static void log_case(struct __test_metadata *_metadata, const char *what, const struct fam *fm,
		     const struct kase *k, const struct ctx *ctx, const struct res *r)
{
	char a[512], b[512];

	fmt_res(fm, &r[0], a, sizeof(a));
	fmt_res(fm, &r[1], b, sizeof(b));
	TH_LOG("%s %s: %s, state %s, off %s (%lld), len %s (%lld): %s {%s} %s {%s}",
	       what, fm->name, fm->calls[k->call], state_names[k->state], k->offname, k->off,
	       k->lenname, k->len, ctx[0].type, a, ctx[1].type, b);
	for (int set = 0, shown = 0; set < 2; set++) {
		const struct probe *p0 = set ? r[0].dp : r[0].p, *p1 = set ? r[1].dp : r[1].p;
		int n = set ? r[0].ndp : r[0].np;

		for (int i = 0; i < n && shown < 6; i++) {
			if (!memcmp(&p0[i], &p1[i], sizeof(p0[i])))
				continue;
			fmt_probe(&p0[i], a, 64);
			fmt_probe(&p1[i], b, 64);
			TH_LOG("    %s@%#llx: %s %s, %s %s", set ? "dst" : "f", p0[i].pos,
			       ctx[0].type, a, ctx[1].type, b);
			shown++;
		}
	}
}

/*
 * Whether the files are still as make_state() left them, as far as the case
 * looked: size, blocks, every probe and the window around the offset; src
 * as made, dst empty. The next case with the same state then reuses them.
 */
static bool unchanged(const struct ctx *c, const struct kase *k, const struct res *r)
{
	if (r->size != c->fresh_size || r->blocks != c->fresh_blocks || r->dsize || r->dblocks ||
	    r->ssize != SRC_SIZE || r->sblocks != SRC_PAGES * PAGE / 512)
		return false;
	for (int i = 0; i < r->np; i++) {
		int want = state_byte(k->state, r->p[i].pos);

		if (want < 0 ? r->p[i].n != 0 : r->p[i].n != 1 || r->p[i].b != want)
			return false;
	}
	if (r->wcnt > 0) {
		long long base = (k->off & ~(PAGE - 1)) - PAGE;
		long long n = 0;

		if (base < 0)
			base = 0;
		for (; n < 3 * PAGE; n++) {
			int b = state_byte(k->state, base + n);

			if (b < 0)
				break;
			tmp[n] = b;
		}
		if (n != r->wcnt || hash(tmp, n) != r->whash)
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------------- */
/* The case runner */

static void set_fsize(long long limit)
{
	struct rlimit rl;

	getrlimit(RLIMIT_FSIZE, &rl);
	rl.rlim_cur = limit;
	setrlimit(RLIMIT_FSIZE, &rl);
}

/*
 * Runs @k on both filesystems; fills r[0] (rshmem) and r[1] (tmpfs). Returns
 * whether they differ without being expected to.
 */
static bool run_case(struct __test_metadata *_metadata, struct ctx *ctx, const struct fam *fm,
		     const struct kase *k, struct tally *st, struct res *r)
{
	const char *why;

	if (trace) {
		printf("# case %s: %s, state %s, off %s (%lld), len %s (%lld)\n", fm->name,
		       fm->calls[k->call], state_names[k->state], k->offname, k->off, k->lenname,
		       k->len);
		fflush(stdout);
	}
	for (int i = 0; i < 2; i++) {
		struct ctx *c = &ctx[i];

		memset(&r[i], 0, sizeof(r[i]));
		if (c->state != k->state && make_state(c, k->state, &why)) {
			TH_LOG("%s: making the %s state failed (%s): %s", c->type,
			       state_names[k->state], why, strerror(errno));
			_metadata->exit_code = KSFT_FAIL;
			r[i].ret = -3;
			c->state = -1;
			continue;
		}
		/* Files reused from the case before: positions back at 0. */
		if (fm->flags & F_POS) {
			lseek(c->f, 0, SEEK_SET);
			lseek(c->dst, 0, SEEK_SET);
		}
		if (fsize_limit)
			set_fsize(fsize_limit);
		harness_error = NULL;
		fm->op(c, fm, k, &r[i]);
		if (fsize_limit)
			set_fsize(RLIM_INFINITY);
		if (harness_error) {
			TH_LOG("%s: %s: %s, state %s, off %s, len %s: %s", c->type, fm->name,
			       fm->calls[k->call], state_names[k->state], k->offname, k->lenname,
			       harness_error);
			_metadata->exit_code = KSFT_FAIL;
		}
		collect(c, fm, k, &r[i]);
		if (!unchanged(c, k, &r[i]))
			c->state = -1;
	}
	st->cases++;
	if (!memcmp(&r[0], &r[1], sizeof(r[0])))
		return false;
	st->differ++;
	why = expected_reason(fm, k, &r[0], &r[1]);
	if (why) {
		st->expected++;
		if (st->expected <= 3)
			TH_LOG("expected difference (%s)", why);
		return false;
	}
	if (st->differ - st->expected <= maxlog)
		log_case(_metadata, "DIFF", fm, k, ctx, r);
	return true;
}

/*
 * The default thins out the larger families: call c on state s runs the
 * (offset, length) pairs with (oi + li + c + s) % thin == 0. With thin 4
 * (NSTATES), each (offset, length) pair runs once per call, on one of the
 * states, and each state still runs every offset and every length with every
 * call. With thin 8 (the slowest family, msync/madvise, and the RLIMIT_FSIZE
 * runs) each state runs every offset (with one length) and every length
 * (with two or three offsets) with every call, and half of the pairs run.
 * BOUNDARY_FULL=1 runs every pair on every state.
 */
static bool selected(const struct fam *fm, int call, int state, int oi, int li)
{
	if (full_matrix || fm->thin <= 1)
		return true;
	return (oi + li + call + state) % fm->thin == 0;
}

static void resolve(struct kase *k, int oi, int li)
{
	const struct arg *o = &offsets[oi], *l = &lengths[li];

	k->offname = o->name;
	k->lenname = l->name;
	k->off = o->rel == REL_SIZE ? wadd(state_size[k->state], o->v) : o->v;
	k->len = l->rel == REL_MAXOFF ? wsub(MAX_LFS, k->off) : l->v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void finish_family(struct __test_metadata *_metadata, const struct fam *fm,
			  const struct tally *st, double start)
{
	tally_print(fm->name, st);
	printf(" [%.1f s]\n", now() - start);
	fflush(stdout);
	if (st->differ - st->expected > maxlog)
		TH_LOG("%ld more differences not shown (BOUNDARY_MAXLOG)",
		       st->differ - st->expected - maxlog);
	tally_add(st);
	EXPECT_EQ(0, st->differ - st->expected);
}

static void run_family(struct __test_metadata *_metadata, struct ctx *ctx, const struct fam *fm)
{
	struct tally st = { 0 };
	double start = now();
	struct res r[2];

	memset(call_time, 0, sizeof(call_time));
	for (int s = 0; s < NSTATES; s++)
		for (int c = 0; c < fm->ncalls; c++)
			for (int oi = 0; oi < NOFF; oi++)
				for (int li = 0; li < NLEN; li++) {
					struct kase k = { .call = c, .state = s };

					if (!selected(fm, c, s, oi, li))
						continue;
					double t0 = now();

					resolve(&k, oi, li);
					run_case(_metadata, ctx, fm, &k, &st, r);
					call_time[c] += now() - t0;
				}
	if (profile)
		for (int c = 0; c < fm->ncalls; c++)
			printf("#   %s: %.2f s\n", fm->calls[c], call_time[c]);
	finish_family(_metadata, fm, &st, start);
}

/* ---------------------------------------------------------------------- */
/* pread/pwrite, preadv/pwritev, preadv2/pwritev2 */

static const char *const rw_calls[] = {
	"pread", "pwrite", "preadv", "pwritev", "preadv2", "pwritev2",
};
static const char *const rw_aux[] = { "pos", "readhash" };

static void op_rw(struct ctx *c, const struct fam *fm, const struct kase *k, struct res *r)
{
	size_t n = (size_t)k->len;
	bool wr = k->call & 1;
	unsigned char *buf = wr ? wbuf : rbuf;
	struct iovec iov[2];
	int cnt = 1;
	ssize_t ret = -1;

	/* The vector forms get two segments: 5 bytes, then the rest. */
	iov[0].iov_base = buf;
	iov[0].iov_len = n;
	if (n > 5) {
		iov[0].iov_len = 5;
		iov[1].iov_base = buf + 5;
		iov[1].iov_len = n - 5;
		cnt = 2;
	}
	errno = 0;
	switch (k->call) {
	case 0:
		ret = pread(c->f, buf, n, k->off);
		break;
	case 1:
		ret = pwrite(c->f, buf, n, k->off);
		break;
	case 2:
		ret = preadv(c->f, iov, cnt, k->off);
		break;
	case 3:
		ret = pwritev(c->f, iov, cnt, k->off);
		break;
	case 4:
		ret = preadv2(c->f, iov, cnt, k->off, 0);
		break;
	case 5:
		ret = pwritev2(c->f, iov, cnt, k->off, 0);
		break;
	}
	r->ret = ret;
	r->err = ret < 0 ? errno : 0;
	r->naux = 2;
	/* preadv2 and pwritev2 at offset -1 use and move the file position. */
	r->aux[0] = lseek(c->f, 0, SEEK_CUR);
	if (!wr && ret > 0)
		r->aux[1] = (long long)(hash(rbuf, ret < BUFSZ ? ret : BUFSZ) & 0xffffffff);
}

/* ---------------------------------------------------------------------- */
/* fallocate */

static const int falloc_modes[] = {
	0,
	FALLOC_FL_KEEP_SIZE,
	FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	FALLOC_FL_ZERO_RANGE,
	FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
	/* The rest are refused, each with its errno. */
	FALLOC_FL_PUNCH_HOLE,
	FALLOC_FL_COLLAPSE_RANGE,
	FALLOC_FL_INSERT_RANGE,
	FALLOC_FL_UNSHARE_RANGE,
	FALLOC_FL_ZERO_RANGE | FALLOC_FL_PUNCH_HOLE,
	0x04,	/* FALLOC_FL_NO_HIDE_STALE, reserved. */
	0x80,	/* No such flag. */
};
static const char *const falloc_calls[] = {
	"0", "KEEP_SIZE", "PUNCH_HOLE|KEEP_SIZE", "ZERO_RANGE", "ZERO_RANGE|KEEP_SIZE",
	"PUNCH_HOLE", "COLLAPSE_RANGE", "INSERT_RANGE", "UNSHARE_RANGE", "ZERO_RANGE|PUNCH_HOLE",
	"0x04 (NO_HIDE_STALE)", "0x80 (unknown)",
};

/*
 * ZERO_RANGE and ZERO_RANGE|KEEP_SIZE. tmpfs does not have them (EOPNOTSUPP);
 * rshmem has them as ext4 and xfs do, and its rows are compared with this
 * model rather than with tmpfs. The model builds the expected result on the
 * tmpfs file out of calls tmpfs has, which give the same rows:
 *
 *  - The VFS's checks come first, as for every mode: EINVAL for offset < 0 or
 *    len <= 0; EFBIG when offset + len overflows or exceeds MAX_LFS_FILESIZE
 *    (and when it exceeds RLIMIT_FSIZE, which is unlimited here). Then, as
 *    for an allocation, ENOSPC when the pages of the range that are not
 *    allocated yet do not fit (or the range is larger than the filesystem),
 *    and nothing has changed. fallocate(0 or KEEP_SIZE) of the same range
 *    fails with exactly these errors.
 *  - Otherwise 0: the range reads as zeros (a hole punch of it), its pages
 *    are allocated (a KEEP_SIZE allocation of it after the punch), so
 *    st_blocks covers it, and without KEEP_SIZE i_size becomes offset + len
 *    when that is larger (the first allocation did that). Data outside the
 *    range is untouched, the partial pages at its edges included.
 */
static void zero_range_model(struct ctx *c, int mode, const struct kase *k, struct res *r)
{
	int ret = fallocate(c->f, mode & FALLOC_FL_KEEP_SIZE, k->off, k->len);

	r->ret = ret;
	r->err = ret ? errno : 0;
	if (ret == 0 &&
	    (fallocate(c->f, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, k->off, k->len) ||
	     fallocate(c->f, FALLOC_FL_KEEP_SIZE, k->off, k->len))) {
		/* The model itself failed: shows as a difference. */
		r->ret = -4;
		r->err = errno;
	}
}

static void op_fallocate(struct ctx *c, const struct fam *fm, const struct kase *k, struct res *r)
{
	int mode = falloc_modes[k->call];
	int ret;

	if (c->ref && (mode & ~FALLOC_FL_KEEP_SIZE) == FALLOC_FL_ZERO_RANGE) {
		zero_range_model(c, mode, k, r);
		return;
	}
	ret = fallocate(c->f, mode, k->off, k->len);
	r->ret = ret;
	r->err = ret ? errno : 0;
}

/* ---------------------------------------------------------------------- */
/* ftruncate and truncate: to the offset, then to the length */

static const char *const trunc_calls[] = { "ftruncate", "truncate" };
static const char *const trunc_aux[] = { "then(len)", "errno2" };

static void op_truncate(struct ctx *c, const struct fam *fm, const struct kase *k, struct res *r)
{
	int ret;

	ret = k->call ? truncate(c->f_path, k->off) : ftruncate(c->f, k->off);
	r->ret = ret;
	r->err = ret ? errno : 0;
	ret = k->call ? truncate(c->f_path, k->len) : ftruncate(c->f, k->len);
	r->naux = 2;
	r->aux[0] = ret;
	r->aux[1] = ret ? errno : 0;
}

/* ---------------------------------------------------------------------- */
/* lseek: from the position @len, to @off */

static const char *const lseek_calls[] = {
	"SEEK_SET", "SEEK_CUR", "SEEK_END", "SEEK_DATA", "SEEK_HOLE",
};
static const int whences[] = { SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE };
static const char *const lseek_aux[] = { "from", "pos" };

static void op_lseek(struct ctx *c, const struct fam *fm, const struct kase *k, struct res *r)
{
	off_t ret;

	lseek(c->f, 0, SEEK_SET);
	ret = lseek(c->f, k->len, SEEK_SET);
	r->naux = 2;
	r->aux[0] = ret < 0 ? -errno : ret;
	ret = lseek(c->f, k->off, whences[k->call]);
	r->ret = ret;
	r->err = ret < 0 ? errno : 0;
	r->aux[1] = lseek(c->f, 0, SEEK_CUR);
}

/* ---------------------------------------------------------------------- */
/* copy_file_range, splice, sendfile */

static const char *const copy_calls[] = {
	"copy_file_range f@off->dst@0", "copy_file_range src@0->f@off",
	"splice f@off->pipe", "splice pipe->f@off",
	"sendfile f@off->dst", "sendfile src@0->f (at position off)",
};
static const char *const copy_aux[] = { "off", "off2", "piped", "pipehash" };

/* Empties the pipe: the count and hash of what it held. */
static void drain(int fd, struct res *r)
{
	unsigned long long h = 0;
	long long total = 0;
	ssize_t n;

	while ((n = read(fd, tmp, sizeof(tmp))) > 0) {
		h = h * 31 + hash(tmp, n);
		total += n;
	}
	r->aux[2] = total;
	r->aux[3] = (long long)(h & 0xffffffff);
}

static void op_copy(struct ctx *c, const struct fam *fm, const struct kase *k, struct res *r)
{
	size_t n = (size_t)k->len;
	loff_t a = k->off, b = 0;
	off_t o = k->off, so = 0;
	long long ret = -1;
	int pfd[2];

	r->naux = 4;
	switch (k->call) {
	case 0:
		ret = copy_file_range(c->f, &a, c->dst, &b, n, 0);
		r->err = ret < 0 ? errno : 0;
		r->aux[0] = a;
		r->aux[1] = b;
		break;
	case 1:
		b = k->off;
		a = 0;
		ret = copy_file_range(c->src, &a, c->f, &b, n, 0);
		r->err = ret < 0 ? errno : 0;
		r->aux[0] = b;
		r->aux[1] = a;
		break;
	case 2:
	case 3:
		if (pipe2(pfd, O_NONBLOCK)) {
			harness_error = "pipe2";
			break;
		}
		if (k->call == 2) {
			ret = splice(c->f, &a, pfd[1], NULL, n, 0);
			r->err = ret < 0 ? errno : 0;
		} else {
			fill_pat(tmp, PIPE_FILL, 0, 4);
			if (write(pfd[1], tmp, PIPE_FILL) != PIPE_FILL) {
				harness_error = "filling the pipe";
			} else {
				ret = splice(pfd[0], NULL, c->f, &a, n, 0);
				r->err = ret < 0 ? errno : 0;
			}
		}
		r->aux[0] = a;
		drain(pfd[0], r);
		close(pfd[0]);
		close(pfd[1]);
		break;
	case 4:
		ret = sendfile(c->dst, c->f, &o, n);
		r->err = ret < 0 ? errno : 0;
		r->aux[0] = o;
		r->aux[1] = lseek(c->dst, 0, SEEK_CUR);
		break;
	case 5:
		if (lseek(c->f, k->off, SEEK_SET) < 0) {
			ret = -6;	/* The position could not be set. */
			r->err = errno;
			break;
		}
		ret = sendfile(c->f, c->src, &so, n);
		r->err = ret < 0 ? errno : 0;
		r->aux[0] = lseek(c->f, 0, SEEK_CUR);
		r->aux[1] = so;
		break;
	}
	r->ret = ret;
}

/* ---------------------------------------------------------------------- */
/* mmap: offset and length; then a touch of the first and the last page */

static const char *const mmap_calls[] = {
	"mmap shared", "mmap shared at off&~(PAGE-1)",
	"mmap private", "mmap private at off&~(PAGE-1)",
};
static const char *const mmap_aux[] = { "read0", "readlast", "write0", "writelast" };

static void op_mmap(struct ctx *c, const struct fam *fm, const struct kase *k, struct res *r)
{
	long long off = k->call & 1 ? k->off & ~(PAGE - 1) : k->off;
	size_t len = (size_t)k->len;
	unsigned char *m, *last;

	m = mmap(NULL, len, PROT_READ | PROT_WRITE, k->call < 2 ? MAP_SHARED : MAP_PRIVATE,
		 c->f, off);
	if (m == MAP_FAILED) {
		r->ret = -1;
		r->err = errno;
		return;
	}
	/* A touch gives the byte, or -SIGBUS (beyond EOF, or no space). */
	last = m + ((len - 1) & ~(PAGE - 1));
	r->naux = 4;
	r->aux[0] = touch(m, false);
	r->aux[1] = touch(last, false);
	r->aux[2] = touch(m, true);
	r->aux[3] = touch(last, true);
	munmap(m, len);
}

/* ---------------------------------------------------------------------- */
/* msync and madvise */

static const char *const mm_calls[] = {
	"msync MS_SYNC", "msync MS_ASYNC", "msync MS_INVALIDATE",
	"MADV_REMOVE", "MADV_DONTNEED", "MADV_WILLNEED", "MADV_COLD", "MADV_PAGEOUT",
	"MADV_POPULATE_READ", "MADV_POPULATE_WRITE", "MADV_FREE",
};
static const int mm_advice[11] = {
	MS_SYNC, MS_ASYNC, MS_INVALIDATE,
	MADV_REMOVE, MADV_DONTNEED, MADV_WILLNEED, MADV_COLD, MADV_PAGEOUT,
	MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_FREE,
};
static const char *const mm_aux[] = { "mmap", "faults", "read0", "readlast" };

static long range_call(int call, unsigned long start, unsigned long len)
{
	if (call < 3)
		return syscall(SYS_msync, start, len, mm_advice[call]);
	return syscall(SYS_madvise, start, len, mm_advice[call]);
}

/*
 * A range that reaches beyond [SAFE_LO, SAFE_HI) with an advice that frees
 * memory (reaches_out()) runs in a child with its own
 * copy of the address space, on a stack in .bss, which first unmaps
 * everything at or above SAFE_LO but the window and the page holding its
 * thread-local storage: MADV_DONTNEED or MADV_REMOVE over the stack or over
 * the harness's shared pages must not reach them. The calls then see the
 * window and unmapped space only, as in the parent.
 */
static struct {
	int call;
	unsigned long start, len, keep, tls;
} child_arg;
static char child_stack[64 * 1024] __attribute__((aligned(64)));
static char maps[64 * 1024];

static unsigned long parse_hex(char **p)
{
	unsigned long v = 0;

	for (;; (*p)++) {
		char ch = **p;

		if (ch >= '0' && ch <= '9')
			v = v * 16 + ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			v = v * 16 + ch - 'a' + 10;
		else
			return v;
	}
}

/*
 * Whether the call could reach memory of this process other than the window:
 * only MADV_DONTNEED, MADV_FREE and MADV_REMOVE do harm there (the others
 * fault pages in, age them or sync them), and only over a range the kernel
 * walks: page-aligned, not wrapping, below the top of user space, and
 * leaving [SAFE_LO, SAFE_HI).
 */
static bool reaches_out(int call, unsigned long start, unsigned long len)
{
	int adv = mm_advice[call];

	if (call < 3 || (adv != MADV_DONTNEED && adv != MADV_FREE && adv != MADV_REMOVE))
		return false;
	if ((start & (PAGE - 1)) || (len && !((len + PAGE - 1) & ~(PAGE - 1))))
		return false;	/* EINVAL before any walk. */
	if (start >= (1UL << 47))
		return false;	/* Nothing is mapped there. */
	return start < SAFE_LO || start >= SAFE_HI || len > SAFE_HI - start;
}

static int range_child(void *unused)
{
	long fd = syscall(SYS_open, "/proc/self/maps", O_RDONLY);
	long n = 0, got;
	long ret;

	if (fd < 0)
		syscall(SYS_exit_group, 200);
	while ((got = syscall(SYS_read, fd, maps + n, sizeof(maps) - 1 - n)) > 0)
		n += got;
	maps[n] = 0;
	syscall(SYS_close, fd);
	for (char *p = maps; *p;) {
		unsigned long s = parse_hex(&p), e;

		if (*p == '-')
			p++;
		e = parse_hex(&p);
		while (*p && *p != '\n')
			p++;
		if (*p)
			p++;
		if (s < SAFE_LO || s == child_arg.keep ||
		    (child_arg.tls >= s && child_arg.tls < e))
			continue;
		syscall(SYS_munmap, s, e - s);
	}
	ret = range_call(child_arg.call, child_arg.start, child_arg.len);
	syscall(SYS_exit_group, ret == 0 ? 0 : errno);
	return 0;
}

static void op_msync_madvise(struct ctx *c, const struct fam *fm, const struct kase *k,
			     struct res *r)
{
	long long off = k->off, pg = 0, win = 0;
	unsigned long start, len = (unsigned long)k->len;
	unsigned char *m = NULL;
	long ret;

	/*
	 * The window: up to 4 pages of the file from the page of @off, mapped
	 * shared at MAP_AT; the call's range starts at the address of @off in
	 * it. Without a window (an offset that cannot be mapped) the range
	 * starts at MAP_AT + off.
	 */
	r->naux = 4;
	if (off >= 0) {
		pg = off & ~(PAGE - 1);
		win = (MAX_LFS - pg) & ~(PAGE - 1);
		if (win > WIN_PAGES * PAGE)
			win = WIN_PAGES * PAGE;
	}
	r->aux[0] = -1000;	/* No window. */
	if (win > 0) {
		m = mmap((void *)MAP_AT, win, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED_NOREPLACE, c->f, pg);
		if (m == MAP_FAILED) {
			r->aux[0] = -errno;
			if (errno == EEXIST)
				harness_error = "something is mapped at MAP_AT";
			m = NULL;
			pg = 0;
		} else if (m != (void *)MAP_AT) {
			munmap(m, win);
			harness_error = "the window is not at MAP_AT";
			m = NULL;
			pg = 0;
		} else {
			r->aux[0] = 0;
		}
	} else {
		pg = 0;
	}
	/* Map the pages in (a bit per page that faulted), and dirty the first. */
	if (m) {
		for (long long i = 0; i < win / PAGE; i++)
			if (touch(m + i * PAGE, false) < 0)
				r->aux[1] |= 1LL << i;
		if (!(r->aux[1] & 1))
			touch(m + 0x11, true);
	}
	start = MAP_AT + (unsigned long)(off - pg);
	if (!reaches_out(k->call, start, len)) {
		errno = 0;
		ret = range_call(k->call, start, len);
		r->ret = ret;
		r->err = ret ? errno : 0;
	} else {
		int status;
		pid_t pid;

		child_arg.call = k->call;
		child_arg.start = start;
		child_arg.len = len;
		child_arg.keep = m ? MAP_AT : 0;
		child_arg.tls = (unsigned long)&errno;
		pid = clone(range_child, child_stack + sizeof(child_stack), SIGCHLD, NULL);
		if (pid < 0 || waitpid(pid, &status, 0) != pid) {
			harness_error = "clone";
		} else if (WIFEXITED(status) && WEXITSTATUS(status) != 200) {
			r->ret = WEXITSTATUS(status) ? -1 : 0;
			r->err = WEXITSTATUS(status);
		} else {
			harness_error = WIFEXITED(status) ? "the child could not read its maps"
							  : "the child was killed";
		}
	}
	if (m) {
		r->aux[2] = touch(m, false);
		r->aux[3] = touch(m + win - PAGE, false);
		munmap(m, win);
	}
}

/* ---------------------------------------------------------------------- */
/* posix_fadvise and readahead */

static const char *const fadv_calls[] = {
	"POSIX_FADV_NORMAL", "POSIX_FADV_RANDOM", "POSIX_FADV_SEQUENTIAL",
	"POSIX_FADV_WILLNEED", "POSIX_FADV_DONTNEED", "POSIX_FADV_NOREUSE", "readahead",
};
static const int fadv_advice[] = {
	POSIX_FADV_NORMAL, POSIX_FADV_RANDOM, POSIX_FADV_SEQUENTIAL,
	POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE,
};

static void op_fadvise(struct ctx *c, const struct fam *fm, const struct kase *k, struct res *r)
{
	if (k->call < 6) {
		int e = posix_fadvise(c->f, k->off, k->len, fadv_advice[k->call]);

		r->ret = e ? -1 : 0;
		r->err = e;
	} else {
		ssize_t ret = readahead(c->f, k->off, (size_t)k->len);

		r->ret = ret;
		r->err = ret < 0 ? errno : 0;
	}
}

/* ---------------------------------------------------------------------- */
/* The families */

static const struct fam fam_rw = {
	.name = "pread/pwrite",
	.calls = rw_calls,
	.ncalls = ARRAY_SIZE(rw_calls),
	.op = op_rw,
	.flags = F_POS,
	.auxnames = rw_aux,
	.thin = 4,
};
static const struct fam fam_fallocate = {
	.name = "fallocate",
	.calls = falloc_calls,
	.ncalls = ARRAY_SIZE(falloc_calls),
	.op = op_fallocate,
	.flags = 0,
	.auxnames = NULL,
	.thin = 4,
};
static const struct fam fam_truncate = {
	.name = "truncate",
	.calls = trunc_calls,
	.ncalls = ARRAY_SIZE(trunc_calls),
	.op = op_truncate,
	.flags = 0,
	.auxnames = trunc_aux,
	.thin = 4,
};
static const struct fam fam_lseek = {
	.name = "lseek",
	.calls = lseek_calls,
	.ncalls = ARRAY_SIZE(lseek_calls),
	.op = op_lseek,
	.flags = F_RO,
	.auxnames = lseek_aux,
	.thin = 1,
};
static const struct fam fam_copy = {
	.name = "copy",
	.calls = copy_calls,
	.ncalls = ARRAY_SIZE(copy_calls),
	.op = op_copy,
	.flags = F_DST | F_POS,
	.auxnames = copy_aux,
	.thin = 4,
};
static const struct fam fam_mmap = {
	.name = "mmap",
	.calls = mmap_calls,
	.ncalls = ARRAY_SIZE(mmap_calls),
	.op = op_mmap,
	.flags = 0,
	.auxnames = mmap_aux,
	.thin = 4,
};
static const struct fam fam_mm = {
	.name = "msync/madvise",
	.calls = mm_calls,
	.ncalls = ARRAY_SIZE(mm_calls),
	.op = op_msync_madvise,
	.flags = 0,
	.auxnames = mm_aux,
	.thin = 8,
};
static const struct fam fam_fadvise = {
	.name = "fadvise/readahead",
	.calls = fadv_calls,
	.ncalls = ARRAY_SIZE(fadv_calls),
	.op = op_fadvise,
	.flags = F_RO,
	.auxnames = NULL,
	.thin = 1,
};

/* ---------------------------------------------------------------------- */
/* The fixture: an rshmem and a tmpfs instance, two mounts each */

FIXTURE(bnd) {
	struct ctx ctx[2];
};

/* Mount options added to MAIN_OPTS and FULL_OPTS on both file systems. */
FIXTURE_VARIANT(bnd) {
	const char *opts;
};

FIXTURE_VARIANT_ADD(bnd, pages) {
	.opts = "",
};

FIXTURE_VARIANT_ADD(bnd, huge) {
	.opts = ",huge=always",
};

FIXTURE_SETUP(bnd)
{
	const char *alt = getenv("BOUNDARY_FS");
	const char *types[2] = { alt && *alt ? alt : "rshmem", "tmpfs" };
	struct sigaction sa = { .sa_handler = on_fault, .sa_flags = SA_NODEFER };
	char line[512], main_opts[64], full_opts[64];
	FILE *f;

	for (int i = 0; i < 2; i++) {
		struct ctx *c = &self->ctx[i];

		c->type = types[i];
		c->ref = i == 1;
		c->f = c->src = c->dst = -1;
		c->srcs[0] = c->srcs[1] = c->dsts[0] = c->dsts[1] = -1;
		c->state = -1;
		snprintf(c->main, sizeof(c->main), "/tmp/boundary.%d.%s.%d", i, c->type, getpid());
		snprintf(c->full, sizeof(c->full), "%s.full", c->main);
		ASSERT_EQ(0, mkdir(c->main, 0755));
		ASSERT_EQ(0, mkdir(c->full, 0755));
		snprintf(main_opts, sizeof(main_opts), "%s%s", MAIN_OPTS, variant->opts);
		snprintf(full_opts, sizeof(full_opts), "%s%s", FULL_OPTS, variant->opts);
		if (mount("none", c->main, c->type, 0, main_opts)) {
			int e = errno;

			rmdir(c->main);
			rmdir(c->full);
			if (e == ENODEV)
				SKIP(return, "no %s filesystem (module not loaded?)", c->type);
			ASSERT_EQ(0, e) TH_LOG("mount %s: %s", c->type, strerror(e));
		}
		ASSERT_EQ(0, mount("none", c->full, c->type, 0, full_opts))
			TH_LOG("mount %s: %s", c->type, strerror(errno));
		if (*variant->opts) {
			/* The variant is worth its time only if both took the option. */
			bool shown = false;

			f = fopen("/proc/mounts", "r");
			ASSERT_NE(NULL, f);
			while (fgets(line, sizeof(line), f))
				if (strstr(line, c->main) && strstr(line, variant->opts + 1))
					shown = true;
			fclose(f);
			ASSERT_TRUE(shown) TH_LOG("%s: %s not in /proc/mounts", c->main,
						  variant->opts + 1);
		}
	}
	trace = getenv("BOUNDARY_TRACE") && *getenv("BOUNDARY_TRACE") == '1';
	profile = getenv("BOUNDARY_PROFILE") && *getenv("BOUNDARY_PROFILE") == '1';
	full_matrix = getenv("BOUNDARY_FULL") && *getenv("BOUNDARY_FULL") == '1';
	if (getenv("BOUNDARY_MAXLOG"))
		maxlog = atol(getenv("BOUNDARY_MAXLOG"));
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, NULL));
	rbuf = guarded_buffer();
	wbuf = guarded_buffer();
	ASSERT_NE(NULL, rbuf);
	ASSERT_NE(NULL, wbuf);
	init_pat();
	fill_pat(wbuf, BUFSZ, 0, 3);
	/* Nothing of ours may live where the msync/madvise family works. */
	f = fopen("/proc/self/maps", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx", &s, &e) != 2)
			continue;
		ASSERT_TRUE(e <= SAFE_LO || s >= SAFE_HI) TH_LOG("mapping in the way: %s", line);
		/* The child of op_msync_madvise() runs on memory below SAFE_LO. */
		if ((unsigned long)child_stack >= s && (unsigned long)child_stack < e)
			ASSERT_TRUE(e <= SAFE_LO);
	}
	fclose(f);
	ASSERT_GT(SAFE_LO, (unsigned long)&errno);
}

FIXTURE_TEARDOWN(bnd)
{
	for (int i = 0; i < 2; i++) {
		struct ctx *c = &self->ctx[i];

		if (!c->type)
			continue;
		close_state(c);
		for (int m = 0; m < 2; m++) {
			if (c->srcs[m] >= 0)
				close(c->srcs[m]);
			if (c->dsts[m] >= 0)
				close(c->dsts[m]);
		}
		umount2(c->main, MNT_DETACH);
		umount2(c->full, MNT_DETACH);
		rmdir(c->main);
		rmdir(c->full);
	}
}

TEST_F_TIMEOUT(bnd, pread_pwrite, 600)
{
	run_family(_metadata, self->ctx, &fam_rw);
}

TEST_F_TIMEOUT(bnd, fallocate, 600)
{
	run_family(_metadata, self->ctx, &fam_fallocate);
}

TEST_F_TIMEOUT(bnd, truncate, 600)
{
	run_family(_metadata, self->ctx, &fam_truncate);
}

TEST_F_TIMEOUT(bnd, lseek, 600)
{
	run_family(_metadata, self->ctx, &fam_lseek);
}

TEST_F_TIMEOUT(bnd, copy_splice_sendfile, 600)
{
	run_family(_metadata, self->ctx, &fam_copy);
}

TEST_F_TIMEOUT(bnd, mmap, 600)
{
	run_family(_metadata, self->ctx, &fam_mmap);
}

TEST_F_TIMEOUT(bnd, msync_madvise, 600)
{
	run_family(_metadata, self->ctx, &fam_mm);
}

TEST_F_TIMEOUT(bnd, fadvise_readahead, 600)
{
	run_family(_metadata, self->ctx, &fam_fadvise);
}

/*
 * Cases that crashed or misbehaved before, run explicitly on every state:
 * a hole punch of one byte in the last page (a kernel BUG in rshmem; 0 on
 * tmpfs); ZERO_RANGE over the last page of the largest file (compared with
 * the model); and SEEK_HOLE and SEEK_DATA on the largest file, whose last
 * page (index 2^51-1) holds data: tmpfs reports the hole at i_size.
 */
static const struct fam fam_known_falloc = {
	.name = "known fallocate",
	.calls = falloc_calls,
	.ncalls = ARRAY_SIZE(falloc_calls),
	.op = op_fallocate,
	.flags = 0,
	.auxnames = NULL,
	.thin = 1,
};
static const struct fam fam_known_lseek = {
	.name = "known lseek",
	.calls = lseek_calls,
	.ncalls = ARRAY_SIZE(lseek_calls),
	.op = op_lseek,
	.flags = F_RO,
	.auxnames = lseek_aux,
	.thin = 1,
};

TEST_F_TIMEOUT(bnd, known_cases, 300)
{
	static const struct {
		const struct fam *fm;
		int call;
		const char *offname;
		long long off;
		const char *lenname;
		long long len;
	} known[] = {
		{ &fam_known_falloc, 2, "LAST_PAGE", LAST_PAGE, "1", 1 },
		{ &fam_known_falloc, 2, "LAST_PAGE", LAST_PAGE, "PAGE-1", PAGE - 1 },
		{ &fam_known_falloc, 2, "LAST_PAGE-PAGE", LAST_PAGE - PAGE, "2*PAGE-1", 2 * PAGE - 1 },
		{ &fam_known_falloc, 3, "LAST_PAGE", LAST_PAGE, "PAGE-1", PAGE - 1 },
		{ &fam_known_falloc, 4, "LAST_PAGE", LAST_PAGE, "PAGE-1", PAGE - 1 },
		{ &fam_known_falloc, 3, "LAST_PAGE", LAST_PAGE, "PAGE", PAGE },
		{ &fam_known_falloc, 3, "LAST_PAGE+1", LAST_PAGE + 1, "10", 10 },
		{ &fam_known_falloc, 4, "LAST_PAGE-PAGE", LAST_PAGE - PAGE, "2*PAGE-1", 2 * PAGE - 1 },
		{ &fam_known_falloc, 0, "LAST_PAGE", LAST_PAGE, "PAGE-1", PAGE - 1 },
		{ &fam_known_falloc, 1, "LAST_PAGE", LAST_PAGE, "PAGE-1", PAGE - 1 },
		{ &fam_known_lseek, 4, "LAST_PAGE", LAST_PAGE, "0", 0 },
		{ &fam_known_lseek, 4, "MAX-2", MAX_LFS - 2, "0", 0 },
		{ &fam_known_lseek, 4, "MAX-3*PAGE", MAX_LFS - 3 * PAGE, "0", 0 },
		{ &fam_known_lseek, 3, "MAX-2*PAGE", MAX_LFS - 2 * PAGE, "0", 0 },
		{ &fam_known_lseek, 3, "LAST_PAGE+5", LAST_PAGE + 5, "0", 0 },
		{ &fam_known_lseek, 3, "2^44", 1LL << 44, "0", 0 },
	};
	struct tally st[2] = { { 0 } };
	double start = now();
	struct res r[2];

	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		for (int s = 0; s < NSTATES; s++) {
			struct kase k = {
				.call = known[i].call, .state = s,
				.offname = known[i].offname, .off = known[i].off,
				.lenname = known[i].lenname, .len = known[i].len,
			};
			bool is_lseek = known[i].fm == &fam_known_lseek;

			run_case(_metadata, self->ctx, known[i].fm, &k, &st[is_lseek], r);
			if (k.call == 2 && !is_lseek)
				EXPECT_EQ(0, r[1].ret) TH_LOG("tmpfs: punch at %s", k.offname);
			/*
			 * The hole after the last page is at i_size (tmpfs gets
			 * it wrong: see tmpfs_last_page_seek()).
			 */
			if (is_lseek && k.call == 4 && s == ST_MAX && k.off >= LAST_PAGE - PAGE)
				EXPECT_EQ(MAX_LFS, r[0].ret);
		}
	}
	finish_family(_metadata, &fam_known_falloc, &st[0], start);
	finish_family(_metadata, &fam_known_lseek, &st[1], start);
}

/*
 * The calls that grow a file, with RLIMIT_FSIZE at 1 MiB + 100 while they run
 * (SIGXFSZ ignored): writes stop short at the limit or fail with EFBIG,
 * fallocate (ZERO_RANGE included, whose model is fallocate's) and truncate
 * fail with EFBIG past it, copies stop at it.
 */
TEST_F_TIMEOUT(bnd, rlimit_fsize, 600)
{
	static const struct fam *const fams[] = {
		&fam_rw, &fam_fallocate, &fam_truncate, &fam_copy,
	};
	char names[4][64];

	ASSERT_NE(SIG_ERR, signal(SIGXFSZ, SIG_IGN));
	fsize_limit = (1 << 20) + 100;
	for (int i = 0; i < 4; i++) {
		struct fam fm = *fams[i];

		snprintf(names[i], sizeof(names[i]), "%s under RLIMIT_FSIZE", fm.name);
		fm.name = names[i];
		fm.thin = 8;
		run_family(_metadata, self->ctx, &fm);
	}
	fsize_limit = 0;
}

int main(int argc, char **argv)
{
	if (tally_init("boundary"))
		return KSFT_FAIL;
	return test_harness_run(argc, argv);
}
