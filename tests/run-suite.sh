#!/bin/sh
# The guest side of `make check`: runs every test in /tests/list as a KTAP
# subtest (its output indented by four spaces) and prints one result each.
n=$(grep -c . /tests/list)
echo "KTAP version 1"
echo "1..$n"
i=0
status=0
while read -r name timeout; do
	i=$((i + 1))
	start=$(date +%s)
	timeout "$timeout" "/tests/$name" </dev/null >/tmp/test.out 2>&1
	rc=$?
	sed 's/^/    /' /tmp/test.out
	echo "# $name: exit $rc after $(($(date +%s) - start))s"
	case $rc in
	0) echo "ok $i $name" ;;
	4) echo "ok $i $name # SKIP (see its output)" ;;
	143 | 124) echo "not ok $i $name # TIMEOUT after ${timeout}s"; status=1 ;;
	*) echo "not ok $i $name"; status=1 ;;
	esac
done </tests/list
exit $status
