/* SPDX-License-Identifier: GPL-2.0 */
/*
 * File handles for the tests: taking one of a path (name_to_handle_at) and
 * opening it again through a directory of the same instance
 * (open_by_handle_at). Needs _GNU_SOURCE and <fcntl.h>.
 */
#ifndef RSHMEM_HANDLE_H
#define RSHMEM_HANDLE_H

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

struct handle {
	struct file_handle fh;
	unsigned char bytes[MAX_HANDLE_SZ];
};

static inline int get_handle(const char *path, struct handle *h)
{
	int mount_id;

	h->fh.handle_bytes = MAX_HANDLE_SZ;
	return name_to_handle_at(AT_FDCWD, path, &h->fh, &mount_id, 0);
}

/* Opens @h with @flags through @dir, a directory of the handle's instance. */
static inline int open_handle(const char *dir, struct handle *h, int flags)
{
	int mfd = open(dir, O_RDONLY | O_DIRECTORY);
	int fd, err;

	if (mfd < 0)
		return -1;
	fd = open_by_handle_at(mfd, &h->fh, flags);
	err = errno;
	close(mfd);
	errno = err;
	return fd;
}

#endif
