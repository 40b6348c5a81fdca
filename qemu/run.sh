#!/usr/bin/env bash
# `make run`: boot the VM with rshmem mounted at /mnt/rshmem (tmpfs at /mnt/tmpfs).
# With a terminal: an interactive shell. Without one: a short demo.
# CMD='...' runs a command instead, COPY='host paths' copies files into /extra.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
args=()
for c in ${COPY:-}; do args+=(--copy "$c"); done
if [ -n "${CMD:-}" ]; then
	exec "$here/vm.sh" --mode cmd --cmd "$CMD" ${args[@]+"${args[@]}"}
elif [ -t 0 ] && [ -t 1 ]; then
	exec "$here/vm.sh" --mode shell ${args[@]+"${args[@]}"}
else
	exec "$here/vm.sh" --mode demo ${args[@]+"${args[@]}"}
fi
