#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The table of `make profile`: kernel functions by instructions per operation.

profile.py --system-map MAP --ko RSHMEM.KO --guest OUTPUT.LOG --counts INSN.TXT
           [--top N] [--title TEXT]

INSN.TXT is the insn_count plugin's output (qemu/plugin/insn_count.c): one
"window SEQ kernel K user U vcpus N ..." line per measurement window and, with
profile=on, "tb SEQ ADDR EXECUTIONS INSTRUCTIONS" lines for the kernel's
translation blocks in it. OUTPUT.LOG is the guest's output, with the lines of
tests/drivers/profile.sh's guest script:
  PROFILE-KTEXT ADDR              the guest's _text (from /proc/kallsyms)
  PROFILE-SECTION NAME ADDR       where rshmem.ko's text sections were loaded
  PROFILE-RUN SEQ FS RUN ops N secs S rate R UNIT   window SEQ ran on FS
Blocks are given to the function holding their first instruction: the kernel's
from System.map (shifted by the guest's _text if it moved), the module's from
rshmem.ko's symbol table (objdump -t) at the loaded section addresses.
Prints, for the last tmpfs and rshmem runs, the TOP functions by instructions
per operation side by side, and for every run the kernel and user
instructions per operation.
"""
import argparse
import bisect
import collections
import re
import subprocess
import sys

TEXT_TYPES = set("TtWw")


def read_system_map(path):
    syms = []
    text = etext = None
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) < 3:
                continue
            addr, typ, name = int(w[0], 16), w[1], w[2]
            if name == "_text":
                text = addr
            elif name == "_etext":
                etext = addr
            if typ in TEXT_TYPES:
                syms.append((addr, name))
    return syms, text, etext


def read_module(ko, sections):
    """Function symbols of the module, at their loaded addresses, with sizes."""
    out = subprocess.run(["objdump", "-t", "-C", ko], capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        # "0000000000001c50 l     F .text\t00000000000000f0 name"
        if "\t" not in line:
            continue
        head, tail = line.split("\t", 1)
        hw = head.split()
        if len(hw) < 3:
            continue
        section = hw[-1]
        if section not in sections:
            continue
        size_name = tail.split(None, 1)
        if len(size_name) != 2:
            continue
        value, size, name = int(hw[0], 16), int(size_name[0], 16), size_name[1]
        if name.startswith(".") or name == section:
            continue
        syms.append((sections[section] + value, size, name))
    return syms


def short(name):
    """A Rust symbol without its module paths: types bare, functions with their module."""
    name = re.sub(r"\b(?:[a-z_][a-z0-9_]*::)+(?=[A-Z])", "", name)
    name = re.sub(r"\b(?:[a-z_][a-z0-9_]*::)+([a-z_][a-z0-9_]*::[a-z_])", r"\1", name)
    return name


def label(name, width=62):
    name = short(name)
    return name if len(name) <= width else name[: width // 2 - 2] + "..." + name[-(width // 2 - 1):]


class Symbols:
    def __init__(self, kernel, shift, text, etext, module, sections):
        entries = [(a + shift, None, n) for a, n in kernel]
        self.ktext = (text + shift, etext + shift)
        entries += [(a, s, n + " [rshmem]") for a, s, n in module]
        entries.sort()
        self.addrs = [e[0] for e in entries]
        self.entries = entries
        self.sections = sections

    def lookup(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        if i < 0:
            return "[unknown]"
        start, size, name = self.entries[i]
        if size is None:
            if self.ktext[0] <= addr < self.ktext[1]:
                return name
            return "[unknown]"
        if addr < start + max(size, 1):
            return name
        return "[rshmem, no symbol]" if self.in_module(addr) else "[unknown]"

    def in_module(self, addr):
        return any(b <= addr < b + 0x100000 for b in self.sections.values())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--system-map", required=True)
    ap.add_argument("--ko", required=True)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--counts", required=True)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--title", default="")
    a = ap.parse_args()

    ktext_guest = None
    sections = {}
    runs = {}  # seq -> dict
    with open(a.guest, errors="replace") as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "PROFILE-KTEXT" and len(w) == 2:
                ktext_guest = int(w[1], 16)
            elif w[0] == "PROFILE-SECTION" and len(w) == 3:
                sections[w[1]] = int(w[2], 16)
            elif w[0] == "PROFILE-RUN" and len(w) >= 10 and w[4] == "ops":
                runs[int(w[1])] = {"fs": w[2], "run": int(w[3]), "ops": float(w[5]), "secs": float(w[7]),
                                   "rate": " ".join(w[9:])}
    windows = {}
    tbs = collections.defaultdict(list)
    with open(a.counts) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "window":
                # "... vcpus N K0 U0 ... spin S": the kernel figure includes the spin-wait
                # blocks, which the function table shows where they are.
                spin = int(w[-1]) if w[-2] == "spin" else 0
                pairs = w[8:-2] if w[-2] == "spin" else w[8:]
                windows[int(w[1])] = {"kernel": int(w[3]), "user": int(w[5]), "spin": spin, "vcpus": [
                    (int(pairs[i]), int(pairs[i + 1])) for i in range(0, len(pairs) - 1, 2)]}
            elif w[0] == "tb":
                tbs[int(w[1])].append((int(w[2], 16), int(w[3]), int(w[4])))

    if not runs:
        sys.exit("profile.py: the guest reported no runs")
    missing = [s for s in runs if s not in windows]
    if missing:
        sys.exit("profile.py: the plugin wrote no window for run(s) %s: is the marker page mapped?" % missing)

    kernel, text, etext = read_system_map(a.system_map)
    shift = 0
    if ktext_guest:
        shift = ktext_guest - text
    if ".text" not in sections:
        print("profile.py: no section addresses for rshmem.ko: its functions are not named", file=sys.stderr)
    syms = Symbols(kernel, shift, text, etext, read_module(a.ko, sections), sections)

    print("make profile: %s%s" % (a.title, "" if not shift else " (kernel text moved by %#x)" % shift))
    print()
    print("Instructions per operation, per run (kernel, user; window = the timed part):")
    print("%4s %-7s %4s %12s %12s %10s %10s  %s" % ("win", "fs", "run", "operations", "kernel/op", "user/op",
                                                  "seconds", "rate"))
    for seq in sorted(runs):
        r, wdw = runs[seq], windows[seq]
        print("%4d %-7s %4d %12.0f %12.1f %10.1f %10.3f  %s" % (seq, r["fs"], r["run"], r["ops"],
                                                               wdw["kernel"] / r["ops"], wdw["user"] / r["ops"],
                                                               r["secs"], r["rate"]))

    last = {}
    for seq in sorted(runs):
        last[runs[seq]["fs"]] = seq
    if "tmpfs" not in last or "rshmem" not in last:
        sys.exit("profile.py: no tmpfs and rshmem pair")
    per_fn = {}
    unnamed = {}
    for fs, seq in last.items():
        ops = runs[seq]["ops"]
        acc = collections.Counter()
        total = 0
        for addr, execs, insns in tbs[seq]:
            acc[syms.lookup(addr)] += insns
            total += insns
        per_fn[fs] = {k: v / ops for k, v in acc.items()}
        unnamed[fs] = (total, windows[seq]["kernel"])
    t, s = per_fn["tmpfs"], per_fn["rshmem"]
    kt = windows[last["tmpfs"]]["kernel"] / runs[last["tmpfs"]]["ops"]
    ks = windows[last["rshmem"]]["kernel"] / runs[last["rshmem"]]["ops"]
    ut = windows[last["tmpfs"]]["user"] / runs[last["tmpfs"]]["ops"]
    us = windows[last["rshmem"]]["user"] / runs[last["rshmem"]]["ops"]
    print()
    print("%-62s %10s %10s %10s" % ("", "tmpfs", "rshmem", "diff"))
    print("%-62s %10.1f %10.1f %+10.1f (%+.1f%%)" % ("kernel instructions per operation", kt, ks, ks - kt,
                                                      100 * (ks - kt) / kt if kt else 0))
    print("%-62s %10.1f %10.1f %+10.1f" % ("user instructions per operation", ut, us, us - ut))
    print()
    print("Top %d kernel functions by instructions per operation (windows %d and %d):" %
          (a.top, last["tmpfs"], last["rshmem"]))
    print("%-62s %10s %10s %10s" % ("function", "tmpfs", "rshmem", "diff"))
    names = sorted(set(t) | set(s), key=lambda n: -max(t.get(n, 0), s.get(n, 0)))
    for n in names[: a.top]:
        print("%-62s %10.1f %10.1f %+10.1f" % (label(n), t.get(n, 0), s.get(n, 0), s.get(n, 0) - t.get(n, 0)))
    rest_t = sum(v for n, v in t.items() if n not in names[: a.top])
    rest_s = sum(v for n, v in s.items() if n not in names[: a.top])
    print("%-62s %10.1f %10.1f %+10.1f" % ("(all other functions)", rest_t, rest_s, rest_s - rest_t))
    mod_t = sum(v for n, v in t.items() if n.endswith("[rshmem]"))
    mod_s = sum(v for n, v in s.items() if n.endswith("[rshmem]"))
    print("%-62s %10.1f %10.1f %+10.1f" % ("(of which in rshmem.ko)", mod_t, mod_s, mod_s - mod_t))

    print()
    print("Largest differences (rshmem - tmpfs), per operation:")
    diffs = sorted(set(t) | set(s), key=lambda n: -abs(s.get(n, 0) - t.get(n, 0)))
    for n in diffs[: a.top]:
        print("%-62s %10.1f %10.1f %+10.1f" % (label(n), t.get(n, 0), s.get(n, 0), s.get(n, 0) - t.get(n, 0)))
    for fs, (in_tbs, counted) in unnamed.items():
        if in_tbs != counted:
            print("profile.py: %s: the blocks hold %d kernel instructions, the window %d" % (fs, in_tbs, counted),
                  file=sys.stderr)


if __name__ == "__main__":
    main()
