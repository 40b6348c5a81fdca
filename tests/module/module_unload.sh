#!/bin/sh
# The module cannot be removed while an rshmem instance is mounted, and is
# removed cleanly once none is; loaded again, it mounts again. The suite's own
# mount at $RSHMEM_MNT is restored at the end.
. /tests/lib/ktap.sh
ktap_plan 5
loaded() { grep -q '^rshmem ' /proc/modules; }
dir=/tmp/module_unload
mkdir -p $dir

mount -t rshmem none $dir
if rmmod rshmem 2>/tmp/rmmod.err; then
	ktap_result FAIL rmmod_refused_while_mounted
else
	ktap_diag "rmmod said: $(cat /tmp/rmmod.err)"
	ktap_check rmmod_refused_while_mounted loaded
fi
umount $dir
# One mount (the suite's) is still there.
if rmmod rshmem 2>/dev/null; then
	ktap_result FAIL rmmod_refused_while_any_instance_is_mounted
else
	ktap_check rmmod_refused_while_any_instance_is_mounted loaded
fi

umount "$RSHMEM_MNT"
ktap_check rmmod_succeeds_after_umount rmmod rshmem
ktap_check module_gone_after_rmmod sh -c '! grep -q "^rshmem " /proc/modules'

insmod /lib/modules/rshmem.ko && mount -t rshmem none "$RSHMEM_MNT"
ktap_check reload_and_mount_again grep -q " $RSHMEM_MNT rshmem " /proc/mounts
rmdir $dir
ktap_finish
