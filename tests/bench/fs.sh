# The file systems of a bench boot, sourced by run.sh and count.sh:
#   rshmem, tmpfs             the guest init's mounts ($RSHMEM_MNT, $TMPFS_MNT),
#                             with their default options (huge=never)
#   rshmem-huge, tmpfs-huge   both mounted huge=always here (huge_mount), at
#                             /mnt/rshmem-huge and /mnt/tmpfs-huge
# The huge=always instances run the fault and I/O workloads only
# (huge_workload), and not at all with HUGE=0 in the environment.
HUGE_RSHMEM_MNT=/mnt/rshmem-huge
HUGE_TMPFS_MNT=/mnt/tmpfs-huge
HUGE=${HUGE:-1}

fs_dir() {
	case $1 in
	rshmem) echo "$RSHMEM_MNT" ;;
	tmpfs) echo "$TMPFS_MNT" ;;
	rshmem-huge) echo "$HUGE_RSHMEM_MNT" ;;
	tmpfs-huge) echo "$HUGE_TMPFS_MNT" ;;
	esac
}

# Mounts the huge=always instances (if HUGE is not 0); on failure says so as a
# comment and sets HUGE=0, so that the rest of the boot goes on without them.
huge_mount() {
	[ "$HUGE" != 0 ] || return 0
	mkdir -p "$HUGE_RSHMEM_MNT" "$HUGE_TMPFS_MNT"
	if mount -t tmpfs -o huge=always none "$HUGE_TMPFS_MNT" &&
		mount -t rshmem -o huge=always none "$HUGE_RSHMEM_MNT"; then
		echo "# bench: $(grep -E " ($HUGE_RSHMEM_MNT|$HUGE_TMPFS_MNT) " /proc/mounts | tr '\n' ';')"
		return 0
	fi
	echo "# bench: mounting the huge=always instances failed; running without them"
	HUGE=0
	return 1
}

huge_umount() {
	[ "$HUGE" != 0 ] || return 0
	umount "$HUGE_RSHMEM_MNT"
	umount "$HUGE_TMPFS_MNT"
}

# Whether workload $1 (bench.c's name, or run.sh's with _xN) runs on the
# huge=always instances too: the page-fault and I/O workloads.
huge_workload() {
	[ "$HUGE" != 0 ] || return 1
	case $1 in pf_* | seq* | rand*) return 0 ;; esac
	return 1
}

# The file systems workload $1 runs on in repetition $2, in the order of that
# repetition: rshmem then tmpfs in odd ones, tmpfs then rshmem in even ones,
# and for the fault and I/O workloads the two huge=always instances after
# them in the same order. So over two repetitions each huge=always instance
# follows a default instance once and a huge=always one once, as the other
# does: a run that follows one with order-0 pages pays for what is left of
# their freeing (the per-CPU page lists draining into the buddy allocator in
# the background, decay_pcp_high) and for its PMD-size folios' coming from
# memory they fragmented; reversing the list of four, as before, had
# rshmem-huge pay that in every odd repetition and tmpfs-huge never.
fs_order() {
	if [ $(($2 % 2)) = 1 ]; then
		o="rshmem tmpfs" h="rshmem-huge tmpfs-huge"
	else
		o="tmpfs rshmem" h="tmpfs-huge rshmem-huge"
	fi
	if huge_workload "$1"; then
		echo "$o $h"
	else
		echo "$o"
	fi
}
