#!/usr/bin/env bash
# Build the VM's initramfs (an uncompressed newc cpio):
#   initramfs.sh OUT.cpio MODULE.ko TESTDIR EXTRADIR
# busybox-static, /init, rshmem.ko, the built tests in /tests, the user's extra
# files in /extra, and every shared library an ELF in it needs, with its loader.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1 ko=$2 tests=$3 extra=$4

root=$(mktemp -d)
chmod 755 "$root"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc,lib/modules,proc,sys,dev,tmp,mnt,extra,tests,root}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 755 "$here/guest-init.sh" "$root/init"
install -m 755 "$here/demo.sh" "$root/etc/rshmem-demo.sh"
cp "$ko" "$root/lib/modules/rshmem.ko"
[ -d "$tests" ] && cp -a "$tests/." "$root/tests/"
[ -d "$extra" ] && cp -a "$extra/." "$root/extra/"
# Users for tests that drop privileges.
printf 'root:x:0:0:root:/root:/bin/sh\nrshmem:x:1000:1000:rshmem test user:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nrshmem:x:1000:\nnogroup:x:65534:\n' >"$root/etc/group"

# Libraries of dynamically linked programs, found with ldd.
find "$root" -type f -perm -u+x | while read -r f; do
	file -b "$f" 2>/dev/null | grep -q 'dynamically linked' || continue
	ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true
done | sort -u | while read -r lib; do
	[ -e "$lib" ] || continue
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) >"$out"
