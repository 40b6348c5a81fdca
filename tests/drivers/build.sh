#!/usr/bin/env bash
# Build the guest suite into tests/build/guest: C tests (linked statically,
# with the kernel tree's own kselftest_harness.h), shell tests, the runner and
# /tests/list for it; the tools the tests run ("tool" lines of guest.list),
# built the same way but not listed; and Debian's trinity in /tests/bin (the
# initramfs gets its libraries).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests=$(dirname "$here")
. "$tests/../qemu/toolchain.sh"
ksrc=$(kernel_src)
out=$tests/build/guest
rm -rf "$out"
mkdir -p "$out"
cp "$here/run-suite.sh" "$out/"
mkdir -p "$out/lib"
cp "$tests/lib/ktap.sh" "$tests/lib/memory.sh" "$out/lib/"
: >"$out/list"
mkdir -p "$out/bin"
cp /usr/bin/trinity "$out/bin/trinity"
cc() { gcc -static -O2 -g -Wall -Werror -pthread -I"$ksrc/tools/testing/selftests" "$@"; }
grep -Ev '^#|^$' "$tests/guest.list" | while read -r src timeout; do
	case "$src" in
	tool)
		bin=${timeout%.c}
		mkdir -p "$out/$(dirname "$bin")"
		cc -o "$out/$bin" "$tests/$timeout"
		;;
	*.c)
		bin=${src%.c}
		mkdir -p "$out/$(dirname "$bin")"
		cc -o "$out/$bin" "$tests/$src"
		echo "$bin $timeout" >>"$out/list"
		;;
	*.sh)
		mkdir -p "$out/$(dirname "$src")"
		install -m 755 "$tests/$src" "$out/$src"
		echo "$src $timeout" >>"$out/list"
		;;
	esac
done
