#!/bin/sh
# The model-checking exerciser on rshmem and, as a check of the exerciser
# itself, on tmpfs in the same boot:
#   exerciser.sh [SECONDS]
# Without SECONDS (the default suite): a bounded number of operations per run.
# With SECONDS (`make fuzz`): the twelve runs share that long, a twelfth each.
#
# Runs, on each file system (and on each with huge=always, the first two):
# one process, checked after every operation; four
# processes on their own files and on regions of one shared file; and the same
# two in edge mode (-E), where the operations cluster at page edges around
# 2^31, 2^32, 2^43, 2^44 and MAX_LFS (2^63 - 1) in a file that is mostly
# holes, and the shared regions lie around 2^44. Then the exerciser's own
# checks: a byte changed behind the model's back must be caught, in either
# mode, and replaying a log must write the same file and fail the same way.
# Each run prints its seed: `exerciser -s SEED ...` repeats it.
. /tests/lib/ktap.sh
secs=${1:-}
ex=/tests/fuzz/exerciser
seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
if [ -n "$secs" ]; then
	each=$((secs / 12))
	[ "$each" -ge 1 ] || each=1
	one="-n 0 -t $each" four="-n 0 -t $each" edge_one="-n 0 -t $each" edge_four="-n 0 -t $each"
	huge_one="-n 0 -t $each" huge_four="-n 0 -t $each"
else
	# Under TCG on the debug kernel edge mode runs at about 80-150
	# operations a second in one process, 55 in four.
	one="-n 3000" four="-n 1000" edge_one="-n 800" edge_four="-n 100"
	huge_one="-n 1500" huge_four="-n 500"
fi

ktap_plan 15
rates=""
run() { # name fs-dir args...
	name=$1 dir=$2
	shift 2
	ktap_diag "$name: exerciser $*"
	"$ex" "$@" >/tmp/ex.out 2>&1
	rc=$?
	sed 's/^/# /' /tmp/ex.out | tail -n 40
	rate=$(sed -n 's/.* \([0-9]*\) ops\/s$/\1/p' /tmp/ex.out)
	rates="$rates $name=${rate:-?}"
	ktap_check "$name" [ $rc = 0 ]
	rm -f "$dir"/ex*
}

for fs in rshmem tmpfs; do
	case $fs in rshmem) d=$RSHMEM_MNT ;; tmpfs) d=$TMPFS_MNT ;; esac
	run "${fs}_one_process" $d -s $seed $one -q "$d/ex"
	run "${fs}_four_processes_shared_file" $d -s $((seed + 1)) $four -p 4 -q "$d/ex"
	# Not quiet: the counts of the cases at MAX_LFS show they were reached.
	run "${fs}_edge_one_process" $d -E -s $((seed + 2)) $edge_one "$d/ex"
	run "${fs}_edge_four_processes_shared_file" $d -E -s $((seed + 3)) $edge_four -p 4 "$d/ex"
done
# A slice on instances mounted with huge=always, rshmem against tmpfs: files
# in PMD-size folios wherever one fits, split by the truncations and punches.
for fs in rshmem tmpfs; do
	d=/tmp/ex_huge_$fs
	mkdir -p $d
	if mount -t $fs -o size=256m,huge=always none $d; then
		run "${fs}_huge_one_process" $d -s $((seed + 4)) $huge_one -q "$d/ex"
		run "${fs}_huge_four_processes_shared_file" $d -s $((seed + 5)) $huge_four -p 4 -q "$d/ex"
		umount $d
	else
		ktap_check "${fs}_huge_one_process" false
		ktap_check "${fs}_huge_four_processes_shared_file" false
	fi
	rmdir $d
done
ktap_diag "operations per second:$rates"

# The exerciser must catch a byte it did not write, and say where it is.
d=$RSHMEM_MNT
"$ex" -s $seed -n 1500 -C 1000 -l /tmp/corrupt.log "$d/ex" >/tmp/ex.out 2>&1
rc=$?
grep -m1 FAIL /tmp/ex.out | sed 's/^/# /'
caught=no
[ $rc = 1 ] && grep -q 'FAIL after operation [0-9]*: check: first difference' /tmp/ex.out &&
	grep -q ' corrupt off ' /tmp/ex.out && caught=yes
ktap_check catches_a_corrupted_byte [ $caught = yes ]

# Replays: the same operations write the same file, and a failure recurs
# at the same operation and offset.
"$ex" -s $seed -n 2000 -l /tmp/ok.log -q "$d/ex" >/dev/null 2>&1
sum1=$(md5sum <"$d/ex")
"$ex" -r /tmp/ok.log -q "$d/ex.replay" >/dev/null 2>&1
sum2=$(md5sum <"$d/ex.replay")
ktap_diag "md5 of the run's file: $sum1; of the replay's: $sum2"
"$ex" -r /tmp/corrupt.log "$d/ex.replay2" >/tmp/ex2.out 2>&1
rc2=$?
first=$(grep -m1 FAIL /tmp/ex.out)
again=$(grep -m1 FAIL /tmp/ex2.out)
ktap_check replay_is_exact [ "$sum1" = "$sum2" -a $rc2 = 1 -a -n "$first" -a "$first" = "$again" ]
rm -f "$d"/ex*

# The same in edge mode, where the changed byte may lie in any window (the
# file is too sparse for md5sum: a replay that fails the same way will do).
"$ex" -E -s $seed -n 300 -C 200 -l /tmp/ecorrupt.log "$d/ex" >/tmp/ex.out 2>&1
rc=$?
"$ex" -r /tmp/ecorrupt.log "$d/ex.replay" >/tmp/ex2.out 2>&1
rc2=$?
first=$(grep -m1 FAIL /tmp/ex.out)
again=$(grep -m1 FAIL /tmp/ex2.out)
ktap_diag "edge mode: $first"
ktap_diag "replayed: $again"
caught=no
[ $rc = 1 ] && grep -q ' corrupt off ' /tmp/ex.out &&
	echo "$first" | grep -q 'FAIL after operation [0-9]*: check: first difference' && caught=yes
ktap_check edge_catches_a_corrupted_byte_and_replays \
	[ $caught = yes -a $rc2 = 1 -a "$first" = "$again" ]
rm -f "$d"/ex*
ktap_finish
