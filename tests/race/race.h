/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the race tests share: the stress knob, SIGBUS recovery, and stopping
 * the helper processes.
 */
#ifndef RSHMEM_RACE_H
#define RSHMEM_RACE_H

#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

/* RSHMEM_STRESS=N (make check STRESS=N): N times the iterations. */
static inline int stress(void)
{
	const char *s = getenv("RSHMEM_STRESS");

	return s && atoi(s) > 0 ? atoi(s) : 1;
}

static sigjmp_buf race_jmp;

static inline void race_on_sigbus(int sig)
{
	siglongjmp(race_jmp, 1);
}

/* Recovers from SIGBUS (at a sigsetjmp(race_jmp, 1)) for the rest of the process. */
static inline void survive_sigbus(void)
{
	struct sigaction sa = { .sa_handler = race_on_sigbus };

	sigaction(SIGBUS, &sa, NULL);
}

static inline void kill_all(pid_t *pids, int n)
{
	for (int i = 0; i < n; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
}

#endif
