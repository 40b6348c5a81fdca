#!/bin/sh
# The guest side of `make bench`: run.sh REPS SECONDS [WORKLOADS]
# Every workload on rshmem and on tmpfs (mounted by the guest's init at
# $RSHMEM_MNT and $TMPFS_MNT, with their default options), and the fault and
# I/O workloads also on an rshmem and a tmpfs mounted with huge=always (fs.sh;
# HUGE=0 in the environment leaves them out), REPS times, the file systems
# taking turns in an order swapped every repetition (fs.sh's fs_order). One line per
# measurement:  BENCH <cpus> <workload> <fs> <rep> <value> <unit>
# (fs: rshmem, tmpfs, rshmem-huge, tmpfs-huge). A measurement that fails
# prints BENCH-FAIL and the run goes on; the host reports it as a failure.
# With MEM in the environment, a memory pass follows the timed runs: MEM=1 for
# every fault and I/O workload of one process in WORKLOADS, or MEM='a list';
# each, on each file system, does one pass over its 128 MiB file
# (BENCH_LIMIT, untimed) and keeps it (BENCH_KEEP), and then the memory the
# file holds is read; pf_shared also with a 1 MiB file when it is in the list.
# One line per file system and workload:
#   MEM <cpus> <workload> <size> <fs> <used> <blocks> <huge>
# size the file's in bytes; in KiB: used, what statfs says the instance uses
# more than before; blocks, the file's st_blocks; huge, how much more
# ShmemHugePages + FileHugePages (/proc/meminfo) hold with the file than
# before. (MemFree is not used: in this guest, read before and after the run
# or before and after removing the file, after dropping caches and waiting for
# it to settle, it moved by anything from 5 to 145 MiB for the same 128 MiB.)
#   run.sh --list   prints the default workloads for this boot's CPU count (the
#                   instruction-counting boots, count.sh, run the same ones)
cpus=$(nproc)
workloads="pf_shared_x1 pf_private_x1"
[ "$cpus" -gt 1 ] && workloads="$workloads pf_shared_x$cpus pf_private_x$cpus"
workloads="$workloads seqwrite_4k seqwrite_1m seqread_4k seqread_1m randwrite_4k
randwrite_1m randread_4k randread_1m fallocate metadata punch"
if [ "${1:-}" = --list ]; then
	echo $workloads
	exit 0
fi
reps=${1:-3}
secs=${2:-3}
status=0
. /tests/bench/fs.sh

settle() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

measure() { # workload fs rep
	w=$1 fs=$2 rep=$3
	dir=$(fs_dir "$fs")
	settle
	case $w in
	punch)
		# The fallocate issue's race test: 200 punches under a storm of
		# faults from four processes; the latencies are in its output.
		/tests/race/punch_starvation -v "$fs" >/tmp/punch.out 2>&1
		line=$(grep "^# punch-latency $fs:" /tmp/punch.out)
		if [ -z "$line" ]; then
			echo "BENCH-FAIL $cpus $w $fs $rep"
			sed 's/^/# /' /tmp/punch.out | tail -n 20
			status=1
			return
		fi
		set -- $line
		echo "BENCH $cpus punch_p50 $fs $rep $7 ms"
		echo "BENCH $cpus punch_p99 $fs $rep ${10} ms"
		;;
	*_x*)
		procs=${w##*_x}
		r=$(/tests/bench/bench "${w%_x*}" "$dir" "$secs" "$procs" 2>/tmp/bench.err)
		;;
	*)
		r=$(/tests/bench/bench "$w" "$dir" "$secs" 2>/tmp/bench.err)
		;;
	esac
	[ "$w" = punch ] && return
	if [ -n "$r" ]; then
		echo "BENCH $cpus $w $fs $rep $r"
	else
		echo "BENCH-FAIL $cpus $w $fs $rep $(cat /tmp/bench.err)"
		status=1
	fi
}

# Operations per process for one pass over the default file (run.sh's memory
# pass; count.sh's six_passes is six of these).
one_pass() {
	case $1 in
	pf_* | *_4k) echo $(($2 / 4096)) ;;
	*_1m) echo $(($2 / 1048576)) ;;
	esac
}

meminfo() { # field
	awk -v f="$1:" '$1 == f { print $2 }' /proc/meminfo
}

# memory WORKLOAD SIZE FS: one untimed pass with the file kept, and what it holds.
memory() {
	m_w=$1 m_size=$2 m_fs=$3
	m_dir=$(fs_dir "$m_fs")
	settle
	m_used0=$(df -k "$m_dir" | awk 'NR == 2 { print $3 }')
	m_huge0=$(($(meminfo ShmemHugePages) + $(meminfo FileHugePages)))
	if ! BENCH_KEEP=1 BENCH_LIMIT=$(one_pass "$m_w" "$m_size") BENCH_SIZE=$m_size \
		/tests/bench/bench "$m_w" "$m_dir" 1 >/dev/null 2>/tmp/bench.err; then
		echo "MEM-FAIL $cpus $m_w $m_size $m_fs $(cat /tmp/bench.err)"
		status=1
		rm -f "$m_dir"/bench-*
		return
	fi
	settle
	m_used=$(($(df -k "$m_dir" | awk 'NR == 2 { print $3 }') - m_used0))
	m_blocks=$(du -k "$m_dir"/bench-* | awk '{ s += $1 } END { print s + 0 }')
	m_huge=$(($(meminfo ShmemHugePages) + $(meminfo FileHugePages) - m_huge0))
	rm -f "$m_dir"/bench-*
	echo "MEM $cpus $m_w $m_size $m_fs $m_used $m_blocks $m_huge"
}

# A chosen few (names as in the table, "_xN" for N processes), for a longer look.
[ -n "${3:-}" ] && workloads=$3
echo "# bench: $cpus CPUs, $reps repetitions of ${secs}s, $(uname -r)"
huge_mount
rep=1
while [ $rep -le "$reps" ]; do
	for w in $workloads; do
		for fs in $(fs_order "$w" "$rep"); do
			measure "$w" "$fs" "$rep"
		done
	done
	rep=$((rep + 1))
done

if [ -n "${MEM:-}" ] && [ "${MEM:-}" != 0 ]; then
	if [ "$MEM" = 1 ]; then mem=$workloads; else mem=$MEM; fi
	i=1
	for w in $mem; do
		case $w in *_x*) [ "${w##*_x}" = 1 ] || continue ;; esac
		huge_workload "$w" || continue
		sizes=134217728
		[ "${w%_x*}" = pf_shared ] && sizes="$sizes 1048576"
		for size in $sizes; do
			for fs in $(fs_order "$w" $i); do
				memory "${w%_x*}" "$size" "$fs"
			done
			i=$((i + 1))
		done
	done
fi
huge_umount
exit $status
