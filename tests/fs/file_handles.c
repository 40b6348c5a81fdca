// SPDX-License-Identifier: GPL-2.0
/*
 * File handles: name_to_handle_at and open_by_handle_at on rshmem as on tmpfs
 * (shmem_export_ops). A handle is three words, of type FILEID_INO32_GEN (1): the
 * inode's generation and its 64-bit number. It opens the file, or the directory,
 * while the inode is in memory, after the dentry cache is dropped too, and is
 * stale (ESTALE) once the inode is evicted or when its generation is not the
 * inode's. A buffer too small fails with EOVERFLOW and the size it needs.
 * open_by_handle_at needs CAP_DAC_READ_SEARCH: the suite runs as root.
 */
#define _GNU_SOURCE
/* Also on huge=always instances (fs_fixture.h). */
#define FS_FIXTURE_HUGE
#include "fs_fixture.h"
#include "../lib/handle.h"

#define HANDLE_BYTES 12	/* shmem_encode_fh: three __u32 */
#define HANDLE_TYPE 1	/* FILEID_INO32_GEN */

static int drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, "2", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

static void make_file(struct __test_metadata *_metadata, const char *path,
		      const char *data)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0644);

	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(data), write(fd, data, strlen(data)));
	ASSERT_EQ(0, close(fd));
}

/* The handle's shape, and the inode number it carries (words 1 and 2). */
TEST_F(fs, handle_shape)
{
	struct handle h, again;
	struct stat st;
	unsigned int w[3];

	snprintf(self->path, sizeof(self->path), "%s/f", self->dir);
	make_file(_metadata, self->path, "x");
	ASSERT_EQ(0, get_handle(self->path, &h));
	EXPECT_EQ(HANDLE_BYTES, h.fh.handle_bytes);
	EXPECT_EQ(HANDLE_TYPE, h.fh.handle_type);
	ASSERT_EQ(0, stat(self->path, &st));
	memcpy(w, h.fh.f_handle, sizeof(w));
	EXPECT_EQ((unsigned long long)st.st_ino,
		  ((unsigned long long)w[2] << 32) | w[1]);
	/* The same inode gives the same handle. */
	ASSERT_EQ(0, get_handle(self->path, &again));
	EXPECT_EQ(0, memcmp(h.fh.f_handle, again.fh.f_handle, HANDLE_BYTES));
	/* The directory's: the same shape. */
	ASSERT_EQ(0, get_handle(self->dir, &h));
	EXPECT_EQ(HANDLE_BYTES, h.fh.handle_bytes);
	EXPECT_EQ(HANDLE_TYPE, h.fh.handle_type);
	TH_LOG("%s: handle_bytes %u handle_type %d", variant->type,
	       h.fh.handle_bytes, h.fh.handle_type);
}

/* A buffer too small: EOVERFLOW, and handle_bytes says what is needed. */
TEST_F(fs, buffer_too_small)
{
	struct handle h;
	int mount_id;

	snprintf(self->path, sizeof(self->path), "%s/f", self->dir);
	make_file(_metadata, self->path, "x");
	for (unsigned int size = 0; size < HANDLE_BYTES; size += 4) {
		h.fh.handle_bytes = size;
		errno = 0;
		EXPECT_EQ(-1, name_to_handle_at(AT_FDCWD, self->path, &h.fh,
						&mount_id, 0));
		EXPECT_EQ(EOVERFLOW, errno);
		EXPECT_EQ(HANDLE_BYTES, h.fh.handle_bytes);
	}
	h.fh.handle_bytes = HANDLE_BYTES;
	EXPECT_EQ(0, name_to_handle_at(AT_FDCWD, self->path, &h.fh, &mount_id, 0));
}

/* A file's handle opens it and reads its data, also after drop_caches. */
TEST_F(fs, open_file)
{
	struct handle h;
	char buf[32] = "";
	struct stat st, hst;
	int fd;

	snprintf(self->path, sizeof(self->path), "%s/f", self->dir);
	make_file(_metadata, self->path, "by handle");
	ASSERT_EQ(0, get_handle(self->path, &h));
	ASSERT_EQ(0, stat(self->path, &st));
	for (int round = 0; round < 2; round++) {
		if (round)
			ASSERT_EQ(0, drop_caches());
		fd = open_handle(self->dir, &h, O_RDONLY);
		ASSERT_LE(0, fd) TH_LOG("round %d: %s", round, strerror(errno));
		ASSERT_EQ(9, read(fd, buf, sizeof(buf) - 1));
		EXPECT_STREQ("by handle", buf);
		ASSERT_EQ(0, fstat(fd, &hst));
		EXPECT_EQ(st.st_ino, hst.st_ino);
		EXPECT_EQ(0, close(fd));
	}
	/* And for writing. */
	fd = open_handle(self->dir, &h, O_WRONLY | O_APPEND);
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, write(fd, "!", 1));
	EXPECT_EQ(0, close(fd));
	ASSERT_EQ(0, stat(self->path, &st));
	EXPECT_EQ(10, st.st_size);
}

