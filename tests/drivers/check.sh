#!/usr/bin/env bash
# `make check`: the whole suite. Host-side checks of the rig, then the guest
# suite in one VM boot, then the splat-detection boots, then the benchmark's
# smoke test on the bench kernel. Every part prints KTAP;
# ktap_summary.py counts them and prints the closing line
# "N passed, N failed, N skipped". Exits non-zero on any failure or splat.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests=$(dirname "$here")
repo=$(dirname "$tests")
out=${RSHMEM_CHECK_OUT:-$repo/tests/build/results}
rm -rf "$out"
mkdir -p "$out"
t0=$(date +%s)
phase() { printf '\n==== %s\n' "$*"; }

phase "lint: rustfmt and clippy"
if make -C "$repo" --no-print-directory lint >"$out/lint.log" 2>&1; then
	lint=ok
else
	lint=FAIL
	tail -n 30 "$out/lint.log"
fi
# Lint rebuilt the objects with clippy; the suite runs the plain build.
make -C "$repo" --no-print-directory module >"$out/module.log" 2>&1 || { tail -n 30 "$out/module.log"; exit 1; }
{
	echo "KTAP version 1"
	echo "1..1"
	[ $lint = ok ] && echo "ok 1 rustfmt_and_clippy_clean" || echo "not ok 1 rustfmt_and_clippy_clean"
} >"$out/lint.ktap"
cat "$out/lint.ktap"

phase "building the guest tests"
"$here/build.sh" || exit 1

phase "host: splat scanner"
"$tests/host/scanner_samples.sh" | tee "$out/scanner_samples.ktap"

phase "guest suite (rshmem.ko on the test kernel)"
t1=$(date +%s)
# STRESS=N (make check STRESS=N) runs the race tests N times longer.
"$repo/qemu/vm.sh" --mode check --timeout $((2400 * ${STRESS:-1})) --stress "${STRESS:-1}" \
	--out "$out/suite" | tee "$out/suite.txt"
suite_rc=${PIPESTATUS[0]}
# The guest's KTAP, plus the VM's own verdict (hang, death, splat) as a result.
{
	grep -a -v '^RSHMEM-GUEST-EXIT' "$out/suite/output.log"
} >"$out/suite.ktap"
{
	echo "KTAP version 1"
	echo "1..1"
	sed -n 's/^\(vm\|splat\): /# &/p' "$out/suite.txt"
	[ "$suite_rc" = 0 ] && echo "ok 1 vm_run_clean" || echo "not ok 1 vm_run_clean"
} >"$out/suite_vm.ktap"
echo "# guest suite: $(($(date +%s) - t1))s"

phase "host: splat detection in the VM"
RSHMEM_TEST_OUT="$out" "$tests/host/splat_detect.sh" | tee "$out/splat_detect.ktap"

phase "bench smoke: the bench kernel at 2 CPUs, one repetition (nothing about speed)"
t2=$(date +%s)
BENCH_OUT="$out/bench" "$here/bench.sh" --smoke >"$out/bench.txt" 2>&1
sed -n '/^KTAP version 1$/,$p' "$out/bench.txt" >"$out/bench.ktap"
if [ ! -s "$out/bench.ktap" ]; then
	tail -n 30 "$out/bench.txt"
	printf 'KTAP version 1\n1..1\nnot ok 1 bench_smoke # it printed no KTAP\n' >"$out/bench.ktap"
fi
cat "$out/bench.ktap"
echo "# bench smoke: $(($(date +%s) - t2))s"

phase "summary ($(($(date +%s) - t0))s)"
python3 "$here/ktap_summary.py" "$out/lint.ktap" "$out/scanner_samples.ktap" "$out/suite.ktap" \
	"$out/suite_vm.ktap" "$out/splat_detect.ktap" "$out/bench.ktap"
