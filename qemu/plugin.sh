#!/usr/bin/env bash
# Build (or find in the cache) the instruction-counting QEMU TCG plugin,
# qemu/plugin/insn_count.c, and print the path of insn_count.so on stdout.
# Its messages go to stderr; each step says what it does and how long it took.
#
# The plugin API's header, include/qemu/qemu-plugin.h, is not in any binary
# package: it comes from Debian's qemu source package, of the version of the
# installed qemu-system-x86, fetched once into the cache with a private apt
# configuration (a deb-src entry for the archive and suite that the installed
# qemu-system-x86 came from; the machine's own apt configuration is not
# touched). Only the header is kept. libglib2.0-dev and pkg-config are
# installed if missing.
#
# The build lands in $RSHMEM_CACHE/plugin-<key>/insn_count.so, the key
# covering the plugin's source, the header, the QEMU version and the compiler.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/toolchain.sh"
CACHE=$RSHMEM_CACHE
mkdir -p "$CACHE"
src=$here/plugin/insn_count.c

step_start=0
step() { step_start=$(date +%s.%N); printf 'plugin: %s\n' "$*" >&2; }
done_step() { printf 'plugin:   done in %.1fs\n' "$(echo "$(date +%s.%N) - $step_start" | bc)" >&2; }
fail() { echo "plugin: $*" >&2; exit 1; }

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

qemu_ver=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null) ||
	fail "qemu-system-x86 is not installed: run 'make deps'"
# The source package's version (a binNMU such as +b3 has none of its own).
src_ver=$(dpkg-query -W -f='${source:Version}' qemu-system-x86)
upstream=${src_ver#*:}
upstream=${upstream%-*}
hdr_dir=$CACHE/qemu-plugin-api-${src_ver//[~+:]/_}
hdr=$hdr_dir/qemu-plugin.h

# The archives that carry qemu-system-x86, as "URI SUITE COMPONENT", from
# apt-cache policy (lines such as "500 http://deb.debian.org/debian
# bookworm/main amd64 Packages"), the installed version's first.
archives() {
	apt-cache policy qemu-system-x86 | awk '
		/^ (\*\*\*| {3})[^ ]/ { mine = ($1 == "***") }
		$2 ~ /^[a-z]+:\/\// && $3 ~ /\// {
			split($3, sc, "/")
			line = $2 " " sc[1] " " sc[2]
			if (!(line in seen)) { seen[line] = 1; if (mine) print line; else rest = rest line "\n" }
		}
		END { printf "%s", rest }'
}

# The Signed-By of the machine's deb822 source entry for URI, if any.
signed_by() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v uri="$1" 'BEGIN { RS = ""; FS = "\n" }
			index($0, uri) { for (i = 1; i <= NF; i++) if ($i ~ /^Signed-By:/) { sub(/^Signed-By: */, "", $i); print $i; exit } }' "$f"
	done | head -n 1
}

