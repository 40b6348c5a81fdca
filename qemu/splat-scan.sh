#!/usr/bin/env bash
# Scan guest kernel logs for splats: splat-scan.sh LOG...
# Prints each offending line prefixed with "splat: " and exits 1 if there is
# any, 0 if there is none. A splat fails the run even when every test passed.
set -u
patterns=(
	'WARNING:'                          # WARN(), and lockdep's reports
	'BUG:'                              # BUG: KASAN, sleeping in atomic, soft lockup ...
	'kernel BUG at'                     # BUG_ON(), VM_BUG_ON()
	'Oops'                              # an oops
	'general protection fault'
	'Kernel panic'
	'INFO: task .* blocked for more than' # the hung-task detector
	'INFO: rcu_.* detected stall'       # RCU stalls, either wording
	'rcu: INFO: .* detected stall'
	'rcu_.* self-detected stall'
	'INFO: possible .*lock'             # lockdep's INFO-level reports
	'INFO: trying to register non-static key'
	'unreferenced object 0x'            # kmemleak
	'UBSAN:'
	'list_(add|del) corruption'
	'Busy inodes after unmount'         # generic_shutdown_super()
	'Slab cache still has objects'      # kmem_cache_destroy() with live objects
	'BUG [^ ]+ \(.*\): '                # SLUB's own consistency reports
)
re=$(IFS='|'; echo "${patterns[*]}")
found=$(grep -a -h -E "$re" "$@" 2>/dev/null)
if [ -n "$found" ]; then
	printf '%s\n' "$found" | head -n 40 | sed 's/^/splat: /'
	exit 1
fi
exit 0
