#!/bin/busybox sh
# /init of the test VM (busybox sh). Mounts the basics, loads rshmem, mounts it
# at /mnt/rshmem and tmpfs at /mnt/tmpfs, then, by the `rshmem.mode=` argument:
#   check  run the suite (/tests/run-suite.sh), output on /dev/ttyS1
#   cmd    run /extra/cmd.sh (the user's command), output on /dev/ttyS1
#   shell  an interactive shell on the console
#   demo   a short demonstration, output on /dev/ttyS1
# Then it unmounts, unloads the module, asks kmemleak for a last scan, prints
# the end marker the host waits for, and powers off.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mkdir -p /proc /sys /dev /tmp /mnt/rshmem /mnt/tmpfs
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmp /tmp

mode=check
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	rshmem.mode=*) mode=${arg#rshmem.mode=} ;;
	rshmem.stress=*) export RSHMEM_STRESS=${arg#rshmem.stress=} ;;
	esac
done

# Hung tasks are reported after 30 s instead of 120 s, so a stuck test shows
# up well inside the host's timeout.
# (The benchmark kernel has no hung-task detector.)
[ -w /proc/sys/kernel/hung_task_timeout_secs ] && echo 30 >/proc/sys/kernel/hung_task_timeout_secs
# Objects allocated during boot are not this run's leaks.
[ -w /sys/kernel/debug/kmemleak ] && echo clear >/sys/kernel/debug/kmemleak

out=/dev/ttyS1
[ "$mode" = shell ] && out=/dev/console
exec 3>"$out"

status=0
if ! insmod /lib/modules/rshmem.ko; then
	echo "init: insmod rshmem.ko failed" >&3
	status=1
elif ! mount -t rshmem none /mnt/rshmem || ! mount -t tmpfs none /mnt/tmpfs; then
	echo "init: mounting rshmem and tmpfs failed" >&3
	status=1
else
	export RSHMEM_MNT=/mnt/rshmem TMPFS_MNT=/mnt/tmpfs
	cd /
	case "$mode" in
	check) sh /tests/run-suite.sh >&3 2>&1 || status=1 ;;
	cmd) (cd /extra && sh /extra/cmd.sh) >&3 2>&1 || status=$? ;;
	demo) sh /etc/rshmem-demo.sh >&3 2>&1 || status=1 ;;
	shell)
		echo "rshmem is mounted at /mnt/rshmem, tmpfs at /mnt/tmpfs. Leave with 'exit'."
		setsid cttyhack sh -l
		;;
	esac
	cd /
	# Teardown: everything mounted from the module must go, then the module.
	for m in $(grep ' rshmem ' /proc/mounts | cut -d' ' -f2 | sort -r); do
		umount "$m" || { echo "init: umount $m failed" >&3; status=1; }
	done
	umount /mnt/tmpfs
	if grep -q '^rshmem ' /proc/modules && ! rmmod rshmem; then
		echo "init: rmmod rshmem failed" >&3
		status=1
	fi
fi

# kmemleak reports objects that a scan finds unreferenced and that are older
# than five seconds. A scan of 1 GiB takes about 6 s under TCG.
if [ -w /sys/kernel/debug/kmemleak ]; then
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	# Into the kernel log, where the host's splat scan reads it.
	while IFS= read -r line; do
		echo "kmemleak: $line" >/dev/kmsg
	done </sys/kernel/debug/kmemleak
fi
echo "RSHMEM-GUEST-EXIT $status" >&3
sync
reboot -f
