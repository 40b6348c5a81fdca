#!/usr/bin/env bash
# Build the guest suite into tests/build/guest: C tests (linked statically,
# with the kernel tree's own kselftest_harness.h), shell tests, the runner and
# /tests/list for it; the tools the tests run ("tool" lines of guest.list),
# built the same way but not listed; and Debian's trinity in /tests/bin (the
# initramfs gets its libraries).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../qemu/toolchain.sh"
ksrc=$(kernel_src)
out=$here/build/guest
rm -rf "$out"
mkdir -p "$out"
cp "$here/run-suite.sh" "$here/ktap.sh" "$here/memory.sh" "$out/"
: >"$out/list"
mkdir -p "$out/bin"
cp /usr/bin/trinity "$out/bin/trinity"
cc() { gcc -static -O2 -g -Wall -Werror -pthread -I"$ksrc/tools/testing/selftests" "$@"; }
grep -Ev '^#|^$' "$here/guest.list" | while read -r src timeout; do
	case "$src" in
	tool)
		bin=${timeout%.c}
		mkdir -p "$out/$(dirname "$bin")"
		cc -o "$out/$bin" "$here/$timeout"
		;;
	*.c)
		bin=${src%.c}
		mkdir -p "$out/$(dirname "$bin")"
		cc -o "$out/$bin" "$here/$src"
		echo "$bin $timeout" >>"$out/list"
		;;
	*.sh)
		mkdir -p "$out/$(dirname "$src")"
		install -m 755 "$here/$src" "$out/$src"
		echo "$src $timeout" >>"$out/list"
		;;
	esac
done
