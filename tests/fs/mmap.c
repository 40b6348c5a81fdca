// SPDX-License-Identifier: GPL-2.0
/*
 * Mappings: shared and private mmap coherent with read and write in both
 * directions, SIGBUS beyond EOF, truncation under a live mapping (SIGBUS past
 * the new end, zeros after growing back), ENOSPC in a fault; on rshmem and tmpfs.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

#define FS_FIXTURE_HUGE
#include "fs_fixture.h"

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

/* Whether touching @p (reading, or writing if @write) raises SIGBUS. */
static int sigbus_on(volatile char *p, int write)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	int bus = 0;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1) == 0) {
		if (write)
			*p = 1;
		else
			(void)*p;
	} else {
		bus = 1;
	}
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

static int open_sized(FIXTURE_DATA(fs) *self, const char *name, off_t size)
{
	int fd = open(in(self, name), O_CREAT | O_RDWR, 0600);

	if (fd >= 0 && ftruncate(fd, size)) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST_F(fs, shared_mapping_coherent_with_read_and_write)
{
	char buf[16];
	int fd = open_sized(self, "f", 4 * PAGE);
	char *m;

	ASSERT_LE(0, fd);
	m = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	/* New pages read as zeros. */
	for (int i = 0; i < 4 * PAGE; i += 512)
		ASSERT_EQ(0, m[i]);
	/* Mapped write, then read(2). */
	memcpy(m + PAGE + 3, "via-mmap", 8);
	ASSERT_EQ(8, pread(fd, buf, 8, PAGE + 3));
	EXPECT_EQ(0, memcmp(buf, "via-mmap", 8));
	/* write(2), then a mapped read. */
	ASSERT_EQ(9, pwrite(fd, "via-write", 9, 3 * PAGE - 4));
	EXPECT_EQ(0, memcmp(m + 3 * PAGE - 4, "via-write", 9));
	/* A second mapping of the same file sees the same pages. */
	char *m2 = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m2);
	EXPECT_EQ(0, memcmp(m2 + PAGE + 3, "via-mmap", 8));
	EXPECT_EQ(0, msync(m, 4 * PAGE, MS_SYNC));
	munmap(m2, 4 * PAGE);
	munmap(m, 4 * PAGE);
	/* The data stays after unmapping. */
	ASSERT_EQ(8, pread(fd, buf, 8, PAGE + 3));
	EXPECT_EQ(0, memcmp(buf, "via-mmap", 8));
	close(fd);
}

TEST_F(fs, private_mapping_copies_on_write)
{
	char buf[8];
	int fd = open_sized(self, "f", 2 * PAGE);
	char *m;

	ASSERT_LE(0, fd);
	ASSERT_EQ(5, pwrite(fd, "file!", 5, 0));
	m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(0, memcmp(m, "file!", 5));
	/* Before it is written, a private page follows the file. */
	ASSERT_EQ(5, pwrite(fd, "newer", 5, PAGE));
	EXPECT_EQ(0, memcmp(m + PAGE, "newer", 5));
	/* Written, it is the process's own copy. */
	memcpy(m, "priv!", 5);
	ASSERT_EQ(5, pread(fd, buf, 5, 0));
	EXPECT_EQ(0, memcmp(buf, "file!", 5));
	ASSERT_EQ(5, pwrite(fd, "FILE!", 5, 0));
	EXPECT_EQ(0, memcmp(m, "priv!", 5));
	munmap(m, 2 * PAGE);
	close(fd);
}

TEST_F(fs, sigbus_beyond_eof)
{
	int fd = open_sized(self, "f", PAGE + 10);
	char *m;

	ASSERT_LE(0, fd);
	m = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	/* The page holding EOF is mapped whole; the next is not. */
	EXPECT_EQ(0, sigbus_on(m + PAGE + 100, 0));
	EXPECT_EQ(1, sigbus_on(m + 2 * PAGE, 0));
	EXPECT_EQ(1, sigbus_on(m + 3 * PAGE + 5, 1));
	munmap(m, 4 * PAGE);
	close(fd);
}

