// SPDX-License-Identifier: GPL-2.0
/*
 * insn_count: a QEMU TCG plugin that counts the guest instructions executed
 * inside measurement windows, per vCPU, kernel and user apart.
 *
 *   -plugin insn_count.so[,out=FILE][,profile=on][,marker=ADDR][,rep=once|each]
 *
 * A window is opened and closed by the guest program itself: it maps a page
 * of `ret` instructions at the user address ADDR (default
 * INSN_MARKER_BASE from tests/lib/insn_marker.h) and calls ADDR to open the
 * window and ADDR + INSN_MARKER_END_OFF to close it. The plugin knows those
 * instructions by their virtual address when it translates them, and
 * attaches the callbacks that open and close the window there. Nothing is
 * counted outside a window: not the boot, not the set-up of a measurement.
 *
 * Counting is by translation block: every block gets an execution callback
 * whose data is its instruction count, added to a counter of the vCPU that
 * runs it (kernel when the block's address has the top bit set, user
 * otherwise). Each vCPU thread writes only its own counters, so the counts are
 * exact under MTTCG without atomics. (A block left in its middle by an
 * exception still counts whole: the instructions after the faulting one are
 * counted though they did not run. That happens the same way every run.)
 *
 * A rep-prefixed string instruction (rep movsb, rep stosq, ...) is executed
 * by TCG one iteration at a time, each iteration one execution of a block
 * holding that instruction alone. By default (rep=once) it counts once, as a
 * processor counts it among retired instructions: an execution of such a
 * block does not count when the block run before it on that vCPU ended with
 * the same instruction. With rep=each every iteration counts (clearing a page
 * with rep stosb is then 4096 instructions), a measure of bytes moved.
 *
 * Spin-waiting is counted apart too. A kernel block that holds a `pause`
 * (cpu_relax(), in every spin-wait loop: queued spinlocks, the optimistic
 * spinning of mutexes and rwsems, csd_lock_wait) waits for another vCPU,
 * and how long depends on when the host runs which vCPU thread, not on the
 * work: with more vCPUs than host cores, a lock holder's vCPU may be
 * descheduled for a whole host time slice. Its instructions count in K and
 * in S below, so that a report can take S out.
 *
 * At each window's close one line goes to FILE (or QEMU's log):
 *
 *   window SEQ kernel K user U vcpus N K0 U0 K1 U1 ... spin S
 *
 * SEQ counts windows from 1; K and U are the sums over the vCPUs; S is the
 * part of K executed in spin-wait blocks. With
 * profile=on the plugin also counts executions of every kernel block in
 * the window, and after the window's line writes one line per block that ran:
 *
 *   tb SEQ ADDR EXECUTIONS INSTRUCTIONS
 *
 * (ADDR in hex, the block's first instruction; blocks of the same address
 * but another length are separate lines).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

/* Must agree with tests/lib/insn_marker.h. */
#define INSN_MARKER_BASE 0x3f0000000000ULL
#define INSN_MARKER_END_OFF 0x40

#define KERNEL_BIT (1ULL << 63)

/* One vCPU's counters, on a cache line of their own. */
struct vcpu_count {
	uint64_t kernel, user, spin;
	uint64_t base_kernel, base_user, base_spin;
	/* The rep string instruction the last block ended with, or 0. */
	uint64_t rep_pending;
} __attribute__((aligned(64)));

/* A kernel translation block, for the profile. */
struct tb_stat {
	uint64_t vaddr;
	uint64_t n_insns;
	uint64_t execs;
	bool spin;
};

/* A block that ends with a rep string instruction (rep=once). */
struct rep_tb {
	uint64_t n_insns;
	uint64_t rep_vaddr;
	bool kernel;
	struct tb_stat *stat;
};

static struct vcpu_count *counts;
static unsigned int n_vcpus;
static uint64_t marker_begin = INSN_MARKER_BASE;
static uint64_t marker_end = INSN_MARKER_BASE + INSN_MARKER_END_OFF;
static bool profile;
static bool rep_each;
static FILE *out;

static int window_open;
static unsigned int window_seq;
/* Serialises opening, closing and the profile's table. */
static GMutex lock;
static GHashTable *tb_stats;

