#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The unprivileged path: rshmem mounted by root of a user namespace that user
# 1000 made, with no real privileges, against tmpfs in the same place (both
# are FS_USERNS_MOUNT file systems, the only kind such a user can mount).
#
# Each check runs userns_run (next to this script): it drops to uid 1000,
# unshares a user and a mount namespace, maps uid and gid 0 in it to 1000 and
# runs this script again as "userns.sh inner FUNCTION ARGS" inside. The mounts
# made there live as long as the namespace, so each check mounts, works and
# unmounts in one go. Checked, on rshmem and on tmpfs:
#   - inside, the shell is uid 0 with nothing of the real root: no device
#     nodes, no /proc/sys writes;
#   - mount works, and so do write, read, fallocate, mmap (userns_run -m),
#     the owner of the root directory (root of the namespace), mknod (EPERM),
#     umount; the mount's options in /proc/mounts are the same as tmpfs's;
#   - an owner option naming a uid or gid not mapped in the namespace (5) is
#     refused, one that is mapped (0) is accepted;
#   - the suite's boundary matrix (hardening/boundary, next to this script)
#     passes inside the namespace;
#   - a short slice of the model-checking exerciser (500 operations) passes on
#     a mount made inside the namespace.
# Needs CONFIG_USER_NS, unprivileged user namespaces allowed, and root to start.
here=$(cd "$(dirname "$0")" && pwd)
self=$here/$(basename "$0")
run=$here/userns_run
ex=${RSHMEM_EXERCISER:-/tests/fuzz/exerciser}
boundary=$here/boundary
opts=size=16m

# Inside the namespace: the functions below, run by "userns.sh inner F ARGS".
# Each prints what went wrong and returns non-zero on a failure.
say() { echo "# $*"; }

inner_identity() {
	[ "$(id -u)" = 0 ] && [ "$(id -g)" = 0 ] || { say "not root inside: $(id)"; return 1; }
	set -- $(cat /proc/self/uid_map)
	[ "$1 $2 $3" = "0 1000 1" ] || { say "uid_map: $*"; return 1; }
	set -- $(cat /proc/self/gid_map)
	[ "$1 $2 $3" = "0 1000 1" ] || { say "gid_map: $*"; return 1; }
	[ "$(cat /proc/self/setgroups)" = deny ] || { say "setgroups not denied"; return 1; }
	# Root of the namespace only: the real root's files stay out of reach.
	if (echo 1 >/proc/sys/vm/drop_caches) 2>/dev/null; then
		say "wrote /proc/sys/vm/drop_caches"
		return 1
	fi
	if mknod /tmp/userns-node.$$ c 1 3 2>/dev/null; then
		rm -f /tmp/userns-node.$$
		say "made a device node"
		return 1
	fi
	return 0
}

# inner_use FS DIR: mount, work, unmount.
inner_use() {
	fs=$1 dir=$2
	mount -t "$fs" -o $opts none "$dir" || { say "mount -t $fs failed"; return 1; }
	rc=1
	(
		set -e
		cd "$dir"
		[ "$(stat -c %u:%g .)" = 0:0 ] || { say "root dir owner $(stat -c %u:%g .)"; exit 1; }
		echo "written inside a user namespace" >f
		[ "$(cat f)" = "written inside a user namespace" ] || { say "read back: $(cat f)"; exit 1; }
		[ "$(stat -c %u:%g f)" = 0:0 ] || { say "file owner $(stat -c %u:%g f)"; exit 1; }
		dd if=/dev/urandom of=r bs=4096 count=64 2>/dev/null
		cat r >r2
		cmp r r2 || { say "a copy differs"; exit 1; }
		fallocate -l 1048576 g || { say "fallocate failed"; exit 1; }
		[ "$(stat -c %s:%b:%B g)" = 1048576:2048:512 ] ||
			{ say "after fallocate: size:blocks:blocksize $(stat -c %s:%b:%B g)"; exit 1; }
		truncate -s 8192 m
		"$run" -m m || { say "mmap check failed"; exit 1; }
		if mknod dev c 1 3 2>/dev/null; then
			say "mknod of a device succeeded"
			exit 1
		fi
		mkdir d && mv f d/f && rm -r d r r2 g m
		[ -z "$(ls -A)" ] || { say "left: $(ls -A)"; exit 1; }
	) && rc=0
	umount "$dir" || { say "umount failed"; return 1; }
	return $rc
}

# inner_options DIR: the options rshmem and tmpfs show for the same mount,
# printed for the outer script to compare.
inner_options() {
	dir=$1
	for fs in rshmem tmpfs; do
		mount -t $fs -o $opts none "$dir" || { say "mount -t $fs failed"; return 1; }
		awk -v d="$dir" '$2 == d { print $4 }' /proc/mounts
		umount "$dir" || return 1
	done
}

