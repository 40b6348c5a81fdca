// SPDX-License-Identifier: GPL-2.0
/*
 * Memory failure: a page of a file poisoned with MADV_HWPOISON, on rshmem and
 * on tmpfs in the same boot, and everything a program can see of it afterwards
 * compared between the two.
 *
 * A child maps a 4-page file and poisons page 1; the kernel unmaps the page
 * from it and sends it SIGBUS (BUS_MCEERR_AR: it maps the page and asked). The
 * parent then looks at the file with read(2), splice(2) and write(2) (the
 * poisoned page, the others, a range across both), a new mapping (a fault on the poisoned
 * page and on the others), st_blocks and f_bfree, fallocate over the whole
 * file, SEEK_DATA and SEEK_HOLE, and a truncation below the poisoned page and
 * back up, after which the page is an ordinary hole again. A second file has
 * its poisoned page punched out instead. tmpfs keeps a poisoned folio in its
 * page cache so that reads and writes of it fail with EIO and a fault on it
 * raises SIGBUS, instead of the data silently turning into zeros; rshmem must
 * do the same, and every observation must be the same on both.
 *
 * One difference is expected and allowed: madvise(MADV_HWPOISON) itself may
 * return -1 with EBUSY on rshmem where it returns 0 on tmpfs. memory_failure()
 * (mm/memory-failure.c, me_pagecache_clean()) counts the recovery as failed
 * when the folio still has a reference beyond its own after error_remove_folio;
 * only for a shmem mapping (shmem_mapping()) does it expect the page cache's
 * reference that keeping the folio implies, so any other file system that keeps
 * the poisoned folio, as it must to return EIO, is reported as MF_FAILED. The
 * poisoning itself (the page flag, the unmapping, the signal) has happened by
 * then, and the rest of the comparison shows it.
 *
 * Poisoned pages are never given back to the page allocator, on any file
 * system: each run of this test leaks its two poisoned pages on each file
 * system, by design of memory-failure handling (they show in /proc/meminfo's
 * HardwareCorrupted, which must grow by one page per poisoning on both).
 *
 * Each case runs twice: with order-0 folios, and with huge=always, where the
 * file sits in a PMD-size folio that memory failure splits first; the split
 * drops the pages past the file's end, which both must give back to size= at
 * once (rshmem from its error_remove_folio, tmpfs from the split itself).
 *
 * Needs CONFIG_MEMORY_FAILURE and CAP_SYS_ADMIN; skips without them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/falloc.h>

#include "kselftest_harness.h"

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif
#ifndef BUS_MCEERR_AR
#define BUS_MCEERR_AR 4
#endif

#include "../lib/page.h"
#define PAGES 4
#define MAX_OBS 96

/* One file system's observations, in the order they were made. */
struct obs {
	int n;
	struct {
		const char *name;
		long v;
	} e[MAX_OBS];
};

static void note(struct obs *o, const char *name, long v)
{
	if (o->n < MAX_OBS) {
		o->e[o->n].name = name;
		o->e[o->n].v = v;
	}
	o->n++;
}

/* A system call's result: its return value, and errno when it failed. */
static void note_ret(struct obs *o, const char *name, long ret)
{
	int err = ret < 0 ? errno : 0;
	char *n;

	note(o, name, ret);
	if (asprintf(&n, "%s.errno", name) < 0)
		n = "(no memory)";
	note(o, n, err);
}

/* SIGBUS: what arrived, and where a probe goes back to. */
static sigjmp_buf probe_jmp;
static volatile sig_atomic_t probing;
static volatile sig_atomic_t got_sig, got_code, got_lsb;
static void *volatile got_addr;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	got_sig = sig;
	got_code = si->si_code;
	got_addr = si->si_addr;
	got_lsb = si->si_addr_lsb;
	if (probing)
		siglongjmp(probe_jmp, 1);
}