static bool in_window(void)
{
	return __atomic_load_n(&window_open, __ATOMIC_ACQUIRE);
}

static void user_tb_exec(unsigned int vcpu, void *udata)
{
	if (vcpu >= n_vcpus)
		return;
	counts[vcpu].rep_pending = 0;
	if (in_window())
		counts[vcpu].user += (uintptr_t)udata;
}

static void kernel_tb_exec(unsigned int vcpu, void *udata)
{
	if (vcpu >= n_vcpus)
		return;
	counts[vcpu].rep_pending = 0;
	if (in_window())
		counts[vcpu].kernel += (uintptr_t)udata;
}

/* A kernel block of a spin-wait loop (it holds a `pause`). */
static void spin_tb_exec(unsigned int vcpu, void *udata)
{
	if (vcpu >= n_vcpus)
		return;
	counts[vcpu].rep_pending = 0;
	if (in_window()) {
		counts[vcpu].kernel += (uintptr_t)udata;
		counts[vcpu].spin += (uintptr_t)udata;
	}
}

static void kernel_tb_exec_profile(unsigned int vcpu, void *udata)
{
	struct tb_stat *s = udata;

	if (vcpu >= n_vcpus)
		return;
	counts[vcpu].rep_pending = 0;
	if (!in_window())
		return;
	counts[vcpu].kernel += s->n_insns;
	if (s->spin)
		counts[vcpu].spin += s->n_insns;
	__atomic_fetch_add(&s->execs, 1, __ATOMIC_RELAXED);
}

/*
 * A block ending with a rep string instruction: a block of that instruction
 * alone, run right after a block that ended with it, is the next iteration
 * of the same instruction and does not count.
 */
static void rep_tb_exec(unsigned int vcpu, void *udata)
{
	struct rep_tb *r = udata;
	bool again;

	if (vcpu >= n_vcpus)
		return;
	again = r->n_insns == 1 && counts[vcpu].rep_pending == r->rep_vaddr;
	counts[vcpu].rep_pending = r->rep_vaddr;
	if (again || !in_window())
		return;
	if (!r->kernel) {
		counts[vcpu].user += r->n_insns;
		return;
	}
	counts[vcpu].kernel += r->n_insns;
	if (r->stat)
		__atomic_fetch_add(&r->stat->execs, 1, __ATOMIC_RELAXED);
}

/* Whether an instruction is a string instruction with a rep prefix. */
static bool is_rep_string(const struct qemu_plugin_insn *insn)
{
	const uint8_t *b = qemu_plugin_insn_data(insn);
	size_t len = qemu_plugin_insn_size(insn), i = 0;
	bool rep = false;

	/* Legacy prefixes, then an optional REX prefix. */
	for (; i < len; i++) {
		if (b[i] == 0xf2 || b[i] == 0xf3)
			rep = true;
		else if (b[i] != 0x66 && b[i] != 0x67 && b[i] != 0xf0 && b[i] != 0x2e &&
			 b[i] != 0x36 && b[i] != 0x3e && b[i] != 0x26 && b[i] != 0x64 &&
			 b[i] != 0x65)
			break;
	}
	if (i < len && (b[i] & 0xf0) == 0x40)
		i++;
	if (!rep || i >= len)
		return false;
	/* ins, outs, movs, cmps, stos, lods, scas. */
	return (b[i] >= 0x6c && b[i] <= 0x6f) || (b[i] >= 0xa4 && b[i] <= 0xa7) ||
	       (b[i] >= 0xaa && b[i] <= 0xaf);
}

/* Whether a block holds a `pause` (f3 90): a spin-wait loop. */
static bool has_pause(struct qemu_plugin_tb *tb, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		const uint8_t *b = qemu_plugin_insn_data(insn);

		if (qemu_plugin_insn_size(insn) == 2 && b[0] == 0xf3 && b[1] == 0x90)
			return true;
	}
	return false;
}

static void emit(const char *line)
{
	if (out) {
		fputs(line, out);
		fflush(out);
	} else {
		qemu_plugin_outs(line);
	}
}

static gboolean reset_stat(gpointer key, gpointer value, gpointer data)
{
	struct tb_stat *s = value;

	__atomic_store_n(&s->execs, 0, __ATOMIC_RELAXED);
	return FALSE;
}