/* A directory's handle, and a subdirectory's, open the directory. */
TEST_F(fs, open_directory)
{
	struct handle h, root;
	struct stat st, hst;
	int fd;

	snprintf(self->path, sizeof(self->path), "%s/d", self->dir);
	ASSERT_EQ(0, mkdir(self->path, 0755));
	ASSERT_EQ(0, get_handle(self->path, &h));
	ASSERT_EQ(0, get_handle(self->dir, &root));
	ASSERT_EQ(0, drop_caches());
	fd = open_handle(self->dir, &h, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, fstat(fd, &hst));
	ASSERT_EQ(0, stat(self->path, &st));
	EXPECT_EQ(st.st_ino, hst.st_ino);
	/* A name made through it is in the directory. */
	EXPECT_EQ(0, mkdirat(fd, "sub", 0755));
	EXPECT_EQ(0, close(fd));
	snprintf(self->path, sizeof(self->path), "%s/d/sub", self->dir);
	EXPECT_EQ(0, stat(self->path, &st));
	fd = open_handle(self->dir, &root, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &hst));
	ASSERT_EQ(0, stat(self->dir, &st));
	EXPECT_EQ(st.st_ino, hst.st_ino);
	EXPECT_EQ(0, close(fd));
}

/*
 * Unlinked: the handle still opens the inode while a descriptor keeps it in
 * memory, and is stale once it is closed and the inode evicted. A removed
 * directory's handle is stale too.
 */
TEST_F(fs, stale_after_unlink)
{
	struct handle h;
	char buf[8] = "";
	int fd, hfd;

	snprintf(self->path, sizeof(self->path), "%s/f", self->dir);
	make_file(_metadata, self->path, "kept");
	ASSERT_EQ(0, get_handle(self->path, &h));
	fd = open(self->path, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, unlink(self->path));
	hfd = open_handle(self->dir, &h, O_RDONLY);
	ASSERT_LE(0, hfd) TH_LOG("open while held: %s", strerror(errno));
	EXPECT_EQ(4, read(hfd, buf, sizeof(buf) - 1));
	EXPECT_STREQ("kept", buf);
	EXPECT_EQ(0, close(hfd));
	EXPECT_EQ(0, close(fd));
	errno = 0;
	EXPECT_EQ(-1, open_handle(self->dir, &h, O_RDONLY));
	EXPECT_EQ(ESTALE, errno);
	ASSERT_EQ(0, drop_caches());
	errno = 0;
	EXPECT_EQ(-1, open_handle(self->dir, &h, O_RDONLY));
	EXPECT_EQ(ESTALE, errno);

	snprintf(self->path, sizeof(self->path), "%s/d", self->dir);
	ASSERT_EQ(0, mkdir(self->path, 0755));
	ASSERT_EQ(0, get_handle(self->path, &h));
	ASSERT_EQ(0, rmdir(self->path));
	errno = 0;
	EXPECT_EQ(-1, open_handle(self->dir, &h, O_RDONLY | O_DIRECTORY));
	EXPECT_EQ(ESTALE, errno);
}

/* A handle whose generation, or number, is not the inode's is stale. */
TEST_F(fs, stale_generation)
{
	struct handle h, bad;
	unsigned int w;
	int fd;

	snprintf(self->path, sizeof(self->path), "%s/f", self->dir);
	make_file(_metadata, self->path, "x");
	ASSERT_EQ(0, get_handle(self->path, &h));
	bad = h;
	memcpy(&w, bad.fh.f_handle, 4);
	w ^= 1;
	memcpy(bad.fh.f_handle, &w, 4);
	errno = 0;
	EXPECT_EQ(-1, open_handle(self->dir, &bad, O_RDONLY));
	EXPECT_EQ(ESTALE, errno);
	bad = h;
	memcpy(&w, bad.fh.f_handle + 4, 4);
	w += 1000;
	memcpy(bad.fh.f_handle + 4, &w, 4);
	errno = 0;
	EXPECT_EQ(-1, open_handle(self->dir, &bad, O_RDONLY));
	EXPECT_EQ(ESTALE, errno);
	/* Too short a handle: stale. */
	bad = h;
	bad.fh.handle_bytes = 8;
	errno = 0;
	EXPECT_EQ(-1, open_handle(self->dir, &bad, O_RDONLY));
	EXPECT_EQ(ESTALE, errno);
	/* The real one still opens. */
	fd = open_handle(self->dir, &h, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, close(fd));
}

TEST_HARNESS_MAIN
