#!/usr/bin/env python3
"""Tables and a chart from `make bench`'s measurements.

report.py [--ktap] [--vm-ok 0|1] OUTDIR

Reads OUTDIR/raw.txt, lines "BENCH <cpus> <workload> <fs> <rep> <value> <unit>"
(and "BENCH-FAIL ..." for a measurement that failed), and writes:
  results.csv  every measurement;
  summary.csv  per CPU count and workload: tmpfs and rshmem median, min and max,
               and the ratio's median, min and max;
  summary.md   the same as a table, which it also prints;
  chart.png    the ratios, by workload and CPU count (gnuplot).
The ratio is rshmem's figure over tmpfs's for throughputs, and tmpfs's over
rshmem's for latencies (unit ms), so above 1 is rshmem ahead either way. It is
taken per repetition, pairing the runs that were interleaved, and summarised.
Targets: a throughput ratio of at least 0.95, and for punch p99 at least 1.

With --ktap it prints KTAP instead of the table: one result per workload and
CPU count, ok when both file systems produced a figure (nothing about speed),
and one for the VM run (--vm-ok). The exit status is 1 when a measurement is
missing or failed.
"""
import collections
import os
import statistics
import subprocess
import sys

TARGET = {"punch_p99": 1.0}
DEFAULT_TARGET = 0.95


def main():
    args = sys.argv[1:]
    ktap = "--ktap" in args
    vm_ok = True
    if "--vm-ok" in args:
        vm_ok = args[args.index("--vm-ok") + 1] == "1"
        del args[args.index("--vm-ok") : args.index("--vm-ok") + 2]
    args = [a for a in args if a != "--ktap"]
    out = args[0]

    values = collections.defaultdict(dict)  # (cpus, workload) -> {(fs, rep): value}
    units = {}
    failed = []
    order = []
    with open(os.path.join(out, "raw.txt")) as f:
        for line in f:
            w = line.split()
            if w[0] == "BENCH-FAIL":
                failed.append(" ".join(w[1:5]))
                continue
            if w[0] != "BENCH" or len(w) != 7:
                continue
            cpus, workload, fs, rep, value, unit = int(w[1]), w[2], w[3], int(w[4]), float(w[5]), w[6]
            key = (cpus, workload)
            if key not in values:
                order.append(key)
            values[key][(fs, rep)] = value
            units[workload] = unit

    rows = []
    for key in order:
        cpus, workload = key
        v = values[key]
        reps = sorted({rep for (_, rep) in v})
        tmpfs = [v[("tmpfs", r)] for r in reps if ("tmpfs", r) in v]
        rshmem = [v[("rshmem", r)] for r in reps if ("rshmem", r) in v]
        latency = units[workload] == "ms"
        ratios = []
        for r in reps:
            if ("tmpfs", r) in v and ("rshmem", r) in v:
                t, s = v[("tmpfs", r)], v[("rshmem", r)]
                if latency and s > 0:
                    ratios.append(t / s)
                elif not latency and t > 0:
                    ratios.append(s / t)
        rows.append((cpus, workload, units[workload], tmpfs, rshmem, ratios))

    with open(os.path.join(out, "results.csv"), "w") as f:
        f.write("cpus,workload,unit,fs,rep,value\n")
        for key in order:
            for (fs, rep), value in sorted(values[key].items()):
                f.write(f"{key[0]},{key[1]},{units[key[1]]},{fs},{rep},{value}\n")

    def stats(xs):
        return (statistics.median(xs), min(xs), max(xs)) if xs else (None, None, None)

    def fmt(x):
        if x is None:
            return "-"
        return f"{x:.3g}" if x < 100 else f"{x:.0f}"

    md = [
        "| CPUs | workload | unit | tmpfs median (min-max) | rshmem median (min-max) "
        "| ratio median (min-max) | target |",
        "|---|---|---|---|---|---|---|",
    ]
    missed = []
    with open(os.path.join(out, "summary.csv"), "w") as f:
        f.write(
            "cpus,workload,unit,tmpfs_median,tmpfs_min,tmpfs_max,"
            "rshmem_median,rshmem_min,rshmem_max,ratio_median,ratio_min,ratio_max\n"
        )
        for cpus, workload, unit, tmpfs, rshmem, ratios in rows:
            t, s, r = stats(tmpfs), stats(rshmem), stats(ratios)
            f.write(",".join(str(x) for x in (cpus, workload, unit, *t, *s, *r)) + "\n")
            target = TARGET.get(workload, DEFAULT_TARGET if workload != "punch_p50" else None)
            if target is None or r[0] is None:
                verdict = "-"
            elif r[0] >= target:
                verdict = f">= {target}: met"
            else:
                verdict = f">= {target}: MISSED"
                missed.append(f"{workload} at {cpus} CPUs ({r[0]:.3f})")
            md.append(
                f"| {cpus} | {workload} | {unit} | {fmt(t[0])} ({fmt(t[1])}-{fmt(t[2])}) "
                f"| {fmt(s[0])} ({fmt(s[1])}-{fmt(s[2])}) "
                f"| {r[0]:.3f} ({r[1]:.3f}-{r[2]:.3f}) | {verdict} |"
                if r[0] is not None
                else f"| {cpus} | {workload} | {unit} | {fmt(t[0])} | {fmt(s[0])} | - | - |"
            )
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(md) + "\n")

    chart(out, rows)

    incomplete = [f"{c} {w}" for c, w, _, t, s, _ in rows if not t or not s]
    if ktap:
        print("KTAP version 1")
        print(f"1..{len(rows) + 1}")
        for line in md:
            print(f"# {line}")
        for i, (cpus, workload, _, t, s, _) in enumerate(rows, 1):
            ok = t and s and not any(x.startswith(f"{cpus} {workload} ") for x in failed)
            print(f"{'ok' if ok else 'not ok'} {i} bench_{workload}_{cpus}cpus_runs_on_both")
        for x in failed:
            print(f"# failed: {x}")
        print(f"{'ok' if vm_ok else 'not ok'} {len(rows) + 1} bench_vm_run_clean")
    else:
        print("\n".join(md))
        if missed:
            print("targets missed: " + "; ".join(missed))
        for x in failed:
            print(f"failed: {x}")
    return 1 if failed or incomplete or not rows else 0