if [ ! -f "$hdr" ]; then
	apt_dir=$CACHE/qemu-src-apt
	rm -rf "$apt_dir"
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" \
		"$apt_dir/sources.list.d" "$apt_dir/download"
	lines=$(archives)
	[ -n "$lines" ] || fail "no archive in apt-cache policy carries qemu-system-x86; cannot fetch its source"
	while read -r uri suite comp; do
		sb=$(signed_by "$uri")
		if [ -n "$sb" ] && [ -f "$sb" ]; then
			echo "deb-src [signed-by=$sb] $uri $suite $comp"
		else
			echo "deb-src $uri $suite $comp"
		fi
	done <<<"$lines" >"$apt_dir/sources.list"
	cat >"$apt_dir/apt.conf" <<-EOF
	Dir::Etc::SourceList "$apt_dir/sources.list";
	Dir::Etc::SourceParts "$apt_dir/sources.list.d";
	Dir::State::Lists "$apt_dir/lists";
	Dir::Cache "$apt_dir/cache";
	Dir::Cache::pkgcache "";
	Dir::Cache::srcpkgcache "";
	EOF
	papt() { APT_CONFIG="$apt_dir/apt.conf" $SUDO apt-get -q "$@"; }

	step "fetching the source index of $(tr '\n' ';' <"$apt_dir/sources.list" | sed 's/;$//') into $apt_dir"
	papt update >"$apt_dir/update.log" 2>&1 || {
		tail -n 20 "$apt_dir/update.log" >&2
		fail "apt-get update of the deb-src entries failed (log: $apt_dir/update.log)"
	}
	done_step

	step "downloading Debian's qemu source package $src_ver (for include/qemu/qemu-plugin.h)"
	if ! (cd "$apt_dir/download" && papt source --download-only "qemu=$src_ver") >"$apt_dir/source.log" 2>&1; then
		tail -n 5 "$apt_dir/source.log" >&2
		echo "plugin: qemu $src_ver is not in the source archive; trying its newest version" >&2
		(cd "$apt_dir/download" && papt source --download-only qemu) >>"$apt_dir/source.log" 2>&1 || {
			tail -n 20 "$apt_dir/source.log" >&2
			fail "Debian's qemu source package cannot be had (log: $apt_dir/source.log)"
		}
	fi
	done_step

	step "extracting include/qemu/qemu-plugin.h into $hdr_dir"
	orig=$(ls "$apt_dir/download"/qemu_"$upstream".orig.tar.* 2>/dev/null | head -n 1)
	[ -n "$orig" ] || fail "the download has no qemu_$upstream.orig.tar.*, the upstream version of the installed QEMU: $(ls "$apt_dir/download")"
	mkdir -p "$hdr_dir.tmp"
	tar -xf "$orig" -C "$hdr_dir.tmp" --wildcards --no-anchored --strip-components=3 \
		'*/include/qemu/qemu-plugin.h' ||
		fail "$orig has no include/qemu/qemu-plugin.h"
	[ -f "$hdr_dir.tmp/qemu-plugin.h" ] || fail "$orig has no include/qemu/qemu-plugin.h"
	echo "$(basename "$orig") from $(head -n 1 "$apt_dir/sources.list")" >"$hdr_dir.tmp/SOURCE"
	rm -rf "$hdr_dir"
	mv "$hdr_dir.tmp" "$hdr_dir"
	rm -rf "$apt_dir"
	done_step
else
	echo "plugin: QEMU plugin API header ($src_ver) present" >&2
fi

missing=()
for p in libglib2.0-dev pkg-config; do
	dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	step "installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$CACHE/apt-plugin.log" 2>&1; then
		tail -n 20 "$CACHE/apt-plugin.log" >&2
		fail "apt-get install failed for: ${missing[*]}"
	fi
	done_step
fi

cflags=$(pkg-config --cflags glib-2.0)
libs=$(pkg-config --libs glib-2.0)
key=$( {
	cat "$src" "$hdr"
	echo "$qemu_ver $cflags $libs"
	gcc --version | head -n 1
} | sha256sum | cut -c1-16)
dir=$CACHE/plugin-$key
so=$dir/insn_count.so
if [ ! -f "$so" ]; then
	step "building $so"
	mkdir -p "$dir"
	# shellcheck disable=SC2086
	gcc -shared -fPIC -O2 -Wall -Werror -I"$hdr_dir" $cflags -o "$so.tmp" "$src" $libs ||
		fail "building the plugin failed"
	mv "$so.tmp" "$so"
	# Builds under other keys are stale, but one may still be loaded at each boot by a
	# `make bench` of another checkout (a worktree at another commit): only those older
	# than a day go. Each is a few hundred KiB.
	find "$CACHE" -maxdepth 1 -name 'plugin-*' ! -path "$dir" -mtime +1 -exec rm -rf {} +
	done_step
else
	echo "plugin: insn_count.so cached in $dir" >&2
fi
echo "$so"
