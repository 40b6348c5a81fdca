#!/bin/sh
# The guest side of `make bench`'s instruction counts, in a boot under the
# insn_count QEMU plugin (qemu/plugin/insn_count.c). Every bench run opens and
# closes one plugin window around its timed part (tests/lib/insn_marker.h); the
# plugin numbers the windows of the boot from 1, in order, and this script
# numbers the runs the same way, so the host can join the two
# (tests/bench/insn_join.py). Each run does a fixed number of operations per
# process (BENCH_LIMIT), not a fixed time, so its counts do not depend on how
# fast the emulator went.
#
#   count.sh insn REPS [WORKLOADS]
#       the workloads of run.sh (run.sh --list; punch is not a bench.c
#       workload and has no count), or those named, on rshmem and tmpfs, and
#       the fault and I/O workloads also on the huge=always instances
#       (rshmem-huge, tmpfs-huge; fs.sh, HUGE=0 leaves them out), REPS times,
#       in run.sh's order (fs.sh's fs_order); six passes
#       over the file per process, as `make profile`:
#       INSN <seq> <cpus> <workload> <fs> <rep> ops <n> secs <s>
#   count.sh growth 'SIZES' 'PROCS' [WORKLOADS]
#       the cost-growth figure: each workload (default pf_shared pf_private
#       seqwrite_4k seqread_4k) with each number of processes and each file
#       size per process (bytes, BENCH_SIZE), on both file systems; two passes
#       over the file per process, and at least 8192 operations:
#       GROWTH <seq> <workload> <procs> <size> <fs> ops <n> secs <s>
# A run that fails prints INSN-FAIL or GROWTH-FAIL with bench's message, and
# the rest goes on; the host reports it. <seq> counts only the runs that
# opened a window: bench prints its "ops" line (BENCH_OPS=1) exactly then,
# also when it fails afterwards. At the end, COUNT-WINDOWS <n>: how many
# windows it numbered, for the host to check against the plugin's.
mode=${1:-}
cpus=$(nproc)
seq=0
status=0
. /tests/bench/fs.sh

settle() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

# run TAG OPS SIZE WORKLOAD PROCS FS FIELDS...: one counted bench run; SIZE
# empty for bench's default file size. FIELDS name the run on the TAG line,
# which ends with bench's "ops N secs S" (the seconds are the emulator's, for
# information). Its variables are its own (r_): the callers' loops use w, fs.
run() {
	r_tag=$1 r_ops=$2 r_size=$3 r_w=$4 r_procs=$5 r_fs=$6
	shift 6
	r_dir=$(fs_dir "$r_fs")
	settle
	BENCH_OPS=1 BENCH_LIMIT=$r_ops BENCH_SIZE=$r_size /tests/bench/bench "$r_w" "$r_dir" 1 "$r_procs" \
		>/tmp/bench.out 2>/tmp/bench.err
	r_rc=$?
	r_opsline=$(grep '^ops ' /tmp/bench.err)
	if [ -n "$r_opsline" ]; then
		seq=$((seq + 1))
		[ $r_rc = 0 ] && echo "$r_tag $seq $* $r_opsline"
	fi
	if [ $r_rc != 0 ]; then
		echo "$r_tag-FAIL $* $(grep -v '^ops ' /tmp/bench.err | tr '\n' ' ')"
		status=1
	fi
}

# Operations per process for six passes, as tests/drivers/profile.sh: the
# 128 MiB file in pages or 4 KiB blocks, in 1 MiB blocks, fallocate's 16 MiB
# in pages, 6000 files.
six_passes() {
	case $1 in
	pf_* | *_4k) echo $((6 * 32768)) ;;
	*_1m) echo $((6 * 128)) ;;
	fallocate) echo $((6 * 4096)) ;;
	metadata) echo 6000 ;;
	esac
}

case "$mode" in
insn)
	reps=${2:-2}
	workloads=${3:-}
	[ -n "$workloads" ] || workloads=$(sh /tests/bench/run.sh --list)
	echo "# count: $cpus CPUs, $reps repetitions of a fixed number of operations, $(uname -r)"
	huge_mount
	rep=1
	while [ $rep -le "$reps" ]; do
		for w in $workloads; do
			[ "$w" = punch ] && continue
			case $w in
			*_x*) procs=${w##*_x} bw=${w%_x*} ;;
			*) procs=1 bw=$w ;;
			esac
			ops=$(six_passes "$bw")
			if [ -z "$ops" ]; then
				echo "INSN-FAIL $cpus $w - $rep unknown workload"
				status=1
				continue
			fi
			for fs in $(fs_order "$w" "$rep"); do
				run INSN "$ops" "" "$bw" "$procs" "$fs" "$cpus" "$w" "$fs" "$rep"
			done
		done
		rep=$((rep + 1))
	done
	huge_umount
	;;
growth)
	sizes=${2:?count.sh growth SIZES PROCS [WORKLOADS]}
	procs_list=${3:?count.sh growth SIZES PROCS [WORKLOADS]}
	workloads=${4:-pf_shared pf_private seqwrite_4k seqread_4k}
	# Both file systems must hold the largest run's files (the mounts'
	# default is half of RAM, as tmpfs's); grow them alike if not.
	need=0
	for s in $sizes; do
		for p in $procs_list; do
			[ $((s * p)) -gt $need ] && need=$((s * p))
		done
	done
	need_k=$((need / 1024 + 65536))
	for fs in tmpfs rshmem; do
		case $fs in rshmem) dir=$RSHMEM_MNT ;; tmpfs) dir=$TMPFS_MNT ;; esac
		have_k=$(df -k "$dir" | awk 'NR == 2 { print $2 }')
		if [ "$have_k" -lt "$need_k" ]; then
			mount -o remount,size=${need_k}k "$dir" ||
				{ echo "GROWTH-FAIL - - - $fs cannot grow to ${need_k} KiB"; status=1; }
		fi
		echo "# count: $fs at $dir holds $(df -k "$dir" | awk 'NR == 2 { print $2 }') KiB"
	done
	echo "# count: growth, $cpus CPUs, sizes $sizes, processes $procs_list, $(uname -r)"
	i=0
	for w in $workloads; do
		for p in $procs_list; do
			for s in $sizes; do
				# Two passes over the file (all four workloads go by pages
				# or 4 KiB blocks), at least 8192 operations.
				ops=$((2 * s / 4096))
				[ $ops -lt 8192 ] && ops=8192
				if [ $((i % 2)) = 0 ]; then order="rshmem tmpfs"; else order="tmpfs rshmem"; fi
				for fs in $order; do
					run GROWTH "$ops" "$s" "$w" "$p" "$fs" "$w" "$p" "$s" "$fs"
				done
				i=$((i + 1))
			done
		done
	done
	;;
*)
	echo "count.sh: insn REPS [WORKLOADS] | growth SIZES PROCS [WORKLOADS]" >&2
	exit 2
	;;
esac
echo "COUNT-WINDOWS $seq"
exit $status
