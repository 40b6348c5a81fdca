#!/usr/bin/env bash
# `make bench`: rshmem against tmpfs on a kernel without debugging.
#   tests/drivers/bench.sh            REPS (default 3) repetitions of SECS (default 2) s per
#                             measurement, at 1, 2 and 4 CPUs (CPUS="1 2 4"); all
#                             workloads, or those named in WORKLOADS
#   tests/drivers/bench.sh --smoke    one repetition of 1 s at 2 CPUs (the default suite's
#                             smoke test: it checks that every workload runs on
#                             both file systems and asserts nothing about speed)
# It builds (or finds in the cache) the bench kernel, from the same source and
# toolchain as the test kernel (qemu/kernel-bench.config), builds rshmem.ko for
# it, and boots it once per CPU count. In each boot every workload runs on
# tmpfs and on rshmem, alternating, with the order swapped every repetition.
# Results (BENCH_OUT, default tests/build/bench): raw.txt, results.csv,
# summary.csv, summary.md (the table) and chart.png.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests=$(dirname "$here")
repo=$(dirname "$tests")
. "$repo/qemu/toolchain.sh"
smoke=0
[ "${1:-}" = --smoke ] && smoke=1
if [ $smoke = 1 ]; then
	reps=1 secs=1 cpus=2 out=${BENCH_OUT:-$repo/tests/build/bench-smoke}
else
	reps=${REPS:-3} secs=${SECS:-2} cpus=${CPUS:-1 2 4} out=${BENCH_OUT:-$repo/tests/build/bench}
fi
rm -rf "$out"
mkdir -p "$out"

"$repo/qemu/kernel.sh" build bench || exit 1
# rshmem.ko for the bench kernel and the guest's /tests (bench-build.sh).
"$here/bench-build.sh" "$out" || exit 1
mod=$out/module
guest=$out/guest

t0=$(date +%s)
status=0
: >"$out/raw.txt"
for c in $cpus; do
	echo "bench: $c CPUs, $reps repetitions of ${secs}s per measurement"
	"$repo/qemu/vm.sh" --kernel bench --ko "$mod/rshmem.ko" --tests "$guest" \
		--smp "$c" --mem 2G --timeout $((600 + reps * 400)) --out "$out/vm-$c" \
		--mode cmd --cmd "sh /tests/bench/run.sh $reps $secs '${WORKLOADS:-}'" | tee "$out/vm-$c.txt" |
		grep --line-buffered -E '^(BENCH|vm:|splat:|#)'
	[ "${PIPESTATUS[0]}" = 0 ] || status=1
	grep -a -E '^BENCH(-FAIL)? ' "$out/vm-$c/output.log" >>"$out/raw.txt"
done
echo "bench: $(($(date +%s) - t0))s in the VM"
args=(--vm-ok $((1 - status)))
[ $smoke = 1 ] && args+=(--ktap)
python3 "$tests/bench/report.py" "${args[@]}" "$out" || status=1
exit $status