static void catch_sigbus(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

/*
 * Whether the @len bytes at @p all equal @want, read through a mapping; a
 * SIGBUS counts as not. The signal and its code go to @o as @what.
 */
static int probe_equal(struct obs *o, const char *what, const volatile char *p,
		       size_t len, char want)
{
	char *ns, *nc;
	int ok = 1;

	got_sig = 0;
	got_code = 0;
	probing = 1;
	if (sigsetjmp(probe_jmp, 1) == 0) {
		for (size_t i = 0; i < len; i++)
			if (p[i] != want) {
				ok = 0;
				break;
			}
	} else {
		ok = 0;
	}
	probing = 0;
	if (asprintf(&ns, "%s.signal", what) < 0)
		ns = "(no memory)";
	if (asprintf(&nc, "%s.si_code", what) < 0)
		nc = "(no memory)";
	note(o, ns, got_sig);
	note(o, nc, got_code);
	return ok;
}

/* Writes @c at @p through a mapping; the signal and its code go to @o as @what. */
static void probe_write(struct obs *o, const char *what, volatile char *p, char c)
{
	char *ns, *nc;

	got_sig = 0;
	got_code = 0;
	probing = 1;
	if (sigsetjmp(probe_jmp, 1) == 0)
		*p = c;
	probing = 0;
	if (asprintf(&ns, "%s.signal", what) < 0)
		ns = "(no memory)";
	if (asprintf(&nc, "%s.si_code", what) < 0)
		nc = "(no memory)";
	note(o, ns, got_sig);
	note(o, nc, got_code);
}

static char pattern(int page)
{
	return 'A' + page;
}

static int all_equal(const char *buf, size_t len, char want)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != want)
			return 0;
	return 1;
}

/* Whether page @page of @fd reads back by pread(2) as all @want. */
static int page_reads(int fd, int page, char want)
{
	static char buf[PAGE];

	return pread(fd, buf, PAGE, (off_t)page * PAGE) == PAGE &&
	       all_equal(buf, PAGE, want);
}

/* splice(2) of one page of @fd into a pipe: what it returns. */
static long splice_page(int fd, loff_t off)
{
	int p[2];
	long ret;
	int err;

	if (pipe(p))
		return -1;
	ret = splice(fd, &off, p[1], NULL, PAGE, 0);
	err = errno;
	close(p[0]);
	close(p[1]);
	errno = err;
	return ret;
}

static long blocks_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : (long)st.st_blocks;
}

static long free_blocks(const char *dir)
{
	struct statfs sfs;

	return statfs(dir, &sfs) ? -1 : (long)sfs.f_bfree;
}

/* A new file of PAGES pages, page i all pattern(i). */
static int make_file(const char *path)
{
	static char buf[PAGES * PAGE];
	int fd;

	for (int i = 0; i < PAGES; i++)
		memset(buf + i * PAGE, pattern(i), PAGE);
	fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	if (fd < 0)
		return -1;
	if (pwrite(fd, buf, sizeof(buf), 0) != sizeof(buf)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A /proc/meminfo figure, in kB. */
static long meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char k[64];
	long v, found = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld kB", k, &v) == 2)
		if (!strncmp(k, key, strlen(key)) && k[strlen(key)] == ':')
			found = v;
	fclose(f);
	return found;
}

/* What the poisoning child saw. */
struct poisoning {
	int done;
	int madv_ret, madv_errno;
	int sig, code, lsb;
	long addr_off;
};

/*
 * Poisons page 1 of @fd from a child that maps the file shared, and records in
 * @o what madvise() returned and which signal the child got. Returns 0, or -1
 * when the child could not do it at all.
 */
static int poison_page1(int fd, struct obs *o, struct poisoning *out)
{
	struct poisoning *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long corrupted = meminfo("HardwareCorrupted");
	pid_t pid;
	int status;

	if (r == MAP_FAILED)
		return -1;
	memset(r, 0, sizeof(*r));
	pid = fork();
	if (pid == 0) {
		volatile char *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE,
					MAP_SHARED, fd, 0);
		int ret;

		if (p == MAP_FAILED)
			_exit(1);
		catch_sigbus();
		for (int i = 0; i < PAGES; i++)
			(void)p[i * PAGE];
		/* Nothing left from an earlier signal of the parent's. */
		got_sig = got_code = got_lsb = 0;
		got_addr = NULL;
		ret = madvise((char *)p + PAGE, PAGE, MADV_HWPOISON);
		r->madv_ret = ret;
		r->madv_errno = ret ? errno : 0;
		/* The signal was handled on the way out of madvise(). */
		r->sig = got_sig;
		r->code = got_code;
		r->lsb = got_lsb;
		r->addr_off = got_sig ? (char *)got_addr - (char *)p : -1;
		r->done = 1;
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) || !r->done) {
		munmap(r, sizeof(*r));
		return -1;
	}
	*out = *r;
	munmap(r, sizeof(*r));
	note(o, "madvise.ret", out->madv_ret);
	note(o, "madvise.errno", out->madv_errno);
	note(o, "poisoner.signal", out->sig);
	note(o, "poisoner.si_code", out->code);
	note(o, "poisoner.si_addr_offset", out->addr_off);
	note(o, "poisoner.si_addr_lsb", out->lsb);
	/* The kernel's count of poisoned memory: one page more, on either. */
	note(o, "HardwareCorrupted_kB_change", meminfo("HardwareCorrupted") - corrupted);
	return 0;
}

