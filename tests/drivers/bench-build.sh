#!/usr/bin/env bash
# What a benchmark boot needs, built for the bench kernel:
#   tests/drivers/bench-build.sh OUT
# OUT/module/rshmem.ko, built from a copy of the sources so the test kernel's
# build in the work tree is left alone, and OUT/guest, the guest's /tests: the
# workloads (bench/bench, bench/run.sh, and bench/count.sh for the counting
# boots, with bench/fs.sh, the file systems they run on) and the punch-latency test. The bench kernel must be built already
# (qemu/kernel.sh build bench). Used by `make bench` (bench.sh) and
# `make profile` (profile.sh).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests=$(dirname "$here")
repo=$(dirname "$tests")
. "$repo/qemu/toolchain.sh"
out=${1:?usage: bench-build.sh OUT}
mkdir -p "$out"
kdir=$("$repo/qemu/kernel.sh" dir bench)
[ -f "$kdir/.rshmem-built" ] || { echo "bench-build: the bench kernel is not built" >&2; exit 1; }

mod=$out/module
rm -rf "$mod"
mkdir -p "$mod/src"
cp "$repo/Kbuild" "$mod/"
(cd "$repo/src" && find . -type f \( -name '*.rs' -o -name '*.h' \) \
	! -name bindings_generated.rs -exec cp --parents {} "$mod/src/" \;)
if ! make -C "$kdir" M="$mod" "${KMAKE_TOOLS[@]}" modules >"$out/module.log" 2>&1; then
	tail -n 30 "$out/module.log"
	echo "bench-build: building rshmem.ko for the bench kernel failed" >&2
	exit 1
fi

guest=$out/guest
ksrc=$(kernel_src)
rm -rf "$guest"
mkdir -p "$guest/bench" "$guest/race"
cc() { gcc -static -O2 -Wall -Werror -pthread -I"$ksrc/tools/testing/selftests" "$@"; }
cc -o "$guest/bench/bench" "$tests/bench/bench.c" || exit 1
cc -o "$guest/race/punch_starvation" "$tests/race/punch_starvation.c" || exit 1
install -m 755 "$tests/bench/run.sh" "$guest/bench/run.sh"
install -m 755 "$tests/bench/count.sh" "$guest/bench/count.sh"
install -m 644 "$tests/bench/fs.sh" "$guest/bench/fs.sh"
