#!/usr/bin/env bash
# `make bench`: rshmem against tmpfs on a kernel without debugging.
#   tests/drivers/bench.sh            REPS (default 3) repetitions of SECS (default 2) s per
#                             measurement, at 1, 2 and 4 CPUs (CPUS="1 2 4"); all
#                             workloads, or those named in WORKLOADS; then the
#                             instruction counts and the cost-growth figure (below)
#   tests/drivers/bench.sh --smoke    one repetition of 1 s at 2 CPUs (the default suite's
#                             smoke test: it checks that every workload runs on
#                             every file system and asserts nothing about speed;
#                             no plugin, no counts; the memory pass for
#                             pf_shared_x1 and seqwrite_4k only)
# It builds (or finds in the cache) the bench kernel, from the same source and
# toolchain as the test kernel (qemu/kernel-bench.config), builds rshmem.ko for
# it, and boots it once per CPU count. In each boot every workload runs on
# tmpfs and on rshmem, alternating, with the order swapped every repetition,
# and the fault and I/O workloads also on rshmem and tmpfs mounted with
# huge=always (tests/bench/fs.sh; HUGE=0 leaves them out). The first timed
# boot then runs the memory pass (tests/bench/run.sh): one untimed pass of
# each fault and I/O workload of one process on each file system, with its
# file kept, and what the file holds in memory. REPS=0 skips these boots.
#
# Instruction counts (INSN=0 skips them): timed runs vary, and the
# instruction-counting plugin (qemu/plugin.sh) slows the emulator, so the
# counts come from boots of their own, one per CPU count, under the plugin:
# every workload but punch on tmpfs and on rshmem, twice each (alternating,
# the order swapped the second time), each a fixed number of operations per
# process (six passes over the file, as `make profile`; tests/bench/count.sh),
# and the fault and I/O workloads on the huge=always instances too.
# The guest names the plugin's windows, tests/bench/insn_join.py joins them.
# report.py puts kernel and user instructions per operation, the ratio and
# how well the two repetitions agree beside the time ratio.
#
# Cost growth (GROWTH=0 skips it): one more plugin boot, with 4 vCPUs,
# counting pf_shared, pf_private, seqwrite_4k and seqread_4k at GROWTH_PROCS
# processes (default "1 2 4") and GROWTH_SIZES per process (default
# "1M 16M 128M 1G"; K, M, G or bytes), on both file systems, two passes over
# the file per process and at least 8192 operations. The guest gets memory
# for the largest case (its files and, for pf_private, as much again in
# copies; 2 GiB more, at least 2 GiB): 10 GiB by default. growth.py makes
# the table and the figure.
#
# Results (BENCH_OUT, default tests/build/bench): raw.txt, results.csv,
# summary.csv, summary.md (the table) and chart.png; huge.csv, huge.md and
# huge.png, the huge=always comparison (report.py); insn.txt (the joined
# counts); growth.txt, growth.csv, growth.md and growth.png. The VMs' logs are
# in vm-N, count-N (with count-N.windows, the plugin's output) and growth.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests=$(dirname "$here")
repo=$(dirname "$tests")
. "$repo/qemu/toolchain.sh"
smoke=0
[ "${1:-}" = --smoke ] && smoke=1
if [ $smoke = 1 ]; then
	# The smoke test stays as it was: CI has no plugin, and make check no time.
	reps=1 secs=1 cpus=2 out=${BENCH_OUT:-$repo/tests/build/bench-smoke}
	insn=0 growth=0 huge=1 mem="pf_shared_x1 seqwrite_4k"
else
	reps=${REPS:-3} secs=${SECS:-2} cpus=${CPUS:-1 2 4} out=${BENCH_OUT:-$repo/tests/build/bench}
	insn=${INSN:-1} growth=${GROWTH:-1} huge=${HUGE:-1} mem=1
fi
[ "$huge" = 0 ] && mem=0
workloads=${WORKLOADS:-}
# Two repetitions of each count: enough to show whether they repeat.
insn_reps=2
growth_sizes=${GROWTH_SIZES:-1M 16M 128M 1G}
growth_procs=${GROWTH_PROCS:-1 2 4}
growth_workloads="pf_shared pf_private seqwrite_4k seqread_4k"

# K, M or G (binary) or plain bytes, to bytes; nothing for anything else.
to_bytes() {
	local n=${1%[kKmMgG]}
	[[ $n =~ ^[0-9]+$ ]] || return 1
	case $1 in
	*[kK]) echo $((n * 1024)) ;;
	*[mM]) echo $((n * 1024 * 1024)) ;;
	*[gG]) echo $((n * 1024 * 1024 * 1024)) ;;
	*) echo "$n" ;;
	esac
}
if [ "$growth" != 0 ]; then
	sizes=
	for s in $growth_sizes; do
		b=$(to_bytes "$s") && [ "$b" -gt 0 ] && [ $((b % 4096)) = 0 ] ||
			{ echo "bench: GROWTH_SIZES: $s is not a size in 4 KiB pages (K, M, G or bytes)" >&2; exit 2; }
		sizes="$sizes $b"
	done
	max_procs=1
	for p in $growth_procs; do
		[[ $p =~ ^[0-9]+$ ]] && [ "$p" -ge 1 ] && [ "$p" -le 64 ] ||
			{ echo "bench: GROWTH_PROCS: $p is not a number of processes (1 to 64)" >&2; exit 2; }
		[ "$p" -gt $max_procs ] && max_procs=$p
	done
	max_size=0
	for b in $sizes; do [ "$b" -gt $max_size ] && max_size=$b; done
	growth_cpus=$((max_procs > 4 ? max_procs : 4))
	# The largest run's files, as much again for pf_private's copies, 2 GiB for the rest.
	growth_mem=$((2 * max_size * max_procs / 1048576 + 2048))
