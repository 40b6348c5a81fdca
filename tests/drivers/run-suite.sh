#!/bin/sh
# The guest side of `make check` (and of `make fuzz`, with its own list): runs
# every test of the list (default /tests/list; lines "path timeout [args]") as
# a KTAP subtest, its output indented by four spaces, and prints one result each.
list=${1:-/tests/list}
n=$(grep -c . "$list")
echo "KTAP version 1"
echo "1..$n"
i=0
status=0
while read -r path timeout args; do
	i=$((i + 1))
	# A test listed twice is told apart by its arguments.
	name=$path${args:+ $args}
	start=$(date +%s)
	# shellcheck disable=SC2086 # The arguments are words.
	timeout "$timeout" "/tests/$path" $args </dev/null >/tmp/test.out 2>&1
	rc=$?
	sed 's/^/    /' /tmp/test.out
	echo "# $name: exit $rc after $(($(date +%s) - start))s"
	case $rc in
	0) echo "ok $i $name" ;;
	4) echo "ok $i $name # SKIP (see its output)" ;;
	143 | 124) echo "not ok $i $name # TIMEOUT after ${timeout}s"; status=1 ;;
	*) echo "not ok $i $name"; status=1 ;;
	esac
done <"$list"
exit $status
