#!/usr/bin/env bash
# Boot the test VM with rshmem loaded and mounted, and run something in it.
#
#   qemu/vm.sh [options]
#     --mode check|cmd|demo|shell   what the guest runs (default: cmd)
#     --cmd 'COMMAND'               with --mode cmd: a shell command, run in /extra
#     --copy PATH                   copy a host file or directory into /extra (repeatable)
#     --timeout SECONDS             kill a guest that runs longer (default 900)
#     --smp N  --mem SIZE           guest CPUs (default 2) and memory (default 1G)
#     --kernel NAME                 kernel from qemu/kernel-NAME.config (default test)
#     --ko PATH  --tests DIR        the module and the guest's /tests (default: rshmem.ko
#                                   and tests/build/guest, built for the test kernel)
#     --stress N                    multiply the race tests' iterations (RSHMEM_STRESS)
#     --out DIR                     where console.log and output.log go
#     --plugin SPEC                 load a QEMU TCG plugin (qemu -plugin SPEC)
#     --prealloc                    allocate all of the guest's memory on the host at
#                                   start (-mem-prealloc), for timed and counted runs:
#                                   without it the first guest access to a page of its
#                                   RAM makes the host fault and zero one, a cost the
#                                   run that first reaches fresh guest memory pays (in
#                                   time, and in the time-driven kernel work its
#                                   window then counts)
#
# In the guest: rshmem at /mnt/rshmem, tmpfs at /mnt/tmpfs, the suite in /tests,
# copied files in /extra. The guest's output (its ttyS1) streams to stdout; the
# kernel log (ttyS0) goes to DIR/console.log. The run fails (exit 1) when the
# guest's command fails, the guest hangs or dies, or the kernel log has a splat.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
. "$here/toolchain.sh"

mode=cmd cmd= timeout=900 smp=2 mem=1G kname=test out= stress=1
ko=$repo/rshmem.ko tests=$repo/tests/build/guest
copies=() plugin=() prealloc=()
while [ $# -gt 0 ]; do
	case "$1" in
	--mode) mode=$2; shift ;;
	--cmd) cmd=$2; shift ;;
	--copy) copies+=("$(realpath "$2")"); shift ;;
	--timeout) timeout=$2; shift ;;
	--smp) smp=$2; shift ;;
	--mem) mem=$2; shift ;;
	--kernel) kname=$2; shift ;;
	--ko) ko=$(realpath "$2"); shift ;;
	--tests) tests=$(realpath "$2"); shift ;;
	--out) out=$2; shift ;;
	--stress) stress=$2; shift ;;
	--plugin) plugin=(-plugin "$2"); shift ;;
	--prealloc) prealloc=(-mem-prealloc) ;;
	*) echo "vm.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
case "$mode" in check | cmd | demo | shell) ;; *) echo "vm.sh: bad --mode $mode" >&2; exit 2 ;; esac

kdir=$("$here/kernel.sh" dir "$kname")
bzimage=$kdir/arch/x86/boot/bzImage
for f in "$bzimage" "$ko"; do
	[ -f "$f" ] || { echo "vm.sh: $f is missing: run 'make' first" >&2; exit 1; }
done

[ -n "$out" ] || out=$(mktemp -d /tmp/rshmem-vm.XXXXXX)
mkdir -p "$out"
extra=$out/extra
rm -rf "$extra"
mkdir -p "$extra"
for c in ${copies[@]+"${copies[@]}"}; do cp -a "$c" "$extra/"; done
printf '%s\n' "${cmd:-true}" >"$extra/cmd.sh"

"$here/initramfs.sh" "$out/initramfs.cpio" "$ko" "$tests" "$extra"

# TCG's "max" CPU without 5-level paging: with LA57 the direct map moves to
# 0xff11..., and an interrupt during identify_cpu() at boot hits memory whose
# KASAN shadow is not set up yet (a boot-time "wild-memory-access" report, seen
# in about one boot in five).
accel=tcg cpu=max,la57=off
# KVM only on request: on these machines /dev/kvm may exist but fail (MSR setup).
[ -n "${RSHMEM_KVM:-}" ] && accel=kvm cpu=host
append="console=ttyS0 panic=-1 rshmem.mode=$mode rshmem.stress=$stress"
qemu=(qemu-system-x86_64 -machine q35 -accel "$accel" -cpu "$cpu" -smp "$smp" -m "$mem"
	-kernel "$bzimage" -initrd "$out/initramfs.cpio" -append "$append"
	-display none -monitor none -no-reboot ${prealloc[@]+"${prealloc[@]}"} ${plugin[@]+"${plugin[@]}"})

start=$(date +%s.%N)
if [ "$mode" = shell ]; then
	"${qemu[@]}" -serial mon:stdio -serial "file:$out/output.log"
	exit 0
fi
: >"$out/output.log"
set +e
timeout --kill-after=10 "$timeout" "${qemu[@]}" -serial "file:$out/console.log" -serial stdio \
	</dev/null | stdbuf -oL tr -d '\r' | tee "$out/output.log"
qemu_rc=${PIPESTATUS[0]}
set -e
elapsed=$(echo "$(date +%s.%N) - $start" | bc)

rc=0
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	echo "vm: the guest did not finish within ${timeout}s; the end of its kernel log:"
	tail -n 40 "$out/console.log" | sed 's/^/vm:   /'
	rc=1
elif ! exit_line=$(grep -a '^RSHMEM-GUEST-EXIT ' "$out/output.log" | tail -n 1); then
	echo "vm: the guest died before finishing (qemu exit $qemu_rc); the end of its kernel log:"
	tail -n 40 "$out/console.log" | sed 's/^/vm:   /'
	rc=1
elif [ "${exit_line#RSHMEM-GUEST-EXIT }" != 0 ]; then
	echo "vm: the guest's command failed (status ${exit_line#RSHMEM-GUEST-EXIT })"
	rc=1
fi
if ! "$here/splat-scan.sh" "$out/console.log"; then
	echo "vm: kernel splat in the guest log ($out/console.log)"
	rc=1
fi
printf 'vm: guest ran %.1fs, logs in %s\n' "$elapsed" "$out"
exit $rc
