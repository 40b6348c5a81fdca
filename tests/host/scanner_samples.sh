#!/usr/bin/env bash
# The splat scanner flags each class of kernel report the suite must fail on,
# and passes a clean log. The sample lines have the kernel's own wording.
set -u
here=$(cd "$(dirname "$0")" && pwd)
scan=$here/../../qemu/splat-scan.sh
. "$here/../lib/ktap.sh"
samples=(
	"warn|[   12.345678] WARNING: CPU: 1 PID: 77 at drivers/misc/lkdtm/bugs.c:82 lkdtm_WARNING+0x1a/0x20"
	"bug|[    3.100000] kernel BUG at mm/filemap.c:1540!"
	"oops|[    3.100001] Oops: invalid opcode: 0000 [#1] PREEMPT SMP KASAN"
	"kasan|[    5.000000] BUG: KASAN: slab-use-after-free in rshmem_fault+0x10/0x20"
	"lockdep_circular|[    6.000000] WARNING: possible circular locking dependency detected"
	"lockdep_info|[    6.000001] INFO: possible irq lock inversion dependency detected"
	"lockdep_key|[    6.000002] INFO: trying to register non-static key."
	"atomic_sleep|[    7.000000] BUG: sleeping function called from invalid context at mm/memory.c:6000"
	"hung_task|[  150.000000] INFO: task punch:123 blocked for more than 30 seconds."
	"rcu_stall|[  200.000000] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:"
	"soft_lockup|[  300.000000] watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [fault:99]"
	"kmemleak|[  400.000000] kmemleak: unreferenced object 0xffff888003a1c000 (size 1024):"
	"list_debug|[  401.000000] list_del corruption. prev->next should be ffff8880, but was dead000000000100"
	"cache_leak|[  402.000000] kmem_cache_destroy rshmem_inode_cache: Slab cache still has objects when called from rshmem_exit"
	"slub|[  403.000000] BUG kmalloc-64 (Tainted: G    B   O): Objects remaining on __kmem_cache_shutdown()"
)
clean="[    0.000000] Linux version 6.12.117 (rshmem) #1 SMP
[    1.200000] rshmem: loading out-of-tree module taints kernel.
[    1.300000] rshmem: Bad value for 'size'"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ktap_plan $((${#samples[@]} + 1))
for s in "${samples[@]}"; do
	name=${s%%|*}
	printf '%s\n%s\n' "$clean" "${s#*|}" >"$tmp/log"
	if "$scan" "$tmp/log" >/dev/null; then
		ktap_result FAIL "flags_$name"
	else
		ktap_result OK "flags_$name"
	fi
done
printf '%s\n' "$clean" >"$tmp/log"
ktap_check passes_a_clean_log "$scan" "$tmp/log"
ktap_finish
