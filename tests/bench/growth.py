#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The cost-growth figure of `make bench`: instructions per operation against
file size and number of processes, tmpfs and rshmem.

growth.py OUTDIR

Reads OUTDIR/growth.txt, lines "GROWTH <workload> <procs> <size> <fs> <ops>
<kernel> <user> <secs> [<spin>]" (one counted run each, size in bytes per
process, kernel instructions outside spin-wait loops, which are left out as in
report.py,
joined by tests/bench/insn_join.py; "GROWTH-FAIL ..." for a run that failed),
and writes:
  growth.csv  per workload, processes and size: the operations per process and
              the passes over the file they make, kernel and user instructions
              per operation on tmpfs and rshmem, and the kernel ratio (rshmem
              over tmpfs: below 1 is rshmem cheaper);
  growth.md   the same as a table, which it also prints, and a note on the
              passes;
  growth.png  kernel instructions per operation against file size (log scale),
              a panel per workload, a line per file system and process count
              (gnuplot).
The exit status is 1 when a run failed or a pair is incomplete.
"""
import collections
import os
import subprocess
import sys


def size_name(b):
    for unit, n in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= n and b % n == 0:
            return f"{b // n} {unit}"
    return f"{b} B"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: growth.py OUTDIR")
    out = sys.argv[1]
    runs = {}  # (workload, procs, size, fs) -> (ops, kernel/op, user/op)
    order = []
    failed = []
    with open(os.path.join(out, "growth.txt")) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "GROWTH-FAIL":
                failed.append(" ".join(w[1:]))
                continue
            if w[0] != "GROWTH" or len(w) not in (9, 10):
                continue
            workload, procs, size, fs = w[1], int(w[2]), int(w[3]), w[4]
            ops, kernel, user = float(w[5]), int(w[6]), int(w[7])
            if ops <= 0:
                continue
            if workload not in order:
                order.append(workload)
            runs[(workload, procs, size, fs)] = (ops, kernel / ops, user / ops)

    keys = sorted({k[:3] for k in runs}, key=lambda k: (order.index(k[0]), k[1], k[2]))
    md = [
        "| workload | processes | file size per process | operations per process (passes) "
        "| kernel insn/op tmpfs | kernel insn/op rshmem | kernel insn ratio rshmem/tmpfs (lower is better) "
        "| user insn/op tmpfs, rshmem |",
        "|---|---|---|---|---|---|---|---|",
    ]
    incomplete = []

    def n(x):
        return "-" if x is None else f"{x:.1f}" if x < 1e5 else f"{x:.0f}"

    with open(os.path.join(out, "growth.csv"), "w") as f:
        f.write("workload,procs,size_bytes,ops_per_proc,passes,tmpfs_kernel_insn_op,rshmem_kernel_insn_op,"
                "kernel_insn_ratio,tmpfs_user_insn_op,rshmem_user_insn_op\n")
        for key in keys:
            t, s = runs.get(key + ("tmpfs",)), runs.get(key + ("rshmem",))
            if not t or not s:
                incomplete.append(f"{key[0]} x{key[1]} {size_name(key[2])}")
            kt, ks = t and t[1], s and s[1]
            ut, us = t and t[2], s and s[2]
            ratio = ks / kt if kt and ks is not None else None
            ops = (t or s)[0] / key[1]
            # Every growth workload goes by pages or 4 KiB blocks.
            passes = ops * 4096 / key[2]
            f.write(",".join("" if x is None else str(x) for x in
                             (key[0], key[1], key[2], f"{ops:.0f}", f"{passes:g}", kt, ks, ratio, ut, us)) + "\n")
            md.append(f"| {key[0]} | {key[1]} | {size_name(key[2])} | {ops:.0f} ({passes:g}) | {n(kt)} | {n(ks)} "
                      f"| {'-' if ratio is None else f'{ratio:.3f}'} | {n(ut)}, {n(us)} |")
    md += ["", "Each run makes two passes over its file per process, but at least 8192 operations: "
           "below 16 MiB it makes more passes. The first pass of pf_shared and pf_private allocates "
           "the file's pages and the later ones fault them in again, so at those sizes the "
           "allocation is spread over more faults. seqwrite_4k truncates the file to 0 and "
           "allocates again every pass; seqread_4k reads a filled file. The counts are of all the "
           "boot's vCPUs, idle ones included."]
    with open(os.path.join(out, "growth.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))
    for x in failed:
        print(f"failed: {x}")
    for x in incomplete:
        print(f"incomplete: {x} (not on both file systems)")
    if runs:
        chart(out, runs, order)
    return 1 if failed or incomplete or not runs else 0


def chart(out, runs, order):
    """A panel per workload: kernel instructions per operation against file size."""
    procs = sorted({k[1] for k in runs})
    sizes = sorted({k[2] for k in runs})
    panels = []
    for i, w in enumerate(order):
        dat = os.path.join(out, f"growth-{w}.dat")
        with open(dat, "w") as f:
            f.write("# size_mib " + " ".join(f"tmpfs_x{p} rshmem_x{p}" for p in procs) + "\n")
            for size in sizes:
                cols = [size / (1 << 20)]
                for p in procs:
                    for fs in ("tmpfs", "rshmem"):
                        r = runs.get((w, p, size, fs))
                        cols.append(f"{r[1]:.2f}" if r else "-")
                f.write(" ".join(str(c) for c in cols) + "\n")
        lines = []
        for j, p in enumerate(procs):
            for k, fs in enumerate(("tmpfs", "rshmem")):
                lines.append(f"'{dat}' using 1:{2 + 2 * j + k} with linespoints lc {j + 1} "
                             f"dt {1 if fs == 'tmpfs' else 2} pt {6 if fs == 'tmpfs' else 2} "
                             f"title '{fs}, {p} process{'es' if p > 1 else ''}'")
        panels.append(f"set title '{w}'\nplot " + ", ".join(lines) + "\n")
    cols = 2 if len(panels) > 1 else 1
    rows = (len(panels) + cols - 1) // cols
    xtics = ", ".join(f"'{size_name(s).replace(' ', '')}' {s / (1 << 20)}" for s in sizes)
    script = f"""
set terminal pngcairo size {700 * cols},{500 * rows} font ',10' noenhanced
set output '{os.path.join(out, "growth.png")}'
set datafile missing '-'
set multiplot layout {rows},{cols} title 'kernel instructions per operation against file size per process (counted under the plugin; solid tmpfs, dashed rshmem)'
set logscale x 2
set xtics ({xtics})
set xlabel 'file size per process'
set ylabel 'kernel instructions per operation'
set yrange [0:*]
set grid
set key bottom right
{"".join(panels)}
unset multiplot
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"growth: gnuplot failed, no chart: {e}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
