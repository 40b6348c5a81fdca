#!/usr/bin/env bash
# Install what the rig needs and is missing, and only that: Debian packages,
# bindgen-cli (through cargo, into the cache) and the kernel source tree.
# Each step says what it does and how long it took.
set -euo pipefail

CACHE=${RSHMEM_CACHE:?RSHMEM_CACHE must be set}
mkdir -p "$CACHE"
BINDGEN_VERSION=0.69.5
RUST_DEB_VERSION=1.85.0+dfsg3-1~deb12u3

# Debian packages. The Rust toolchain is pinned: 6.12 builds its `core` from
# this toolchain's library source, and a newer rustc-web needs other LLVM libraries.
PKGS=(
	"rustc-web=$RUST_DEB_VERSION" "cargo-web=$RUST_DEB_VERSION"
	"rust-web-src=$RUST_DEB_VERSION" "rustfmt-web=$RUST_DEB_VERSION"
	"rust-web-clippy=$RUST_DEB_VERSION" "libstd-rust-web-dev=$RUST_DEB_VERSION"
	clang-19 lld-19 llvm-19 libclang-19-dev
	make flex bison bc libelf-dev libssl-dev cpio xz-utils python3 gcc libc6-dev
	qemu-system-x86 busybox-static file linux-source-6.12
	trinity gnuplot-nox
)

step_start=0
step() { step_start=$(date +%s.%N); printf 'deps: %s\n' "$*"; }
done_step() { printf 'deps:   done in %.1fs\n' "$(echo "$(date +%s.%N) - $step_start" | bc)"; }

missing=()
for spec in "${PKGS[@]}"; do
	name=${spec%%=*}
	want=${spec#*=}
	[ "$want" = "$spec" ] && want=
	have=$(dpkg-query -W -f='${db:Status-Abbrev}${Version}' "$name" 2>/dev/null || true)
	case "$have" in
	ii\ *) [ -z "$want" ] || [ "${have#ii }" = "$want" ] || missing+=("$spec") ;;
	*) missing+=("$spec") ;;
	esac
done

if [ ${#missing[@]} -gt 0 ]; then
	step "installing Debian packages: ${missing[*]}"
	SUDO=
	[ "$(id -u)" = 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	for spec in "${missing[@]}"; do
		name=${spec%%=*}
		if ! apt-cache show "$spec" >/dev/null 2>&1; then
			echo "deps: package '$spec' cannot be had from the configured archives" >&2
			exit 1
		fi
	done
	if ! $SUDO apt-get install -y -qq --no-install-recommends --allow-downgrades "${missing[@]}" >"$CACHE/apt.log" 2>&1; then
		tail -n 20 "$CACHE/apt.log" >&2
		echo "deps: apt-get install failed for: ${missing[*]}" >&2
		exit 1
	fi
	done_step
else
	echo "deps: Debian packages present"
fi

BINDGEN="$CACHE/bindgen-$BINDGEN_VERSION/bin/bindgen"
if [ ! -x "$BINDGEN" ]; then
	step "building bindgen-cli $BINDGEN_VERSION with cargo into $CACHE/bindgen-$BINDGEN_VERSION"
	# Run from the cache, away from the repository's rust-toolchain.toml, with
	# whichever cargo the machine has.
	cargo=$(command -v cargo || echo /usr/bin/cargo)
	(cd "$CACHE" && "$cargo" install --quiet --locked --root "$CACHE/bindgen-$BINDGEN_VERSION" \
		bindgen-cli --version "$BINDGEN_VERSION")
	done_step
else
	echo "deps: bindgen-cli $BINDGEN_VERSION present"
fi

# The kernel source, unpacked once per Debian package version.
KVER=$(dpkg-query -W -f='${Version}' linux-source-6.12)
SRC="$CACHE/linux-${KVER//[~+]/_}"
if [ ! -f "$SRC/.unpacked" ]; then
	step "unpacking linux-source-6.12 $KVER into $SRC"
	rm -rf "$SRC" "$SRC.tmp"
	mkdir -p "$SRC.tmp"
	tar -C "$SRC.tmp" -xf /usr/src/linux-source-6.12.tar.xz --strip-components=1
	mv "$SRC.tmp" "$SRC"
	touch "$SRC/.unpacked"
	done_step
else
	echo "deps: kernel source $KVER present"
fi
