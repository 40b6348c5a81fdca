#!/bin/sh
# Trinity on rshmem: `trinity.sh [SECONDS [CHILDREN [OPTIONS]]]` (default 40 s,
# 8 children; OPTIONS are more mount options, such as huge=always).
#
# A fresh rshmem mount (512 MiB, so ENOSPC is in play) is seeded with sparse,
# preallocated, written and mapped victim files, and holders keep the mapped
# ones mapped. Trinity then runs as nobody on the file and memory syscalls,
# with the victims as its only files. It passes when the guest is alive
# afterwards and the mount still works, the mount unmounts, and memory is back
# where it was: rshmem's folios are unevictable, so /proc/meminfo's Unevictable
# must return exactly, and the rshmem inode cache to its count. A splat fails
# the run on the host side (the VM's kernel log scan).
. /tests/lib/ktap.sh
. /tests/lib/memory.sh
secs=${1:-40}
children=${2:-8}
extra=${3:+,$3}
dir=/tmp/trinity
victims=$dir/victims

# The syscalls that reach rshmem's code: data, mappings, and the namespace.
syscalls="fallocate mmap munmap mremap madvise msync mprotect mincore ftruncate
truncate read write pread64 pwrite64 readv writev preadv pwritev preadv2 pwritev2
lseek splice tee vmsplice sendfile copy_file_range fsync fdatasync sync_file_range
fadvise64 readahead open openat creat close rename renameat renameat2 unlink
unlinkat link linkat symlink mkdir mkdirat rmdir getdents64 statfs fstatfs
utimensat fchmod"

ktap_plan 6
settle
u0=$(mem Unevictable)
i0=$(inodes)
mkdir -p $dir
mount -t rshmem -o size=512m,nr_inodes=4096$extra none $dir || { ktap_diag "mount failed"; exit 1; }
/tests/fuzz/victims seed $victims
ktap_check victims_seeded [ "$(ls $victims | wc -l)" -ge 19 ]

/tests/fuzz/victims hold $victims "$secs" >/tmp/holders.out 2>&1 &
holders=$!

args=""
for s in $syscalls; do args="$args -c $s"; done
ktap_diag "trinity: ${secs}s, $children children as nobody, victims in $victims (mounted with $(grep " $dir " /proc/mounts | cut -d" " -f4))"
# Trinity stops itself when the kernel gets a new taint flag. Its own
# descriptors other than the victims and pipes are off: this kernel has no
# networking, and perf, memfd and the rest are not what is under test.
start=$(date +%s)
cd $victims
timeout -s INT "$secs" /tests/fuzz/victims as-nobody /tests/bin/trinity -q -a64 -l off -V $victims -C "$children" \
	--disable-fds=sockets,perf,epoll,eventfd,pseudo,timerfd,memfd,drm \
	$args >/tmp/trinity.out 2>&1
rc=$?
# What is left of trinity after SIGINT goes now.
killall -9 trinity 2>/dev/null
sed -n 's/^/# trinity: /p' /tmp/trinity.out | grep -v '^# trinity: \[child' | tail -n 15
ran=$(grep -o 'Ran [0-9]* syscalls' /tmp/trinity.out | tail -n 1 | grep -o '[0-9]*')
ktap_diag "trinity exit $rc after $(($(date +%s) - start))s: ${ran:-no count of} syscalls"
ktap_check trinity_ran_syscalls [ "${ran:-0}" -gt 0 ]

wait $holders
hrc=$?
sed 's/^/# /' /tmp/holders.out
ktap_check holders_kept_mapping [ $hrc = 0 ]

# Alive: the guest answers, and the mount still reads back what it is given.
echo alive >$dir/after-trinity && ktap_check mount_works_after grep -qx alive $dir/after-trinity

cd /
ktap_diag "files left by trinity: $(find $dir | wc -l); df: $(df -k $dir | awk 'NR == 2 { print $3 }') KiB used; Unevictable $(mem Unevictable) KiB"
ktap_check umount_ok umount $dir
settle
u1=$(mem Unevictable)
i1=$(inodes)
ktap_diag "Unevictable ${u0} -> ${u1} KiB; rshmem inodes ${i0} -> ${i1}"
ktap_check memory_back_to_baseline [ "$u1" = "$u0" -a "$i1" = "$i0" ]
rmdir $dir
ktap_finish