fi

rm -rf "$out"
mkdir -p "$out"

"$repo/qemu/kernel.sh" build bench || exit 1
# rshmem.ko for the bench kernel and the guest's /tests (bench-build.sh).
"$here/bench-build.sh" "$out" || exit 1
mod=$out/module
guest=$out/guest
plugin=
if [ "$insn" != 0 ] || [ "$growth" != 0 ]; then
	plugin=$("$repo/qemu/plugin.sh") || exit 1
fi

t0=$(date +%s)
status=0
: >"$out/raw.txt"
if [ "$reps" != 0 ]; then
	boot_mem=$mem
	for c in $cpus; do
		echo "bench: $c CPUs, $reps repetitions of ${secs}s per measurement"
		tb=$(date +%s)
		"$repo/qemu/vm.sh" --kernel bench --ko "$mod/rshmem.ko" --tests "$guest" \
			--smp "$c" --mem 2G --prealloc --timeout $((600 + reps * 400)) --out "$out/vm-$c" \
			--mode cmd --cmd "HUGE=$huge MEM='$boot_mem' sh /tests/bench/run.sh $reps $secs '$workloads'" |
			tee "$out/vm-$c.txt" | grep --line-buffered -E '^(BENCH|MEM|vm:|splat:|#)'
		[ "${PIPESTATUS[0]}" = 0 ] || status=1
		grep -a -E '^(BENCH|MEM)(-FAIL)? ' "$out/vm-$c/output.log" >>"$out/raw.txt"
		# The memory pass once: it does not depend on the CPUs.
		boot_mem=0
		echo "bench: the timed boot at $c CPUs took $(($(date +%s) - tb))s"
	done
fi

# The counting boots: the plugin's windows joined with the guest's names for
# them, as "INSN <cpus> <workload> <fs> <rep> <ops> <kernel> <user> <secs>".
if [ "$insn" != 0 ]; then
	: >"$out/insn.txt"
	for c in $cpus; do
		echo "bench: instruction counts at $c CPUs, $insn_reps repetitions of a fixed number of operations"
		tb=$(date +%s)
		"$repo/qemu/vm.sh" --kernel bench --ko "$mod/rshmem.ko" --tests "$guest" \
			--smp "$c" --mem 2G --prealloc --timeout 3600 --out "$out/count-$c" \
			--plugin "$plugin,out=$out/count-$c.windows" \
			--mode cmd --cmd "HUGE=$huge sh /tests/bench/count.sh insn $insn_reps '$workloads'" |
			tee "$out/count-$c.txt" | grep --line-buffered -E '^(INSN|COUNT|vm:|splat:|#)'
		[ "${PIPESTATUS[0]}" = 0 ] || status=1
		python3 "$tests/bench/insn_join.py" "$out/count-$c.windows" "$out/count-$c/output.log" INSN \
			>>"$out/insn.txt" || status=1
		echo "bench: the counting boot at $c CPUs took $(($(date +%s) - tb))s"
	done
fi

# The cost-growth boot, joined as "GROWTH <workload> <procs> <size> <fs> <ops> <kernel> <user> <secs>".
if [ "$growth" != 0 ]; then
	echo "bench: cost growth, $growth_cpus vCPUs and ${growth_mem} MiB: $growth_workloads at" \
		"$growth_procs processes and$sizes bytes per process"
	tb=$(date +%s)
	"$repo/qemu/vm.sh" --kernel bench --ko "$mod/rshmem.ko" --tests "$guest" \
		--smp "$growth_cpus" --mem "${growth_mem}M" --timeout 10800 --out "$out/growth" \
		--plugin "$plugin,out=$out/growth.windows" \
		--mode cmd --cmd "sh /tests/bench/count.sh growth '${sizes# }' '$growth_procs' '$growth_workloads'" |
		tee "$out/growth.log" | grep --line-buffered -E '^(GROWTH|COUNT|vm:|splat:|#)'
	[ "${PIPESTATUS[0]}" = 0 ] || status=1
	python3 "$tests/bench/insn_join.py" "$out/growth.windows" "$out/growth/output.log" GROWTH \
		>"$out/growth.txt" || status=1
	echo "bench: the growth boot took $(($(date +%s) - tb))s"
fi
echo "bench: $(($(date +%s) - t0))s in the VM"

args=(--vm-ok $((1 - status)))
[ $smoke = 1 ] && args+=(--ktap)
# Nothing for the table when only the growth boot ran (REPS=0 INSN=0).
if [ "$reps" != 0 ] || [ "$insn" != 0 ]; then
	python3 "$tests/bench/report.py" "${args[@]}" "$out" || status=1
fi
if [ "$growth" != 0 ]; then
	python3 "$tests/bench/growth.py" "$out" || status=1
fi
exit $status
