#!/bin/sh
# The guest side of `make bench`: run.sh REPS SECONDS [WORKLOADS]
# Every workload on rshmem and on tmpfs (mounted by the guest's init at
# $RSHMEM_MNT and $TMPFS_MNT, with their default options), REPS times, the
# two file systems alternating and taking turns to go first. One line per
# measurement:  BENCH <cpus> <workload> <fs> <rep> <value> <unit>
# A measurement that fails prints BENCH-FAIL and the run goes on; the host
# reports it as a failure.
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

settle() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

measure() { # workload fs rep
	w=$1 fs=$2 rep=$3
	case $fs in rshmem) dir=$RSHMEM_MNT ;; tmpfs) dir=$TMPFS_MNT ;; esac
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

# A chosen few (names as in the table, "_xN" for N processes), for a longer look.
[ -n "${3:-}" ] && workloads=$3
echo "# bench: $cpus CPUs, $reps repetitions of ${secs}s, $(uname -r)"
rep=1
while [ $rep -le "$reps" ]; do
	for w in $workloads; do
		if [ $((rep % 2)) = 1 ]; then order="rshmem tmpfs"; else order="tmpfs rshmem"; fi
		for fs in $order; do
			measure "$w" "$fs" "$rep"
		done
	done
	rep=$((rep + 1))
done
exit $status
