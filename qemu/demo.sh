#!/bin/sh
# What `make run` shows when it has no terminal: rshmem mounted beside tmpfs.
set -x
uname -r
grep -E 'rshmem|tmpfs' /proc/filesystems
grep -E ' /mnt/(rshmem|tmpfs) ' /proc/mounts
ls -la /mnt/rshmem
stat -f /mnt/rshmem
mkdir -p /tmp/small && mount -t rshmem -o size=64m,nr_inodes=1k,mode=0750,uid=1000 none /tmp/small
grep ' /tmp/small ' /proc/mounts
umount /tmp/small
mount -t rshmem -o bogus=1 none /tmp/small || dmesg | tail -n 1