TEST_F(fs, truncate_under_a_live_mapping)
{
	int fd = open_sized(self, "f", 4 * PAGE);
	char *m;
	int i;

	ASSERT_LE(0, fd);
	m = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	memset(m, 'o', 4 * PAGE);
	/* Down to a page and a half: the rest is gone from the mapping. */
	ASSERT_EQ(0, ftruncate(fd, PAGE + PAGE / 2));
	EXPECT_EQ('o', m[PAGE + PAGE / 2 - 1]);
	EXPECT_EQ(0, m[PAGE + PAGE / 2]); /* The tail of the EOF page is zeroed. */
	EXPECT_EQ(1, sigbus_on(m + 2 * PAGE, 0));
	EXPECT_EQ(1, sigbus_on(m + 3 * PAGE + 1, 1));
	/* Growing back shows zeros, never the old data. */
	ASSERT_EQ(0, ftruncate(fd, 4 * PAGE));
	for (i = PAGE + PAGE / 2; i < 4 * PAGE; i++)
		if (m[i] != 0)
			break;
	EXPECT_EQ(4 * PAGE, i) {
		TH_LOG("stale byte %d at offset %d", m[i], i);
	}
	char buf[PAGE];
	ASSERT_EQ(PAGE, pread(fd, buf, PAGE, 2 * PAGE));
	for (i = 0; i < PAGE; i++)
		if (buf[i])
			break;
	EXPECT_EQ(PAGE, i);
	munmap(m, 4 * PAGE);
	close(fd);
}

TEST_F(fs, truncate_under_a_private_cow_mapping)
{
	int fd = open_sized(self, "f", 3 * PAGE);
	char *m;

	ASSERT_LE(0, fd);
	m = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	m[2 * PAGE] = 'c'; /* A private COW copy of the last page. */
	ASSERT_EQ(0, ftruncate(fd, PAGE));
	/* Even the private copy goes: SIGBUS, as POSIX says for pages past EOF. */
	EXPECT_EQ(1, sigbus_on(m + 2 * PAGE, 0));
	munmap(m, 3 * PAGE);
	close(fd);
}

static int mtime_after(const struct stat *b, const struct stat *a)
{
	return b->st_mtim.tv_sec > a->st_mtim.tv_sec ||
	       (b->st_mtim.tv_sec == a->st_mtim.tv_sec && b->st_mtim.tv_nsec > a->st_mtim.tv_nsec);
}

/*
 * Whether a write to a page of a shared mapping that was first mapped by a
 * read changes mtime (file @name in @dir): only with write notification
 * (.page_mkwrite), which tmpfs has not.
 */
static int write_after_read_updates_mtime(const char *path, int *updated)
{
	struct stat a, b;
	int fd = open(path, O_CREAT | O_RDWR, 0600);
	char *m;

	if (fd < 0 || ftruncate(fd, PAGE))
		return -1;
	m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	(void)*(volatile char *)m; /* Mapped for reading first. */
	fstat(fd, &a);
	usleep(20000);
	m[0] = 'w';
	fstat(fd, &b);
	*updated = mtime_after(&b, &a);
	munmap(m, PAGE);
	close(fd);
	return 0;
}

TEST_F(fs, mapped_write_after_a_read_leaves_mtime_as_on_tmpfs)
{
	int updated;

	ASSERT_EQ(0, write_after_read_updates_mtime(in(self, "f"), &updated));
	EXPECT_EQ(0, updated);
}

TEST_F(fs, first_mapped_write_fault_updates_mtime)
{
	struct stat a, b;
	int fd = open_sized(self, "f", PAGE);
	char *m;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &a));
	usleep(20000);
	m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	m[0] = 'w'; /* A write fault: fault_dirty_shared_page updates the times. */
	ASSERT_EQ(0, fstat(fd, &b));
	EXPECT_TRUE(mtime_after(&b, &a));
	munmap(m, PAGE);
	close(fd);
}

