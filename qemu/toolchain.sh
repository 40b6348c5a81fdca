# Sourced by the rig's scripts: where the cache is and which tools build the
# kernel and the module. One place, so the kernel and rshmem.ko always agree.
: "${RSHMEM_CACHE:=$HOME/.cache/rshmem}"
export RSHMEM_CACHE
export PATH="/usr/lib/llvm-19/bin:$PATH"
RSHMEM_RUSTC=${RUSTC:-/usr/bin/rustc}
RSHMEM_BINDGEN=${BINDGEN:-$RSHMEM_CACHE/bindgen-0.69.5/bin/bindgen}
# The variables every kernel and module make gets.
KMAKE_TOOLS=(LLVM=1 "RUSTC=$RSHMEM_RUSTC" "HOSTRUSTC=$RSHMEM_RUSTC" "BINDGEN=$RSHMEM_BINDGEN"
	RUSTDOC=/usr/bin/rustdoc RUSTFMT=/usr/bin/rustfmt CLIPPY_DRIVER=/usr/bin/clippy-driver)

# The kernel source unpacked by qemu/deps.sh.
kernel_src() {
	local v
	v=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) || {
		echo "linux-source-6.12 is not installed: run qemu/deps.sh" >&2
		return 1
	}
	echo "$RSHMEM_CACHE/linux-${v//[~+]/_}"
}
