#!/bin/sh
# Every folio rshmem allocates is freed: on truncate, on the last unlink and on
# umount. rshmem's folios are unevictable (they exist nowhere else), so the
# Unevictable count of /proc/meminfo measures them: it must rise while files
# exist and come back to its baseline, along with the rshmem inode cache.
. /tests/lib/ktap.sh
. /tests/lib/memory.sh
dir=/tmp/memory_baseline
mkdir -p $dir
used_kib() { df -k $dir | awk 'NR == 2 { print $3 }'; }

ktap_plan 7
settle
u0=$(mem Unevictable)
i0=$(inodes)
free0=$(free_kib)

mount -t rshmem -o size=256m none $dir
# 40 files of 1 MiB, a tree of directories with links, a sparse file.
i=0
while [ $i -lt 40 ]; do
	dd if=/dev/zero of=$dir/f$i bs=64k count=16 2>/dev/null
	i=$((i + 1))
done
mkdir -p $dir/a/b/c
dd if=/dev/zero of=$dir/a/b/c/g bs=4k count=100 2>/dev/null
ln $dir/a/b/c/g $dir/a/g-link
ln -s ../f1 $dir/a/s
truncate -s 10G $dir/sparse
echo x | dd of=$dir/sparse bs=1 seek=9000000000 conv=notrunc 2>/dev/null
u1=$(mem Unevictable)
used1=$(used_kib)
ktap_diag "in use: df says ${used1} KiB; Unevictable ${u0} -> ${u1} KiB"
ktap_check unevictable_counts_the_files [ $((u1 - u0)) -ge 40960 ]

# Truncation frees pages.
i=0
while [ $i -lt 20 ]; do truncate -s 4096 $dir/f$i; i=$((i + 1)); done
used2=$(used_kib)
ktap_diag "after truncating 20 files to one page: df says ${used2} KiB"
ktap_check truncate_frees_pages [ $((used1 - used2)) -ge $((20 * 1020)) ]

# The last unlink frees a file; an earlier one does not.
rm $dir/a/b/c/g
used3=$(used_kib)
rm $dir/a/g-link
used4=$(used_kib)
ktap_diag "unlink of one of two links: ${used2} -> ${used3} KiB; of the last: ${used4} KiB"
ktap_check last_unlink_frees_the_file test "$used3" = "$used2" -a $((used3 - used4)) = 400

umount $dir
settle
u2=$(mem Unevictable)
i2=$(inodes)
free2=$(free_kib)
ktap_diag "after umount: Unevictable ${u2} KiB (baseline ${u0}); rshmem inodes $i2 (baseline $i0)"
ktap_diag "free (MemFree and the per-CPU lists) ${free0} -> ${free2} KiB"
ktap_check unevictable_back_to_baseline [ "$u2" = "$u0" ]
ktap_check rshmem_inodes_back_to_baseline [ "$i2" = "$i0" ]
# 41 MiB were in use; allow 2 MiB for what the kernel keeps meanwhile.
ktap_check memfree_back_to_baseline [ $((free0 - free2)) -lt 2048 ]
rmdir $dir
# The inode cache is charged to the creator's memcg (SLAB_ACCOUNT), as shmem's
# is, and not counted as reclaimable: no shrinker can free an inode of a
# filesystem in memory, so SReclaimable must not promise it.
acct=/sys/kernel/slab/rshmem_inode_cache
ktap_diag "inode cache: reclaim_account $(cat $acct/reclaim_account)"
ktap_check inode_cache_not_counted_reclaimable [ "$(cat $acct/reclaim_account)" = 0 ]
ktap_finish