/* The options field of the /proc/mounts line for @dir, or "". */
static void options_of(const char *dir, char *opts, size_t len)
{
	char line[1024], mnt[512], o[512];
	FILE *f = fopen("/proc/mounts", "r");

	opts[0] = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %511s %*s %511s", mnt, o) == 2 && !strcmp(mnt, dir))
			snprintf(opts, len, "%s", o);
	if (f)
		fclose(f);
}

/* rshmem's own option: mapped writes update the times, through .page_mkwrite. */
TEST(mapped_mtime_option)
{
	char dir[] = "/tmp/mapped_mtime.XXXXXX", path[64], opts[512];
	int updated;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	ASSERT_EQ(0, mount("none", dir, "rshmem", 0, "mapped_mtime"));
	options_of(dir, opts, sizeof(opts));
	EXPECT_STREQ("rw,relatime,mapped_mtime", opts);
	ASSERT_EQ(0, write_after_read_updates_mtime(path, &updated));
	EXPECT_EQ(1, updated);
	/* Off again for the mappings made after a remount. */
	ASSERT_EQ(0, mount("none", dir, "rshmem", MS_REMOUNT, "nomapped_mtime"));
	options_of(dir, opts, sizeof(opts));
	EXPECT_STREQ("rw,relatime", opts);
	ASSERT_EQ(0, write_after_read_updates_mtime(path, &updated));
	EXPECT_EQ(0, updated);
	/* And on again; a value is refused. */
	ASSERT_EQ(0, mount("none", dir, "rshmem", MS_REMOUNT, "mapped_mtime"));
	ASSERT_EQ(0, write_after_read_updates_mtime(path, &updated));
	EXPECT_EQ(1, updated);
	EXPECT_EQ(-1, mount("none", dir, "rshmem", MS_REMOUNT, "mapped_mtime=1"));
	EXPECT_EQ(EINVAL, errno);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}

static long vmstat(const char *name)
{
	char key[64];
	long v, found = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	while (f && fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	if (f)
		fclose(f);
	return found;
}

TEST_F(fs, faults_run_under_the_per_vma_lock)
{
	const int pages = 64;
	long before, after;
	int fd = open_sized(self, "f", pages * PAGE);
	char *m;

	ASSERT_LE(0, fd);
	before = vmstat("vma_lock_success");
	ASSERT_LE(0, before) {
		TH_LOG("no vma_lock_success in /proc/vmstat (CONFIG_PER_VMA_LOCK_STATS)");
	}
	m = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	for (int i = 0; i < pages; i++)
		m[i * PAGE] = (char)i;
	after = vmstat("vma_lock_success");
	/* Each first touch is a fault; most must have been handled under the VMA lock. */
	EXPECT_LE(pages / 2, after - before) {
		TH_LOG("%ld of %d faults under the VMA lock", after - before, pages);
	}
	for (int i = 0; i < pages; i++)
		ASSERT_EQ((char)i, m[i * PAGE]);
	munmap(m, pages * PAGE);
	close(fd);
}

LIMITED_FS_FIXTURE(tiny, "size=16k")

TEST_F(tiny, fault_that_cannot_allocate_gets_sigbus)
{
	char path[256];
	char *m;
	int fd;

	snprintf(path, sizeof(path), "%s/f", self->dir);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 8 * PAGE));
	m = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(0, sigbus_on(m + i * PAGE, 1));
	EXPECT_EQ(1, sigbus_on(m + 4 * PAGE, 1));
	/* What was written before stays. */
	EXPECT_EQ(1, m[3 * PAGE]);
	munmap(m, 8 * PAGE);
	close(fd);
}

TEST_HARNESS_MAIN
