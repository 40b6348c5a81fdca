#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Join the guest's runs with the insn_count plugin's windows.

insn_join.py WINDOWS GUEST_LOG TAG

WINDOWS is the plugin's output (qemu/plugin/insn_count.c), with one line per
measurement window, numbered from 1 in the order the windows closed:
  window SEQ kernel K user U vcpus N K0 U0 ... spin S
GUEST_LOG is the guest's output, with tests/bench/count.sh's lines
  TAG SEQ FIELD... ops N secs S   the run that opened window SEQ
  TAG-FAIL FIELD... MESSAGE       a run that failed
  COUNT-WINDOWS N                 the windows the guest numbered, at its end
Prints, in the guest's order, one line per run:
  TAG FIELD... N K U S W          N operations, K kernel instructions outside
                                  spin-wait loops, U user instructions, S seconds
                                  (the emulator's, for information), W kernel
                                  instructions in spin-wait loops (the plugin's S:
                                  waiting on another vCPU, which depends on when the
                                  host runs which vCPU, not on the work)
and the TAG-FAIL lines as they are; a run whose window the plugin did not write
becomes a TAG-FAIL line. `make bench` (tests/drivers/bench.sh) writes them to
insn.txt (TAG INSN) and growth.txt (TAG GROWTH), which report.py and growth.py
read. The exit status is 1 when a run had no window, or when the plugin wrote
another number of windows than the guest numbered (the join is then not to be
trusted).
"""
import sys


def read_windows(path):
    windows = {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                w = line.split()
                if len(w) >= 6 and w[0] == "window" and w[2] == "kernel" and w[4] == "user":
                    spin = int(w[-1]) if w[-2] == "spin" else 0
                    windows[int(w[1])] = (int(w[3]) - spin, int(w[5]), spin)
    except OSError as e:
        print(f"insn_join: {e}", file=sys.stderr)
    return windows


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: insn_join.py WINDOWS GUEST_LOG TAG")
    windows_path, guest_path, tag = sys.argv[1:]
    windows = read_windows(windows_path)
    status = 0
    numbered = None
    with open(guest_path, errors="replace") as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "COUNT-WINDOWS" and len(w) == 2 and w[1].isdigit():
                numbered = int(w[1])
                continue
            if w[0] == f"{tag}-FAIL":
                print(" ".join(w))
                continue
            if w[0] != tag:
                continue
            if len(w) < 7 or w[-4] != "ops" or w[-2] != "secs" or not w[1].isdigit():
                print(f"{tag}-FAIL {' '.join(w[1:])} (a line not understood)")
                status = 1
                continue
            seq, fields, ops, secs = int(w[1]), w[2:-4], w[-3], w[-1]
            if seq not in windows:
                print(f"{tag}-FAIL {' '.join(fields)} the plugin wrote no window {seq}")
                status = 1
                continue
            k, u, spin = windows[seq]
            print(f"{tag} {' '.join(fields)} {ops} {k} {u} {secs} {spin}")
    # A run that failed after its window opened has a number but no line:
    # the totals are what must agree.
    if numbered is None:
        print(f"insn_join: the guest did not say how many windows it numbered ({tag})", file=sys.stderr)
        status = 1
    elif sorted(windows) != list(range(1, numbered + 1)):
        print(f"insn_join: the guest numbered {numbered} window(s), the plugin wrote {len(windows)} "
              f"({tag}): the join is not to be trusted", file=sys.stderr)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