/*
 * Each vCPU thread alone writes its counters, so a window starts from a
 * snapshot of them rather than by zeroing them.
 */
static void open_window(unsigned int vcpu, void *udata)
{
	g_mutex_lock(&lock);
	if (!__atomic_load_n(&window_open, __ATOMIC_RELAXED)) {
		for (unsigned int i = 0; i < n_vcpus; i++) {
			counts[i].base_kernel = __atomic_load_n(&counts[i].kernel, __ATOMIC_RELAXED);
			counts[i].base_user = __atomic_load_n(&counts[i].user, __ATOMIC_RELAXED);
			counts[i].base_spin = __atomic_load_n(&counts[i].spin, __ATOMIC_RELAXED);
		}
		if (profile)
			g_hash_table_foreach(tb_stats, (GHFunc)reset_stat, NULL);
		window_seq++;
		__atomic_store_n(&window_open, 1, __ATOMIC_RELEASE);
	}
	g_mutex_unlock(&lock);
}

struct dump_ctx {
	unsigned int seq;
	GString *buf;
};

static void dump_stat(gpointer key, gpointer value, gpointer data)
{
	struct tb_stat *s = value;
	struct dump_ctx *ctx = data;
	uint64_t execs = __atomic_load_n(&s->execs, __ATOMIC_RELAXED);

	if (!execs)
		return;
	g_string_append_printf(ctx->buf, "tb %u %" PRIx64 " %" PRIu64 " %" PRIu64 "\n",
			       ctx->seq, s->vaddr, execs, execs * s->n_insns);
	if (ctx->buf->len > 1 << 20) {
		emit(ctx->buf->str);
		g_string_truncate(ctx->buf, 0);
	}
}

