# Memory figures for the shell tests that check it comes back (sourced).
# rshmem's folios are unevictable (they exist nowhere else), so /proc/meminfo's
# Unevictable measures them; the rshmem inode cache counts its inodes.
mem() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
inodes() { awk '$1 == "rshmem_inode_cache" { print $2 }' /proc/slabinfo; }
# Lets freed memory settle: page cache, dentries and inodes dropped, slabs shrunk.
settle() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	for s in /sys/kernel/slab/*/shrink; do echo 1 >"$s" 2>/dev/null; done
	sleep 1
}
