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
# repetition: the list below in odd ones, reversed in even ones.
fs_order() {
	if huge_workload "$1"; then
		set -- "$2" rshmem tmpfs rshmem-huge tmpfs-huge
	else
		set -- "$2" rshmem tmpfs
	fi
	if [ $(($1 % 2)) = 1 ]; then
		shift
		echo "$*"
	else
		r=
		shift
		for f in "$@"; do r="$f $r"; done
		echo $r
	fi
}
