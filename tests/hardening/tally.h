/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tally the comparison tests (boundary.c, mount_values.c) keep: cases
 * compared with tmpfs, how many differ, and how many of those differences are
 * expected. The harness runs each TEST in a child process, so the run's total
 * lives in shared memory and is printed at exit: "# NAME: N cases compared,
 * M differ (K of them expected)".
 */
#ifndef RSHMEM_TALLY_H
#define RSHMEM_TALLY_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct tally {
	long cases, differ, expected;
};

static struct tally *tally_total;
static const char *tally_name;

static inline void tally_print(const char *name, const struct tally *t)
{
	printf("# %s: %ld cases compared, %ld differ", name, t->cases, t->differ);
	if (t->expected)
		printf(" (%ld of them expected)", t->expected);
}

/* Adds a TEST's tally to the run's total. */
static inline void tally_add(const struct tally *t)
{
	__atomic_add_fetch(&tally_total->cases, t->cases, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&tally_total->differ, t->differ, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&tally_total->expected, t->expected, __ATOMIC_SEQ_CST);
}

static inline void tally_print_total(void)
{
	tally_print(tally_name, tally_total);
	printf("\n");
	fflush(stdout);
}

/* Sets up the run's total, printed under @name at exit; 0, or -1 without memory. */
static inline int tally_init(const char *name)
{
	tally_total = mmap(NULL, sizeof(*tally_total), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tally_total == MAP_FAILED)
		return -1;
	memset(tally_total, 0, sizeof(*tally_total));
	tally_name = name;
	atexit(tally_print_total);
	return 0;
}

#endif
