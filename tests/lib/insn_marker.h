/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Markers for the instruction-counting QEMU plugin (qemu/plugin/insn_count.c):
 * a guest program calls marker_begin() and marker_end() around the part it
 * wants counted, a measurement window. The markers are `ret` instructions on
 * a page mapped at a fixed user address, INSN_MARKER_BASE, that the plugin
 * knows: calling INSN_MARKER_BASE opens a window, calling INSN_MARKER_BASE +
 * INSN_MARKER_END_OFF closes it. Without the plugin they are two cheap
 * calls; without marker_setup(), or if the page cannot be mapped there, they
 * do nothing at all.
 *
 * Call marker_setup() once, before forking if children are to call the
 * markers too. The address and offset must agree with the plugin's.
 */
#ifndef RSHMEM_INSN_MARKER_H
#define RSHMEM_INSN_MARKER_H

#include <string.h>
#include <sys/mman.h>

#define INSN_MARKER_BASE 0x3f0000000000UL
#define INSN_MARKER_END_OFF 0x40
#define INSN_MARKER_RET 0xc3

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

typedef void (*insn_marker_fn)(void);

static insn_marker_fn insn_marker_begin_fn, insn_marker_end_fn;

/* Maps the marker page. Returns 0, or -1 if the address is taken. */
static inline int marker_setup(void)
{
	void *p = mmap((void *)INSN_MARKER_BASE, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	if (p != (void *)INSN_MARKER_BASE) {
		/* An old kernel took the address as a hint only. */
		munmap(p, 4096);
		return -1;
	}
	/* Every byte a `ret`: whatever the call lands on returns at once. */
	memset(p, INSN_MARKER_RET, 4096);
	if (mprotect(p, 4096, PROT_READ | PROT_EXEC)) {
		munmap(p, 4096);
		return -1;
	}
	insn_marker_begin_fn = (insn_marker_fn)INSN_MARKER_BASE;
	insn_marker_end_fn = (insn_marker_fn)(INSN_MARKER_BASE + INSN_MARKER_END_OFF);
	return 0;
}

/* Opens a window: counting starts. */
static inline void marker_begin(void)
{
	if (insn_marker_begin_fn)
		insn_marker_begin_fn();
}

/* Closes the window: the plugin writes its counts. */
static inline void marker_end(void)
{
	if (insn_marker_end_fn)
		insn_marker_end_fn();
}

#endif
