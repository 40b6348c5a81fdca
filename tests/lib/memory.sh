# Memory figures for the shell tests that check it comes back (sourced).
# rshmem's folios are unevictable (they exist nowhere else), so /proc/meminfo's
# Unevictable measures them; the rshmem inode cache counts its inodes.
mem() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
inodes() { awk '$1 == "rshmem_inode_cache" { print $2 }' /proc/slabinfo; }
# Free memory in KiB: MemFree, plus the pages on the per-CPU free lists, which
# MemFree leaves out and which hold several MiB once there is more than one CPU.
free_kib() {
	echo $(($(mem MemFree) + $(awk '$1 == "count:" { n += $2 } END { print n * 4 }' /proc/zoneinfo)))
}
# Lets freed memory settle: page cache, dentries and inodes dropped, slabs shrunk.
settle() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	for s in /sys/kernel/slab/*/shrink; do echo 1 >"$s" 2>/dev/null; done
	sleep 1
}
