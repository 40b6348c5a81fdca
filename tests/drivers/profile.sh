#!/usr/bin/env bash
# `make profile`: where a workload's kernel instructions go, tmpfs against rshmem.
#   WORKLOAD=name [CPUS=n] [OPS=n] [TOP=n] [RUNS=n] [REP=once|each] [HUGE=1] tests/drivers/profile.sh
# WORKLOAD is one of bench.c's (pf_shared, seqwrite_4k, ...), with "_xN" for
# N processes as in `make bench`'s table (pf_shared_x2); CPUS the guest's
# vCPUs (default 1); OPS the operations each process does (default: six
# passes over the 128 MiB file, or 6000 files for metadata; OPS=0 runs SECS
# seconds, default 2, as `make bench` does, and the counts then depend on how
# fast the emulator went); TOP the number of functions listed (default 15);
# RUNS how many times the pair runs in the boot (default 1; the table is of
# the last pair, the totals of all); REP=each counts every iteration of a
# rep-prefixed string instruction (rep movsb: one per byte), not once as a
# processor does (the default, REP=once); HUGE=1 remounts both instances with
# huge=always first (tmpfs's default and rshmem's are huge=never).
#
# It builds the instruction-counting QEMU plugin (qemu/plugin.sh), rshmem.ko
# for the bench kernel and the guest's programs (bench-build.sh), and boots
# the bench kernel once under the plugin with profile=on. The workload runs
# on tmpfs, then on rshmem; its timed part is a window of the plugin
# (tests/lib/insn_marker.h), in which every executed kernel translation block
# is counted. tests/bench/profile.py symbolises the blocks with the bench
# kernel's System.map and, for the module, rshmem.ko's symbols placed at the
# section addresses the guest reads from /sys/module/rshmem/sections, and
# prints the top kernel functions by instructions per operation, side by side,
# and the kernel and user instructions per operation of each.
# Output in PROFILE_OUT (default tests/build/profile): insn.txt (the plugin's),
# the VM's logs, report.txt (what is printed).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests=$(dirname "$here")
repo=$(dirname "$tests")
. "$repo/qemu/toolchain.sh"

workload=${WORKLOAD:-}
cpus=${CPUS:-1}
secs=${SECS:-2}
ops=${OPS:-}
rep=${REP:-once}
case "$rep" in once | each) ;; *) echo "profile: REP=once or REP=each" >&2; exit 2 ;; esac
top=${TOP:-15}
huge=${HUGE:-0}
case "$huge" in 0) remount=: ;; 1) remount='mount -o remount,huge=always' ;; *) echo "profile: HUGE=0 or HUGE=1" >&2; exit 2 ;; esac
runs=${RUNS:-1}
out=${PROFILE_OUT:-$repo/tests/build/profile}
[ -n "$workload" ] || { echo "profile: say which workload: make profile WORKLOAD=pf_shared" >&2; exit 2; }
case "$workload" in
*_x[0-9]*) procs=${workload##*_x} w=${workload%_x*} ;;
*) procs=1 w=$workload ;;
esac
case "$w" in
pf_shared | pf_private | fallocate | metadata | seqwrite_4k | seqwrite_1m | seqread_4k | seqread_1m | \
	randwrite_4k | randwrite_1m | randread_4k | randread_1m) ;;
*) echo "profile: unknown workload $workload (punch is not a bench.c workload)" >&2; exit 2 ;;
esac
# Six passes: 128 MiB in pages or blocks, fallocate's 16 MiB in pages, 6000 files.
if [ -z "$ops" ]; then
	case "$w" in
	pf_* | *_4k) ops=$((6 * 32768)) ;;
	*_1m) ops=$((6 * 128)) ;;
	fallocate) ops=$((6 * 4096)) ;;
	metadata) ops=6000 ;;
	esac
fi
limit=
if [ "$ops" != 0 ]; then
	limit="BENCH_LIMIT=$ops"
	what="$ops operations per process"
else
	what="${secs}s per run"
fi
t0=$(date +%s)

plugin=$("$repo/qemu/plugin.sh") || exit 1
"$repo/qemu/kernel.sh" build bench || exit 1
kdir=$("$repo/qemu/kernel.sh" dir bench)
# The symbols are System.map's: a kernel that places itself at random would
# need nokaslr. The guest's _text is checked against System.map below too.
if grep -q '^CONFIG_RANDOMIZE_BASE=y' "$kdir/.config"; then
	echo "profile: the bench kernel has RANDOMIZE_BASE; boot it with nokaslr" >&2
	exit 1
fi

rm -rf "$out"
mkdir -p "$out"
echo "profile: building rshmem.ko and the workloads for the bench kernel"
"$here/bench-build.sh" "$out" || exit 1

# The guest's side: where the kernel and the module's sections are, then the
# workload on tmpfs and on rshmem, one plugin window each, in order.
cat >"$out/guest/profile.sh" <<EOF
#!/bin/sh
echo "PROFILE-KTEXT \$(grep ' _text\$' /proc/kallsyms | cut -d' ' -f1)"
for s in /sys/module/rshmem/sections/.*text*; do
	echo "PROFILE-SECTION \${s##*/} \$(cat "\$s")"
done
$remount "\$TMPFS_MNT" && $remount "\$RSHMEM_MNT" || exit 1
seq=0 status=0
run=1
while [ \$run -le $runs ]; do
	for fs in tmpfs rshmem; do
		case \$fs in rshmem) dir=\$RSHMEM_MNT ;; tmpfs) dir=\$TMPFS_MNT ;; esac
		sync
		echo 3 >/proc/sys/vm/drop_caches
		seq=\$((seq + 1))
		if r=\$(BENCH_OPS=1 $limit /tests/bench/bench $w "\$dir" $secs $procs 2>/tmp/bench.err); then
			echo "PROFILE-RUN \$seq \$fs \$run \$(grep '^ops ' /tmp/bench.err) rate \$r"
		else
			echo "PROFILE-FAIL \$seq \$fs \$(cat /tmp/bench.err)"
			status=1
		fi
	done
	run=\$((run + 1))
done
exit \$status
EOF

[ "$huge" = 1 ] && what="$what, both huge=always"
echo "profile: $workload, $cpus CPUs, $what, tmpfs then rshmem ($runs time(s)), under $plugin"
"$repo/qemu/vm.sh" --kernel bench --ko "$out/module/rshmem.ko" --tests "$out/guest" \
	--smp "$cpus" --mem 2G --prealloc --timeout $((300 + runs * (${secs%.*} + 1) * 60)) --out "$out/vm" \
	--plugin "$plugin,out=$out/insn.txt,profile=on,rep=$rep" \
	--mode cmd --cmd "sh /tests/profile.sh" | tee "$out/vm.txt" |
	grep --line-buffered -E '^(PROFILE|vm:|splat:)'
[ "${PIPESTATUS[0]}" = 0 ] || { echo "profile: the VM run failed" >&2; exit 1; }

python3 "$tests/bench/profile.py" --system-map "$kdir/System.map" --ko "$out/module/rshmem.ko" \
	--guest "$out/vm/output.log" --counts "$out/insn.txt" --top "$top" \
	--title "$workload, $cpus CPUs$([ "$huge" = 1 ] && echo ', huge=always'), rep string instructions counted $rep" | tee "$out/report.txt"
status=${PIPESTATUS[0]}
echo "profile: $(($(date +%s) - t0))s; files in $out"
exit "$status"
