#!/usr/bin/env bash
# `make fuzz DURATION=SECONDS` (default 600): the long form of the suite's
# fuzzing slices, in one VM boot on the test kernel (lockdep, KASAN, kmemleak):
#   1. trinity as nobody on rshmem victims for DURATION seconds (16 children):
#      half of it on an instance with huge=always;
#   2. the model-checking exerciser for DURATION seconds in all: a twelfth
#      each for one process and for four processes, in the normal mode and in
#      edge mode (offsets at page edges around 2^31, 2^32, 2^43, 2^44 and
#      MAX_LFS), on rshmem and on tmpfs, and the normal mode's two on
#      instances of each mounted with huge=always;
#   3. umount and rmmod (tests/module/module_unload.sh).
# It passes when all of that passes and the kernel log has no splat. The KTAP
# and the logs go to tests/build/fuzz.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests=$(dirname "$here")
repo=$(dirname "$tests")
secs=${DURATION:-600}
case "$secs" in '' | *[!0-9]*) echo "fuzz: DURATION must be a number of seconds" >&2; exit 2 ;; esac
[ "$secs" -ge 20 ] || { echo "fuzz: DURATION must be at least 20 seconds" >&2; exit 2; }
out=$repo/tests/build/fuzz
rm -rf "$out"
mkdir -p "$out"
"$here/build.sh" || exit 1
cat >"$out/fuzz.list" <<LIST
fuzz/trinity.sh $((secs + 300)) $((secs / 2)) 16
fuzz/trinity.sh $((secs + 300)) $((secs / 2)) 16 huge=always
fuzz/exerciser.sh $((secs + 900)) $secs
module/module_unload.sh 120
LIST
t0=$(date +%s)
"$repo/qemu/vm.sh" --mode cmd --cmd "sh /tests/run-suite.sh /extra/fuzz.list" \
	--copy "$out/fuzz.list" --timeout $((2 * secs + 1500)) --out "$out/vm" | tee "$out/vm.txt"
rc=${PIPESTATUS[0]}
grep -a -v '^RSHMEM-GUEST-EXIT' "$out/vm/output.log" >"$out/fuzz.ktap"
{
	echo "KTAP version 1"
	echo "1..1"
	sed -n 's/^\(vm\|splat\): /# &/p' "$out/vm.txt"
	[ "$rc" = 0 ] && echo "ok 1 vm_run_clean" || echo "not ok 1 vm_run_clean"
} >"$out/vm.ktap"
echo "# fuzz: DURATION=$secs, $(($(date +%s) - t0))s in all; logs in $out"
python3 "$here/ktap_summary.py" "$out/fuzz.ktap" "$out/vm.ktap"
