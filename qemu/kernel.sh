#!/usr/bin/env bash
# Build (or find in the cache) a kernel for the VM.
#   qemu/kernel.sh build NAME   build the kernel configured by qemu/kernel-NAME.config
#   qemu/kernel.sh dir NAME     print its build directory (KDIR for the module)
# The build directory is keyed by the kernel source version, the config
# fragment and the versions of rustc, clang and bindgen: change any of them
# and a new kernel is built; change none and nothing is rebuilt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/toolchain.sh"

cmd=${1:?usage: kernel.sh build|dir NAME}
name=${2:?usage: kernel.sh build|dir NAME}
frag="$here/kernel-$name.config"
[ -f "$frag" ] || { echo "kernel.sh: no fragment $frag" >&2; exit 1; }
src=$(kernel_src)

key=$( {
	echo "$src"
	cat "$frag"
	"$RSHMEM_RUSTC" --version
	clang --version | head -n1
	"$RSHMEM_BINDGEN" --version
} | sha256sum | cut -c1-16)
out="$RSHMEM_CACHE/kernel-$name-$key"

if [ "$cmd" = dir ]; then
	echo "$out"
	exit 0
fi

if [ -f "$out/.rshmem-built" ]; then
	echo "kernel: $name kernel cached in $out"
	exit 0
fi

start=$(date +%s)
echo "kernel: building the $name kernel in $out (key $key)"
mkdir -p "$out"
mk() { make -C "$src" O="$out" "${KMAKE_TOOLS[@]}" "$@"; }
mk -s tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$frag" >/dev/null
mk -s olddefconfig >/dev/null

# Like kselftest's config check: an option that olddefconfig dropped (an
# unmet dependency) is a broken fragment, not something to find out later.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=n) opt=${line%%=*}; grep -q "^$opt=" "$out/.config" && { echo "kernel: $opt should be unset" >&2; bad=1; } ;;
	CONFIG_*) grep -qx "$line" "$out/.config" || { echo "kernel: $line did not survive olddefconfig" >&2; bad=1; } ;;
	esac
done <"$frag"
[ $bad = 0 ] || exit 1

jobs=$(($(nproc) + 1))
if ! mk -j"$jobs" >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	echo "kernel: build failed, full log in $out/build.log" >&2
	exit 1
fi
touch "$out/.rshmem-built"
# Builds of this kernel under other keys are stale now.
for old in "$RSHMEM_CACHE/kernel-$name-"*; do
	[ "$old" = "$out" ] || rm -rf "$old"
done
echo "kernel: $name kernel built in $(($(date +%s) - start))s"