/*
 * The first file: the poisoned page with read, write, a fault, the accounting,
 * fallocate, SEEK_DATA/SEEK_HOLE, then a truncation below it and back up.
 */
static const char *poison_and_look(const char *dir, struct obs *o, struct poisoning *pz)
{
	static char path[256], buf[2 * PAGE];
	long free0 = free_blocks(dir), free1, blocks1;
	volatile char *m;
	int fd;

	snprintf(path, sizeof(path), "%s/poisoned", dir);
	fd = make_file(path);
	if (fd < 0)
		return "creating the file";
	blocks1 = blocks_of(fd);
	free1 = free_blocks(dir);
	if (poison_page1(fd, o, pz))
		return "the poisoning child failed";

	/* read(2): the poisoned page, the others, a range across pages 0-1. */
	note_ret(o, "pread_page1", pread(fd, buf, PAGE, PAGE));
	note(o, "pread_page0_intact", page_reads(fd, 0, pattern(0)));
	note(o, "pread_page2_intact", page_reads(fd, 2, pattern(2)));
	note(o, "pread_page3_intact", page_reads(fd, 3, pattern(3)));
	memset(buf, 0, sizeof(buf));
	note_ret(o, "pread_pages0_1", pread(fd, buf, 2 * PAGE, 0));
	note(o, "pread_pages0_1_head_intact", all_equal(buf, PAGE, pattern(0)));
	note_ret(o, "splice_page1", splice_page(fd, PAGE));
	note_ret(o, "splice_page0", splice_page(fd, 0));

	/* write(2): into the poisoned page, and across pages 0-1 (page 0 unchanged). */
	memset(buf, 'w', PAGE);
	note_ret(o, "pwrite_page1", pwrite(fd, buf, PAGE, PAGE));
	memset(buf, pattern(0), PAGE);
	memset(buf + PAGE, 'w', PAGE);
	note_ret(o, "pwrite_pages0_1", pwrite(fd, buf, 2 * PAGE, 0));
	memset(buf, pattern(2), PAGE);
	note_ret(o, "pwrite_page2", pwrite(fd, buf, PAGE, 2 * PAGE));
	note(o, "pread_page0_intact_after_writes", page_reads(fd, 0, pattern(0)));
	note(o, "pread_page2_intact_after_writes", page_reads(fd, 2, pattern(2)));

	/* A new mapping: a fault on the poisoned page, and on the others. */
	m = mmap(NULL, PAGES * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return "mmap";
	note(o, "fault_page1_intact", probe_equal(o, "fault_page1", m + PAGE, PAGE, pattern(1)));
	note(o, "fault_page1_si_addr_offset",
	     got_sig ? (long)((char *)got_addr - (char *)m) : -1);
	for (int i = 0; i < PAGES; i += 1 + (i == 0)) {
		static const char *const names[PAGES] = {
			"fault_page0", NULL, "fault_page2", "fault_page3"
		};
		note(o, names[i], probe_equal(o, names[i], m + i * PAGE, PAGE, pattern(i)));
	}
	munmap((void *)m, PAGES * PAGE);
	/* A write fault on it, in a mapping of its own. */
	m = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return "mmap";
	probe_write(o, "write_fault_page1", m + PAGE, 'x');
	probe_write(o, "write_fault_page2", m + 2 * PAGE, pattern(2));
	munmap((void *)m, PAGES * PAGE);
	note(o, "pread_page2_intact_after_write_fault", page_reads(fd, 2, pattern(2)));

	/* The accounting: the poisoned page is still the file's. */
	note(o, "st_blocks_change", blocks_of(fd) - blocks1);
	note(o, "f_bfree_change", free_blocks(dir) - free1);
	note_ret(o, "fsync", fsync(fd));

	/* fallocate over the whole file. */
	note_ret(o, "fallocate_all", fallocate(fd, 0, 0, PAGES * PAGE));
	note(o, "st_blocks_change_after_fallocate", blocks_of(fd) - blocks1);
	note(o, "pread_page0_intact_after_fallocate", page_reads(fd, 0, pattern(0)));
	note_ret(o, "pread_page1_after_fallocate", pread(fd, buf, PAGE, PAGE));

	/* SEEK_DATA and SEEK_HOLE from each page. */
	for (int i = 0; i < PAGES; i++) {
		static const char *const names[2][PAGES] = {
			{ "seek_data_0", "seek_data_1", "seek_data_2", "seek_data_3" },
			{ "seek_hole_0", "seek_hole_1", "seek_hole_2", "seek_hole_3" },
		};
		note_ret(o, names[0][i], lseek(fd, (off_t)i * PAGE, SEEK_DATA));
		note_ret(o, names[1][i], lseek(fd, (off_t)i * PAGE, SEEK_HOLE));
	}

	/* Truncated below the poisoned page and back up: an ordinary hole. */
	note_ret(o, "ftruncate_down", ftruncate(fd, PAGE));
	note(o, "st_blocks_after_truncate_down", blocks_of(fd));
	note_ret(o, "ftruncate_up", ftruncate(fd, PAGES * PAGE));
	note(o, "pread_page0_intact_after_truncate", page_reads(fd, 0, pattern(0)));
	note(o, "pread_page1_zeros_after_truncate", page_reads(fd, 1, 0));
	memset(buf, 'n', PAGE);
	note_ret(o, "pwrite_page1_after_truncate", pwrite(fd, buf, PAGE, PAGE));
	note(o, "pread_page1_written_after_truncate", page_reads(fd, 1, 'n'));
	note(o, "st_blocks_after_rewrite", blocks_of(fd));
	m = mmap(NULL, PAGES * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return "mmap";
	note(o, "fault_page1_after_truncate",
	     probe_equal(o, "fault_page1_after_truncate", m + PAGE, PAGE, 'n'));
	munmap((void *)m, PAGES * PAGE);
	close(fd);

	/* The space comes back to the file system (the page does not to the kernel). */
	note(o, "unlink", unlink(path));
	note(o, "f_bfree_change_after_unlink", free_blocks(dir) - free0);
	return NULL;
}

/* The second file: the poisoned page punched out. */
static const char *poison_and_punch(const char *dir, struct obs *o, struct poisoning *pz)
{
	static char path[256], buf[PAGE];
	long free0 = free_blocks(dir), blocks1;
	volatile char *m;
	int fd;

	snprintf(path, sizeof(path), "%s/punched", dir);
	fd = make_file(path);
	if (fd < 0)
		return "creating the file";
	blocks1 = blocks_of(fd);
	if (poison_page1(fd, o, pz))
		return "the poisoning child failed";
	note_ret(o, "pread_page1_before_punch", pread(fd, buf, PAGE, PAGE));
	note_ret(o, "punch_page1", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					     PAGE, PAGE));
	note(o, "st_blocks_change_after_punch", blocks_of(fd) - blocks1);
	note(o, "pread_page1_zeros_after_punch", page_reads(fd, 1, 0));
	note(o, "seek_hole_after_punch", lseek(fd, 0, SEEK_HOLE));
	for (int i = 0; i < PAGES; i += 1 + (i == 0)) {
		static const char *const names[PAGES] = {
			"pread_page0_intact_after_punch", NULL,
			"pread_page2_intact_after_punch", "pread_page3_intact_after_punch"
		};
		note(o, names[i], page_reads(fd, i, pattern(i)));
	}
	memset(buf, 'p', PAGE);
	note_ret(o, "pwrite_page1_after_punch", pwrite(fd, buf, PAGE, PAGE));
	note(o, "pread_page1_written_after_punch", page_reads(fd, 1, 'p'));
	note(o, "st_blocks_change_after_rewrite", blocks_of(fd) - blocks1);
	m = mmap(NULL, PAGES * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return "mmap";
	note(o, "fault_page1_after_punch",
	     probe_equal(o, "fault_page1_after_punch", m + PAGE, PAGE, 'p'));
	munmap((void *)m, PAGES * PAGE);
	close(fd);
	note(o, "unlink", unlink(path));
	note(o, "f_bfree_change_after_unlink", free_blocks(dir) - free0);
	return NULL;
}

FIXTURE(hwpoison) {
	char dir[2][128];
};

/*
 * Each case runs twice: with order-0 folios, and with huge=always, where the
 * file's pages sit in one PMD-size folio (written by write(2)), which memory
 * failure splits before it poisons the page.
 */
FIXTURE_VARIANT(hwpoison) {
	const char *opts;
};

FIXTURE_VARIANT_ADD(hwpoison, order0) { .opts = "size=16m" };
FIXTURE_VARIANT_ADD(hwpoison, huge) { .opts = "size=16m,huge=always" };

static const char *const fs_types[2] = { "rshmem", "tmpfs" };

FIXTURE_SETUP(hwpoison)
{
	catch_sigbus();
	for (int i = 0; i < 2; i++) {
		snprintf(self->dir[i], sizeof(self->dir[i]), "/tmp/hwpoison.%s.%d",
			 fs_types[i], getpid());
		ASSERT_EQ(0, mkdir(self->dir[i], 0755));
		ASSERT_EQ(0, mount("none", self->dir[i], fs_types[i], 0, variant->opts)) {
			TH_LOG("mount %s: %s", fs_types[i], strerror(errno));
		}
	}
}

FIXTURE_TEARDOWN(hwpoison)
{
	for (int i = 0; i < 2; i++) {
		umount2(self->dir[i], MNT_DETACH);
		rmdir(self->dir[i]);
	}
}

/*
 * Whether this kernel and this process can poison a page at all: an advice the
 * kernel does not know is EINVAL even for an empty range (which is otherwise a
 * no-op), and the capability is root's.
 */
static int hwpoison_unavailable(const char **why)
{
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ret = p == MAP_FAILED ? -1 : madvise(p, 0, MADV_HWPOISON);

	if (p != MAP_FAILED)
		munmap(p, PAGE);
	*why = NULL;
	if (ret)
		*why = "no CONFIG_MEMORY_FAILURE: MADV_HWPOISON is unknown";
	else if (geteuid() != 0)
		*why = "MADV_HWPOISON needs CAP_SYS_ADMIN: run as root";
	return *why != NULL;
}

/*
 * Compares the two lists: every observation equal, but for madvise()'s result,
 * which may be -1/EBUSY on rshmem where tmpfs has 0 (see the top).
 */
static void compare(struct __test_metadata *_metadata, struct obs *o)
{
	struct obs *r = &o[0], *t = &o[1];

	ASSERT_GE(MAX_OBS, r->n);
	ASSERT_EQ(r->n, t->n);
	for (int i = 0; i < r->n; i++) {
		const char *name = r->e[i].name;
		long rv = r->e[i].v, tv = t->e[i].v;
		int allowed = 0;

		ASSERT_STREQ(name, t->e[i].name);
		if (!strcmp(name, "madvise.ret"))
			allowed = rv == -1 && tv == 0;
		else if (!strcmp(name, "madvise.errno"))
			allowed = rv == EBUSY && tv == 0;
		printf("# %-40s rshmem %6ld  tmpfs %6ld%s\n", name, rv, tv,
		       rv == tv ? "" : allowed ? "  (allowed: see the top)" : "  DIFFERS");
		if (!allowed)
			EXPECT_EQ(tv, rv) {
				TH_LOG("%s: rshmem %ld, tmpfs %ld", name, rv, tv);
			}
	}
}

static long value(const struct obs *o, const char *name)
{
	for (int i = 0; i < o->n && i < MAX_OBS; i++)
		if (!strcmp(o->e[i].name, name))
			return o->e[i].v;
	return -12345;
}

/*
 * What tmpfs must show of the poisoning, so that the comparison compares
 * something. The poisoner gets SIGBUS for the page it maps; with huge=always,
 * memory failure first splits the PMD-size folio, and the split unmaps it from
 * the poisoner, which then gets no signal.
 */
static void check_tmpfs(struct __test_metadata *_metadata, const struct poisoning *pz,
			const struct obs *t, int huge)
{
	EXPECT_EQ(0, pz->madv_ret);
	if (huge) {
		EXPECT_EQ(0, pz->sig);
	} else {
		EXPECT_EQ(SIGBUS, pz->sig);
		EXPECT_EQ(BUS_MCEERR_AR, pz->code);
		EXPECT_EQ(PAGE, pz->addr_off);
	}
	EXPECT_EQ(PAGE / 1024, value(t, "HardwareCorrupted_kB_change"));
}

TEST_F(hwpoison, read_write_fault_accounting_truncate)
{
	static struct obs o[2];
	struct poisoning pz[2];

	const char *why;

	if (hwpoison_unavailable(&why))
		SKIP(return, "%s", why);
	for (int i = 0; i < 2; i++) {
		const char *err = poison_and_look(self->dir[i], &o[i], &pz[i]);

		ASSERT_TRUE(err == NULL) {
			TH_LOG("%s: %s: %s", fs_types[i], err, strerror(errno));
		}
	}
	check_tmpfs(_metadata, &pz[1], &o[1], strstr(variant->opts, "huge") != NULL);
	EXPECT_EQ(-1, value(&o[1], "pread_page1"));
	EXPECT_EQ(EIO, value(&o[1], "pread_page1.errno"));
	EXPECT_EQ(-1, value(&o[1], "pwrite_page1"));
	EXPECT_EQ(EIO, value(&o[1], "pwrite_page1.errno"));
	EXPECT_EQ(SIGBUS, value(&o[1], "fault_page1.signal"));
	EXPECT_EQ(SIGBUS, value(&o[1], "write_fault_page1.signal"));
	EXPECT_EQ(0, value(&o[1], "write_fault_page2.signal"));
	EXPECT_EQ(1, value(&o[1], "pread_page1_zeros_after_truncate"));
	/*
	 * With huge=always the split drops the folio's pages past the 4-page
	 * file's end: 508 pages back to size= at once, on both.
	 */
	if (strstr(variant->opts, "huge"))
		EXPECT_EQ(508, value(&o[1], "f_bfree_change"));
	compare(_metadata, o);
}

TEST_F(hwpoison, punch_out_the_poisoned_page)
{
	static struct obs o[2];
	struct poisoning pz[2];

	const char *why;

	if (hwpoison_unavailable(&why))
		SKIP(return, "%s", why);
	for (int i = 0; i < 2; i++) {
		const char *err = poison_and_punch(self->dir[i], &o[i], &pz[i]);

		ASSERT_TRUE(err == NULL) {
			TH_LOG("%s: %s: %s", fs_types[i], err, strerror(errno));
		}
	}
	check_tmpfs(_metadata, &pz[1], &o[1], strstr(variant->opts, "huge") != NULL);
	EXPECT_EQ(-1, value(&o[1], "pread_page1_before_punch"));
	EXPECT_EQ(1, value(&o[1], "pread_page1_zeros_after_punch"));
	EXPECT_EQ(1, value(&o[1], "pread_page1_written_after_punch"));
	compare(_metadata, o);
}

TEST_HARNESS_MAIN