# inner_owner FS DIR: owner options, unmapped refused, mapped accepted.
inner_owner() {
	fs=$1 dir=$2
	for o in uid=5 gid=5 uid=5,gid=0 uid=0,gid=5; do
		if mount -t "$fs" -o $opts,$o none "$dir" 2>/dev/null; then
			say "mount -t $fs -o $o (not mapped) succeeded"
			umount "$dir"
			return 1
		fi
	done
	mount -t "$fs" -o $opts,uid=0,gid=0,mode=0750 none "$dir" ||
		{ say "mount -t $fs -o uid=0,gid=0 (mapped) failed"; return 1; }
	got=$(stat -c %u:%g:%a "$dir")
	umount "$dir" || return 1
	[ "$got" = 0:0:750 ] || { say "root dir: $got"; return 1; }
}

# inner_exerciser FS DIR: the exerciser on a mount of our own.
inner_exerciser() {
	fs=$1 dir=$2
	mount -t "$fs" -o $opts none "$dir" || { say "mount -t $fs failed"; return 1; }
	"$ex" -n 500 -q "$dir/ex" >/tmp/userns-ex.$$ 2>&1
	rc=$?
	sed 's/^/# /' /tmp/userns-ex.$$ | tail -n 20
	rm -f /tmp/userns-ex.$$
	umount "$dir" || return 1
	return $rc
}

if [ "${1:-}" = inner ]; then
	shift
	f=inner_$1
	shift
	$f "$@"
	exit $?
fi

. /tests/lib/ktap.sh

# A check: FUNCTION ARGS run inside a new namespace.
inside() { "$run" sh "$self" inner "$@"; }

ktap_plan 10
if [ "$(id -u)" != 0 ] || [ ! -x "$run" ]; then
	for i in 1 2 3 4 5 6 7 8 9 10; do
		ktap_result SKIP "userns_$i" "needs root to start, and $run"
	done
	ktap_finish
fi
if ! "$run" true 2>/tmp/userns.err; then
	ktap_diag "$(cat /tmp/userns.err)"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		ktap_result SKIP "userns_$i" "no unprivileged user namespaces here (CONFIG_USER_NS?)"
	done
	ktap_finish
fi
dir=/tmp/userns.$$
mkdir -p "$dir"
chown 1000:1000 "$dir"

ktap_check root_inside_nothing_outside inside identity "$dir"
for fs in rshmem tmpfs; do
	ktap_check "${fs}_mount_and_use" inside use $fs "$dir"
done

# The options as /proc/mounts shows them, rshmem's against tmpfs's.
set -- $(inside options "$dir")
ktap_diag "rshmem: ${1:-?}"
ktap_diag "tmpfs:  ${2:-?}"
same_options() { [ -n "${1:-}" ] && [ "${1:-}" = "${2:-}" ]; }
ktap_check options_shown_as_on_tmpfs same_options "${1:-}" "${2:-}"

for fs in rshmem tmpfs; do
	ktap_check "${fs}_owner_must_be_mapped" inside owner $fs "$dir"
done

# Outside, the namespace's mounts are gone with it, and the directory is empty.
nothing_left() { [ -z "$(ls -A "$dir")" ] && ! grep -q " $dir " /proc/mounts; }
ktap_check nothing_left_outside nothing_left

# The boundary matrix, as root of the namespace. What cannot work there at all
# (a case that also fails on tmpfs: dropping to a user who is not mapped, say)
# is reported, not counted; a case failing on rshmem alone fails the check.
boundary_inside() {
	"$run" "$boundary" >/tmp/userns-boundary.$$ 2>&1
	awk '
	/^ok [0-9]+ / { st[$3] = $0 ~ /# SKIP/ ? "skip" : "ok"; order[++n] = $3 }
	/^not ok [0-9]+ / { st[$4] = "fail"; order[++n] = $4 }
	END {
		for (i = 1; i <= n; i++) {
			t = order[i]
			twin = t
			if (!sub(/\.rshmem\./, ".tmpfs.", twin)) {
				if (t ~ /\.tmpfs\./) {
					twin = t
					sub(/\.tmpfs\./, ".rshmem.", twin)
					if (st[t] == "fail" && st[twin] != "fail")
						print "# boundary: " t " fails (on tmpfs alone)"
					continue
				}
				twin = ""
			}
			if (st[t] == "ok")
				passed++
			if (st[t] != "fail")
				continue
			if (twin != "" && st[twin] == "fail") {
				print "# boundary: " t " fails, as " twin " does"
			} else {
				print "# boundary: " t " fails"
				bad++
			}
		}
		printf "# boundary: %d tests, %d on rshmem passed, %d failed on rshmem alone\n", n, passed, bad
		exit bad || !passed
	}' /tmp/userns-boundary.$$
	rc=$?
	[ $rc = 0 ] || sed 's/^/# /' /tmp/userns-boundary.$$ | grep -v '^# ok ' | tail -n 40
	rm -f /tmp/userns-boundary.$$
	return $rc
}
if [ -x "$boundary" ]; then
	ktap_check boundary_matrix_inside boundary_inside
else
	ktap_result SKIP boundary_matrix_inside "no $boundary"
fi

for fs in rshmem tmpfs; do
	if [ -x "$ex" ]; then
		ktap_check "${fs}_exerciser_inside" inside exerciser $fs "$dir"
	else
		ktap_result SKIP "${fs}_exerciser_inside" "no $ex"
	fi
done
rmdir "$dir"
ktap_finish