static void close_window_locked(void)
{
	uint64_t sum_k = 0, sum_u = 0, sum_s = 0;
	GString *line, *per_vcpu;

	if (!__atomic_load_n(&window_open, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&window_open, 0, __ATOMIC_RELEASE);
	per_vcpu = g_string_new(NULL);
	for (unsigned int i = 0; i < n_vcpus; i++) {
		uint64_t k = __atomic_load_n(&counts[i].kernel, __ATOMIC_RELAXED) -
			     counts[i].base_kernel;
		uint64_t u = __atomic_load_n(&counts[i].user, __ATOMIC_RELAXED) -
			     counts[i].base_user;

		g_string_append_printf(per_vcpu, " %" PRIu64 " %" PRIu64, k, u);
		sum_k += k;
		sum_u += u;
		sum_s += __atomic_load_n(&counts[i].spin, __ATOMIC_RELAXED) - counts[i].base_spin;
	}
	line = g_string_new(NULL);
	g_string_append_printf(line,
			       "window %u kernel %" PRIu64 " user %" PRIu64 " vcpus %u%s spin %" PRIu64
			       "\n",
			       window_seq, sum_k, sum_u, n_vcpus, per_vcpu->str, sum_s);
	g_string_free(per_vcpu, TRUE);
	if (profile) {
		struct dump_ctx ctx = { window_seq, line };

		g_hash_table_foreach(tb_stats, dump_stat, &ctx);
	}
	emit(line->str);
	g_string_free(line, TRUE);
}

static void close_window(unsigned int vcpu, void *udata)
{
	g_mutex_lock(&lock);
	close_window_locked();
	g_mutex_unlock(&lock);
}

/* The profile's blocks, by address and length. */
static guint stat_hash(gconstpointer p)
{
	const struct tb_stat *s = p;

	return g_int64_hash(&s->vaddr) ^ (guint)s->n_insns;
}

static gboolean stat_equal(gconstpointer a, gconstpointer b)
{
	const struct tb_stat *x = a, *y = b;

	return x->vaddr == y->vaddr && x->n_insns == y->n_insns;
}

static struct tb_stat *find_stat(uint64_t vaddr, uint64_t n_insns, bool spin)
{
	struct tb_stat key = { vaddr, n_insns, 0, false }, *s;

	g_mutex_lock(&lock);
	s = g_hash_table_lookup(tb_stats, &key);
	if (!s) {
		s = g_new0(struct tb_stat, 1);
		s->vaddr = vaddr;
		s->n_insns = n_insns;
		s->spin = spin;
		g_hash_table_insert(tb_stats, s, s);
	}
	g_mutex_unlock(&lock);
	return s;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	struct qemu_plugin_insn *last = n ? qemu_plugin_tb_get_insn(tb, n - 1) : NULL;

	if (!rep_each && last && is_rep_string(last)) {
		struct rep_tb *r = g_new0(struct rep_tb, 1);

		r->n_insns = n;
		r->rep_vaddr = qemu_plugin_insn_vaddr(last);
		r->kernel = vaddr & KERNEL_BIT;
		if (r->kernel && profile)
			r->stat = find_stat(vaddr, n, false);
		qemu_plugin_register_vcpu_tb_exec_cb(tb, rep_tb_exec, QEMU_PLUGIN_CB_NO_REGS, r);
	} else if (vaddr & KERNEL_BIT) {
		bool spin = has_pause(tb, n);

		if (profile)
			qemu_plugin_register_vcpu_tb_exec_cb(tb, kernel_tb_exec_profile,
							     QEMU_PLUGIN_CB_NO_REGS,
							     find_stat(vaddr, n, spin));
		else if (spin)
			qemu_plugin_register_vcpu_tb_exec_cb(tb, spin_tb_exec,
							     QEMU_PLUGIN_CB_NO_REGS,
							     (void *)(uintptr_t)n);
		else
			qemu_plugin_register_vcpu_tb_exec_cb(tb, kernel_tb_exec,
							     QEMU_PLUGIN_CB_NO_REGS,
							     (void *)(uintptr_t)n);
	} else {
		qemu_plugin_register_vcpu_tb_exec_cb(tb, user_tb_exec, QEMU_PLUGIN_CB_NO_REGS,
						     (void *)(uintptr_t)n);
	}
	if (vaddr & KERNEL_BIT)
		return;
	/* The markers: a `ret` at a fixed user address, in any block. */
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t a = qemu_plugin_insn_vaddr(insn);

		if (a == marker_begin)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, open_window,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
		else if (a == marker_end)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, close_window,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
	}
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	g_mutex_lock(&lock);
	close_window_locked();
	g_mutex_unlock(&lock);
	if (out)
		fclose(out);
	out = NULL;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *path = NULL;

	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		const char *val = eq ? eq + 1 : "";
		size_t len = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);

		if (len == 3 && !strncmp(argv[i], "out", 3)) {
			path = val;
		} else if (len == 7 && !strncmp(argv[i], "profile", 7)) {
			if (!qemu_plugin_bool_parse("profile", val, &profile)) {
				/* Also accept profile=1 and profile=0. */
				if (strcmp(val, "1") && strcmp(val, "0")) {
					fprintf(stderr, "insn_count: bad profile=%s\n", val);
					return -1;
				}
				profile = !strcmp(val, "1");
			}
		} else if (len == 3 && !strncmp(argv[i], "rep", 3)) {
			if (strcmp(val, "once") && strcmp(val, "each")) {
				fprintf(stderr, "insn_count: rep=once or rep=each, not %s\n", val);
				return -1;
			}
			rep_each = !strcmp(val, "each");
		} else if (len == 6 && !strncmp(argv[i], "marker", 6)) {
			marker_begin = strtoull(val, NULL, 0);
			marker_end = marker_begin + INSN_MARKER_END_OFF;
		} else {
			fprintf(stderr, "insn_count: unknown argument %s\n", argv[i]);
			return -1;
		}
	}
	if (!info->system_emulation) {
		fprintf(stderr, "insn_count: system emulation only\n");
		return -1;
	}
	n_vcpus = info->system.max_vcpus;
	if (posix_memalign((void **)&counts, 64, n_vcpus * sizeof(*counts)))
		return -1;
	memset(counts, 0, n_vcpus * sizeof(*counts));
	tb_stats = g_hash_table_new(stat_hash, stat_equal);
	if (path) {
		out = fopen(path, "w");
		if (!out) {
			perror(path);
			return -1;
		}
	}
	emit("# insn_count: window SEQ kernel K user U vcpus N (K U) per vCPU spin S;"
	     " tb SEQ ADDR EXECUTIONS INSTRUCTIONS\n");
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
