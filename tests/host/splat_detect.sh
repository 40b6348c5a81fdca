#!/usr/bin/env bash
# The VM runner fails a run whose guest log has a splat: a WARN provoked in the
# guest (through lkdtm) must turn an otherwise passing run into a failure, and
# the same run without it must pass.
set -u
here=$(cd "$(dirname "$0")" && pwd)
vm=$here/../../qemu/vm.sh
. "$here/../lib/ktap.sh"
out=${RSHMEM_TEST_OUT:-$(mktemp -d)}
ktap_plan 3

"$vm" --mode cmd --cmd 'true' --timeout 300 --out "$out/control" >"$out/control.txt" 2>&1
rc=$?
ktap_diag "control run: exit $rc"
ktap_check control_run_without_splat_passes [ $rc = 0 ]

"$vm" --mode cmd --timeout 300 --out "$out/warn" \
	--cmd 'echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT; echo provoked' \
	>"$out/warn.txt" 2>&1
rc=$?
ktap_diag "provoked run: exit $rc"
sed -n 's/^splat: /# splat: /p' "$out/warn.txt" | head -n 3
ktap_check provoked_warn_fails_the_run [ $rc != 0 ]
ktap_check failure_names_the_warning grep -q '^splat: .*WARNING: CPU' "$out/warn.txt"
ktap_finish