def chart(out, rows):
    """A bar per workload and CPU count: the median ratio, with min-max error bars."""
    cpu_counts = sorted({r[0] for r in rows})

    # The runs with as many processes as CPUs share a column: "pf_shared_xN".
    def column(cpus, workload):
        return workload[: -len(str(cpus))] + "N" if cpus > 1 and workload.endswith(f"_x{cpus}") else workload

    workloads = []
    for r in rows:
        if column(r[0], r[1]) not in workloads:
            workloads.append(column(r[0], r[1]))
    ratio = {(r[0], column(r[0], r[1])): r[5] for r in rows}
    dat = os.path.join(out, "chart.dat")
    with open(dat, "w") as f:
        for w in workloads:
            cols = [w]
            for c in cpu_counts:
                xs = ratio.get((c, w)) or []
                if xs:
                    cols += [statistics.median(xs), min(xs), max(xs)]
                else:
                    cols += ["-", "-", "-"]
            f.write(" ".join(str(x) for x in cols) + "\n")
    plots = ", ".join(
        f"'{dat}' using {2 + 3 * i}:{3 + 3 * i}:{4 + 3 * i}:xtic(1) title '{c} CPU{'s' if c > 1 else ''}'"
        for i, c in enumerate(cpu_counts)
    )
    script = f"""
set terminal pngcairo size 1400,600 font ',10' noenhanced
set output '{os.path.join(out, "chart.png")}'
set title 'rshmem relative to tmpfs, same kernel and boot (median; bars: min-max over repetitions)'
set ylabel 'ratio (above 1: rshmem ahead)'
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.6 border -1
set xtics rotate by -35
set yrange [0:*]
set grid ytics
set key top left
set arrow from graph 0, first 0.95 to graph 1, first 0.95 nohead dt 2 lc rgb 'red'
set label 'target 0.95' at graph 0.01, first 0.9 tc rgb 'red'
plot {plots}
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"report: gnuplot failed, no chart: {e}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
