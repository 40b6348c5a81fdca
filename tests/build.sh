#!/usr/bin/env bash
# Build the guest suite into tests/build/guest: C tests (linked statically,
# with the kernel tree's own kselftest_harness.h), shell tests, the runner and
# /tests/list for it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../qemu/toolchain.sh"
ksrc=$(kernel_src)
out=$here/build/guest
rm -rf "$out"
mkdir -p "$out"
cp "$here/run-suite.sh" "$here/ktap.sh" "$out/"
: >"$out/list"
grep -Ev '^#|^$' "$here/guest.list" | while read -r src timeout; do
	case "$src" in
	*.c)
		bin=${src%.c}
		mkdir -p "$out/$(dirname "$bin")"
		gcc -static -O2 -g -Wall -Werror -pthread \
			-I"$ksrc/tools/testing/selftests" \
			-o "$out/$bin" "$here/$src"
		echo "$bin $timeout" >>"$out/list"
		;;
	*.sh)
		mkdir -p "$out/$(dirname "$src")"
		install -m 755 "$here/$src" "$out/$src"
		echo "$src $timeout" >>"$out/list"
		;;
	esac
done
