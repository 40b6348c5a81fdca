/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The LSM of the test kernel that labels new files (Smack): whether it runs,
 * and what its label of a new inode takes of nr_inodes='s space.
 */
#ifndef RSHMEM_LSM_H
#define RSHMEM_LSM_H

#include <fcntl.h>
#include <unistd.h>

/*
 * Whether Smack runs in this kernel: built in and in CONFIG_LSM (or lsm=),
 * it answers with the task's label.
 */
static inline int smack_active(void)
{
	char label[64];
	int fd = open("/proc/self/attr/smack/current", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, label, sizeof(label));
	close(fd);
	return n > 0;
}

/*
 * What the LSM's label of a new inode takes of nr_inodes='s space, on tmpfs
 * and rshmem alike: Smack's "security.SMACK64" = "_" is 40 + 16 + 1 bytes of
 * the 1024 an inode counts for (shmem_initxattrs).
 */
static inline long lsm_label_space(void)
{
	return smack_active() ? 57 : 0;
}

#endif
