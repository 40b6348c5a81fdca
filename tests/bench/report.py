#!/usr/bin/env python3
"""Tables and a chart from `make bench`'s measurements.

report.py [--ktap] [--vm-ok 0|1] OUTDIR

Reads OUTDIR/raw.txt, lines "BENCH <cpus> <workload> <fs> <rep> <value> <unit>"
(and "BENCH-FAIL ..." for a measurement that failed), and, if the counting
boots ran, OUTDIR/insn.txt, lines "INSN <cpus> <workload> <fs> <rep> <ops>
<kernel> <user> <secs> [<spin>]" (instructions in the run's window, from
tests/bench/insn_join.py: kernel ones outside spin-wait loops, and those in
them apart; "INSN-FAIL ..." for a count that failed). Writes:
  results.csv  every measurement, and every count as three rows, of units
               kernel_insn/op, user_insn/op and spin_insn/op;
  summary.csv  per CPU count and workload: tmpfs and rshmem median, min and max,
               and the ratio's median, min and max; then the median kernel
               instructions per operation on tmpfs and rshmem and their ratio
               (rshmem over tmpfs: below 1 is rshmem cheaper), the user ones,
               the spread of the repetitions (below), and the kernel
               instructions per operation spent spin-waiting; empty when not
               counted, n/a for punch (not a bench.c workload);
  summary.md   the same as a table, which it also prints, and the worst
               spread of the counts;
  chart.png    the time ratios, by workload and CPU count, and below them the
               kernel instruction ratios (gnuplot);
  huge.csv, huge.md, huge.png   the huge=always comparison (below), if it ran.
The time ratio is rshmem's figure over tmpfs's for throughputs, and tmpfs's over
rshmem's for latencies (unit ms), so above 1 is rshmem ahead either way. It is
taken per repetition, pairing the runs that were interleaved, and summarised.
Targets: a throughput ratio of at least 0.95, and for punch p99 at least 1.
The instruction ratio goes the other way, rshmem over tmpfs, so below 1 is
rshmem ahead; it is the ratio of the medians. Kernel instructions in spin-wait
loops (blocks with a `pause`: waiting for a lock another vCPU holds) are not in
the kernel figure: how many there are depends on when the host runs which vCPU
thread, so they are shown apart, as spin. The spread of a count is the
largest relative difference between its repetitions ((max - min) / min),
kernel or user, tmpfs or rshmem; issue 12 asks for at most 0.5 %.

The huge=always comparison: the fault and I/O workloads also run on rshmem
and tmpfs mounted with huge=always (fs rshmem-huge and tmpfs-huge in raw.txt
and insn.txt; tests/bench/fs.sh). huge.md has, per CPU count and workload,
the medians on tmpfs (its default, huge=never), tmpfs huge=always and rshmem
huge=always, rshmem huge=always's time ratio to each of the two tmpfs (per
repetition, as above; above 1 rshmem ahead), and the kernel instructions per
operation of the three with rshmem's ratio to each (below 1 rshmem cheaper).
Issue 14's targets, for shared mapped writes (pf_shared): a time ratio of at
least 3 to tmpfs's default and at least 1.0 to tmpfs huge=always. Then the
memory pass's lines, "MEM <cpus> <workload> <size> <fs> <used> <blocks>
<huge>" (KiB; tests/bench/run.sh), as a second table: per workload and file
size, what statfs says each instance uses for the file, its st_blocks, and
how much of it is in PMD-size folios; the target: rshmem huge=always uses no more than tmpfs huge=always
(by statfs, which both charge in pages). huge.png: the two time ratios per
workload and CPU count, on a log scale.

With --ktap it prints KTAP instead of the table: one result per workload and
CPU count, ok when both file systems produced a figure (nothing about speed),
and one per huge=always row (ok when rshmem-huge, tmpfs-huge and tmpfs all
produced a figure) and per memory row (ok when measured on all four), and
one for the VM run (--vm-ok). The exit status is 1 when a measurement is
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
    mem = collections.defaultdict(dict)  # (workload, size) -> fs -> (used, blocks, huge)
    with open(os.path.join(out, "raw.txt")) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "BENCH-FAIL":
                failed.append(" ".join(w[1:5]))
                continue
            if w[0] == "MEM-FAIL":
                failed.append(" ".join(w[1:5]) + " (memory pass: " + " ".join(w[5:]) + ")")
                continue
            if w[0] == "MEM" and len(w) == 8:
                mem[(w[2], int(w[3]))][w[4]] = tuple(int(x) for x in w[5:8])
                continue
            if w[0] != "BENCH" or len(w) != 7:
                continue
            cpus, workload, fs, rep, value, unit = int(w[1]), w[2], w[3], int(w[4]), float(w[5]), w[6]
            key = (cpus, workload)
            if key not in values:
                order.append(key)
            values[key][(fs, rep)] = value
            units[workload] = unit

    # (cpus, workload) -> fs -> [(rep, kernel/op, user/op)]
    counts = collections.defaultdict(lambda: collections.defaultdict(list))
    counted = os.path.exists(os.path.join(out, "insn.txt"))
    if counted:
        with open(os.path.join(out, "insn.txt")) as f:
            for line in f:
                w = line.split()
                if not w:
                    continue
                if w[0] == "INSN-FAIL":
                    failed.append(" ".join(w[1:5]) + " (instruction count: " + " ".join(w[5:]) + ")")
                    continue
                if w[0] != "INSN" or len(w) not in (9, 10):
                    continue
                cpus, workload, fs, rep = int(w[1]), w[2], w[3], int(w[4])
                ops, kernel, user = float(w[5]), int(w[6]), int(w[7])
                spin = int(w[9]) if len(w) == 10 else 0
                if ops <= 0:
                    continue
                key = (cpus, workload)
                if key not in values:
                    order.append(key)
                    values[key] = {}
                counts[key][fs].append((rep, kernel / ops, user / ops, spin / ops))

    rows = []
    for key in order:
        cpus, workload = key
        v = values[key]
        units.setdefault(workload, "-")
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
        rows.append((cpus, workload, units[workload], tmpfs, rshmem, ratios, insn_summary(counts.get(key))))

    with open(os.path.join(out, "results.csv"), "w") as f:
        f.write("cpus,workload,unit,fs,rep,value\n")
        for key in order:
            for (fs, rep), value in sorted(values[key].items()):
                f.write(f"{key[0]},{key[1]},{units[key[1]]},{fs},{rep},{value}\n")
            for fs, runs in sorted(counts.get(key, {}).items()):
                for rep, k, u, sp in sorted(runs):
                    f.write(f"{key[0]},{key[1]},kernel_insn/op,{fs},{rep},{k:.2f}\n")
                    f.write(f"{key[0]},{key[1]},user_insn/op,{fs},{rep},{u:.2f}\n")
                    f.write(f"{key[0]},{key[1]},spin_insn/op,{fs},{rep},{sp:.2f}\n")

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
    if counted:
        md[0] += (" kernel insn/op tmpfs | kernel insn/op rshmem | kernel insn ratio rshmem/tmpfs "
                  "(lower is better) | user insn/op tmpfs, rshmem | insn spread between reps "
                  "| spin-wait kernel insn/op tmpfs, rshmem |")
        md[1] += "---|---|---|---|---|---|"
    missed = []
    with open(os.path.join(out, "summary.csv"), "w") as f:
        f.write(
            "cpus,workload,unit,tmpfs_median,tmpfs_min,tmpfs_max,"
            "rshmem_median,rshmem_min,rshmem_max,ratio_median,ratio_min,ratio_max,"
            "tmpfs_kernel_insn_op,rshmem_kernel_insn_op,kernel_insn_ratio,"
            "tmpfs_user_insn_op,rshmem_user_insn_op,insn_rep_spread,"
            "tmpfs_spin_insn_op,rshmem_spin_insn_op\n"
        )
        for cpus, workload, unit, tmpfs, rshmem, ratios, ins in rows:
            t, s, r = stats(tmpfs), stats(rshmem), stats(ratios)
            if not counted:
                ic = [""] * 8
            elif workload.startswith("punch"):
                ic = ["n/a"] * 8
            else:
                ic = ["" if x is None else x for x in
                      (ins["kt"], ins["ks"], ins["ratio"], ins["ut"], ins["us"], ins["spread"],
                       ins["st"], ins["ss"])]
            f.write(",".join(str(x) for x in (cpus, workload, unit, *t, *s, *r, *ic)) + "\n")
            target = TARGET.get(workload, DEFAULT_TARGET if workload != "punch_p50" else None)
            if target is None or r[0] is None:
                verdict = "-"
            elif r[0] >= target:
                verdict = f">= {target}: met"
            else:
                verdict = f">= {target}: MISSED"
                missed.append(f"{workload} at {cpus} CPUs ({r[0]:.3f})")
            line = (
                f"| {cpus} | {workload} | {unit} | {fmt(t[0])} ({fmt(t[1])}-{fmt(t[2])}) "
                f"| {fmt(s[0])} ({fmt(s[1])}-{fmt(s[2])}) "
                f"| {r[0]:.3f} ({r[1]:.3f}-{r[2]:.3f}) | {verdict} |"
                if r[0] is not None
                else f"| {cpus} | {workload} | {unit} | {fmt(t[0])} | {fmt(s[0])} | - | - |"
            )
            if counted:
                line += insn_cells(workload, ins)
            md.append(line)
    notes = []
    if counted:
        notes = spread_notes(rows)
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(md) + "\n")
        if notes:
            f.write("\n" + "\n".join(notes) + "\n")

    chart(out, rows, counted)
    huge_rows, mem_rows, huge_md, huge_missed = huge_report(out, order, values, units, counts, mem, counted)

    incomplete = [f"{c} {w}" for c, w, _, t, s, _, _ in rows if (not t or not s) and values[(c, w)]]
    if counted:
        incomplete += [f"{c} {w} (instruction count)" for c, w, _, _, _, _, ins in rows
                       if not w.startswith("punch") and (ins["kt"] is None or ins["ks"] is None)]
    incomplete += [f"{c} {w} (huge=always: {', '.join(m)})" for c, w, m in huge_rows if m]
    incomplete += [f"{w} {size} (memory pass: {', '.join(m)})" for w, size, m in mem_rows if m]
    if ktap:
        n = len(rows) + len(huge_rows) + len(mem_rows) + 1
        print("KTAP version 1")
        print(f"1..{n}")
        for line in md + [""] + huge_md:
            print(f"# {line}")
        i = 0
        for cpus, workload, _, t, s, _, _ in rows:
            i += 1
            ok = t and s and not any(x.startswith(f"{cpus} {workload} ") for x in failed)
            print(f"{'ok' if ok else 'not ok'} {i} bench_{workload}_{cpus}cpus_runs_on_both")
        for cpus, workload, missing in huge_rows:
            i += 1
            ok = not missing and not any(x.startswith(f"{cpus} {workload} ") for x in failed)
            print(f"{'ok' if ok else 'not ok'} {i} bench_{workload}_{cpus}cpus_huge_always_runs")
        for workload, size, missing in mem_rows:
            i += 1
            print(f"{'ok' if not missing else 'not ok'} {i} bench_memory_{workload}_{size}_measured")
        for x in failed:
            print(f"# failed: {x}")
        print(f"{'ok' if vm_ok else 'not ok'} {n} bench_vm_run_clean")
    else:
        print("\n".join(md))
        if missed:
            print("targets missed: " + "; ".join(missed))
        if huge_md:
            print()
            print("\n".join(huge_md))
        if huge_missed:
            print("huge=always targets missed: " + "; ".join(huge_missed))
        for x in notes:
            print(x)
        for x in failed:
            print(f"failed: {x}")
        for x in incomplete:
            print(f"missing: {x}")
    return 1 if failed or incomplete or not rows else 0


def insn_summary(by_fs):
    """Medians of the counts per operation, their ratio, and the repetitions' spread."""
    res = {"kt": None, "ks": None, "ut": None, "us": None, "st": None, "ss": None, "ratio": None,
           "ratios": [], "spread": None, "worst": None}
    if not by_fs:
        return res
    for fs, kk, uk, sk in (("tmpfs", "kt", "ut", "st"), ("rshmem", "ks", "us", "ss")):
        runs = by_fs.get(fs)
        if runs:
            res[kk] = statistics.median(run[1] for run in runs)
            res[uk] = statistics.median(run[2] for run in runs)
            res[sk] = statistics.median(run[3] for run in runs)
    if res["kt"] and res["ks"] is not None:
        res["ratio"] = res["ks"] / res["kt"]
    t = {run[0]: run[1] for run in by_fs.get("tmpfs", [])}
    s = {run[0]: run[1] for run in by_fs.get("rshmem", [])}
    res["ratios"] = [s[r] / t[r] for r in sorted(t) if r in s and t[r] > 0]
    # (max - min) / min over the repetitions, kernel and user, both file systems.
    for fs, runs in by_fs.items():
        if fs not in ("tmpfs", "rshmem") or len(runs) < 2:
            continue
        for i, what in ((1, "kernel"), (2, "user")):
            xs = [run[i] for run in runs]
            if min(xs) <= 0:
                continue
            sp = (max(xs) - min(xs)) / min(xs)
            if res["spread"] is None or sp > res["spread"]:
                res["spread"], res["worst"] = sp, f"{fs}, {what}"
    return res


def insn_cells(workload, ins):
    if workload.startswith("punch"):
        return " n/a | n/a | n/a | n/a | n/a | n/a |"

    def n(x):
        return "-" if x is None else f"{x:.1f}" if x < 1e5 else f"{x:.0f}"

    ratio = "-" if ins["ratio"] is None else f"{ins['ratio']:.3f}"
    spread = "-" if ins["spread"] is None else f"{100 * ins['spread']:.2f} %"
    return (f" {n(ins['kt'])} | {n(ins['ks'])} | {ratio} | {n(ins['ut'])}, {n(ins['us'])} | {spread} "
            f"| {n(ins['st'])}, {n(ins['ss'])} |")


SPREAD_LIMIT = 0.005


def spread_notes(rows):
    """The worst spread of the repeated counts, overall and per CPU count."""
    worst = {}
    for cpus, workload, _, _, _, _, ins in rows:
        if ins["spread"] is None:
            continue
        if cpus not in worst or ins["spread"] > worst[cpus][0]:
            worst[cpus] = (ins["spread"], workload, ins["worst"])
    if not worst:
        return ["Instruction counts: no workload was counted twice."]
    over = sorted({f"{w} at {c} CPUs" for c, w, _, _, _, _, ins in rows
                   if ins["spread"] is not None and ins["spread"] > SPREAD_LIMIT})
    top = max(worst.items(), key=lambda kv: kv[1][0])
    lines = [
        "Instruction counts: each workload ran twice on each file system, a fixed number of "
        "operations per process, in a boot under the counting plugin of its own (not the timed "
        "runs). Ratio: rshmem's kernel instructions per operation over tmpfs's, lower is better.",
        f"Repeatability: the two repetitions differ by at most {100 * top[1][0]:.2f} % "
        f"({top[1][1]} at {top[0]} CPUs, {top[1][2]}); per CPU count: "
        + ", ".join(f"{c}: {100 * v[0]:.2f} % ({v[1]}, {v[2]})" for c, v in sorted(worst.items()))
        + f". Issue 12 asks for 0.5 %: {'met' if top[1][0] <= SPREAD_LIMIT else 'MISSED'}"
        + (f" (over it: {'; '.join(over)})" if over else "") + ".",
    ]
    return lines

HUGE_FS = ("tmpfs", "tmpfs-huge", "rshmem-huge")
# Issue 14's time targets for rshmem huge=always: (against tmpfs's default, against tmpfs huge=always).
HUGE_TARGET = {"pf_shared": (3.0, 1.0)}
MEM_FS = ("tmpfs", "tmpfs-huge", "rshmem", "rshmem-huge")


def huge_report(out, order, values, units, counts, mem, counted):
    """The huge=always comparison: huge.csv, huge.md and huge.png. Returns the rows
    ((cpus, workload, missing file systems)), the memory rows ((workload, size,
    missing)), the markdown lines and the targets missed."""
    rows, table, missed = [], [], []
    for key in order:
        cpus, workload = key
        v = values[key]
        if not any(fs in ("tmpfs-huge", "rshmem-huge") for fs, _ in v) and \
                not any(fs in counts.get(key, {}) for fs in ("tmpfs-huge", "rshmem-huge")):
            continue
        reps = sorted({rep for (_, rep) in v})
        med = {}
        for fs in HUGE_FS:
            xs = [v[(fs, r)] for r in reps if (fs, r) in v]
            med[fs] = statistics.median(xs) if xs else None
        latency = units.get(workload) == "ms"
        ratio = {}
        for ref in ("tmpfs", "tmpfs-huge"):
            xs = []
            for r in reps:
                if (ref, r) in v and ("rshmem-huge", r) in v:
                    t, s = v[(ref, r)], v[("rshmem-huge", r)]
                    if latency and s > 0:
                        xs.append(t / s)
                    elif not latency and t > 0:
                        xs.append(s / t)
            ratio[ref] = (statistics.median(xs), min(xs), max(xs)) if xs else None
        insn = {}
        by_fs = counts.get(key, {})
        for fs in HUGE_FS:
            runs = by_fs.get(fs)
            insn[fs] = statistics.median(run[1] for run in runs) if runs else None
        missing = [fs for fs in HUGE_FS if med[fs] is None and v]
        if counted:
            missing += [f"{fs} (instruction count)" for fs in HUGE_FS if insn[fs] is None]
        rows.append((cpus, workload, missing))
        table.append((cpus, workload, units.get(workload, "-"), med, ratio, insn))

    def fmt(x):
        if x is None:
            return "-"
        return f"{x:.3g}" if x < 100 else f"{x:.0f}"

    def rfmt(r):
        return "-" if r is None else f"{r[0]:.3f} ({r[1]:.3f}-{r[2]:.3f})"

    def n(x):
        return "-" if x is None else f"{x:.1f}" if x < 1e5 else f"{x:.0f}"

    def verdict(r, target):
        if target is None or r is None:
            return "-"
        return f">= {target}: {'met' if r[0] >= target else 'MISSED'}"

    md = []
    csv = ["cpus,workload,unit,tmpfs_median,tmpfs_huge_median,rshmem_huge_median,"
           "ratio_to_tmpfs_median,ratio_to_tmpfs_min,ratio_to_tmpfs_max,"
           "ratio_to_tmpfs_huge_median,ratio_to_tmpfs_huge_min,ratio_to_tmpfs_huge_max,"
           "tmpfs_kernel_insn_op,tmpfs_huge_kernel_insn_op,rshmem_huge_kernel_insn_op,"
           "insn_ratio_to_tmpfs,insn_ratio_to_tmpfs_huge"]
    if table:
        md += [
            "| CPUs | workload | unit | tmpfs (huge=never) median | tmpfs huge=always median "
            "| rshmem huge=always median | time ratio to tmpfs, median (min-max) | target "
            "| time ratio to tmpfs huge=always, median (min-max) | target "
            "| kernel insn/op tmpfs, tmpfs huge=always, rshmem huge=always "
            "| kernel insn ratio rshmem huge=always to tmpfs, to tmpfs huge=always (lower is better) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for cpus, workload, unit, med, ratio, insn in table:
            target = HUGE_TARGET.get(workload.split("_x")[0], (None, None))
            for ref, t in zip(("tmpfs", "tmpfs-huge"), target):
                if t is not None and ratio[ref] is not None and ratio[ref][0] < t:
                    missed.append(f"{workload} at {cpus} CPUs against {ref} ({ratio[ref][0]:.3f} < {t})")
            ir = {ref: insn["rshmem-huge"] / insn[ref] if insn[ref] and insn["rshmem-huge"] is not None
                  else None for ref in ("tmpfs", "tmpfs-huge")}
            irs = ", ".join("-" if ir[ref] is None else f"{ir[ref]:.3f}" for ref in ("tmpfs", "tmpfs-huge"))
            md.append(
                f"| {cpus} | {workload} | {unit} | {fmt(med['tmpfs'])} | {fmt(med['tmpfs-huge'])} "
                f"| {fmt(med['rshmem-huge'])} | {rfmt(ratio['tmpfs'])} | {verdict(ratio['tmpfs'], target[0])} "
                f"| {rfmt(ratio['tmpfs-huge'])} | {verdict(ratio['tmpfs-huge'], target[1])} "
                f"| {n(insn['tmpfs'])}, {n(insn['tmpfs-huge'])}, {n(insn['rshmem-huge'])} | {irs} |")
            csv.append(",".join("" if x is None else str(x) for x in (
                cpus, workload, unit, med["tmpfs"], med["tmpfs-huge"], med["rshmem-huge"],
                *(ratio["tmpfs"] or (None,) * 3), *(ratio["tmpfs-huge"] or (None,) * 3),
                insn["tmpfs"], insn["tmpfs-huge"], insn["rshmem-huge"], ir["tmpfs"], ir["tmpfs-huge"])))

    mem_rows = []
    csv_mem = ["workload,size,fs,used_kib,st_blocks_kib,huge_kib"]
    if mem:
        if md:
            md.append("")
        md += [
            "| workload | file | statfs used KiB: tmpfs, tmpfs huge=always, rshmem, rshmem huge=always "
            "| st_blocks KiB: the same four "
            "| in PMD-size folios KiB: tmpfs huge=always, rshmem huge=always "
            "| target: rshmem huge=always <= tmpfs huge=always |",
            "|---|---|---|---|---|---|",
        ]
        for (workload, size), by_fs in mem.items():
            missing = [fs for fs in MEM_FS if fs not in by_fs]
            mem_rows.append((workload, size, missing))

            def col(i):
                return ", ".join(str(by_fs[fs][i]) if fs in by_fs else "-" for fs in MEM_FS)

            if "rshmem-huge" in by_fs and "tmpfs-huge" in by_fs:
                a, b = by_fs["rshmem-huge"][0], by_fs["tmpfs-huge"][0]
                ok = a <= b
                tv = f"{a} <= {b}: met" if ok else f"{a} > {b}: MISSED"
                if not ok:
                    missed.append(f"memory of {workload} at {size} bytes ({a} KiB > {b} KiB)")
            else:
                tv = "-"
            huge_col = ", ".join(str(by_fs[fs][2]) if fs in by_fs else "-" for fs in ("tmpfs-huge", "rshmem-huge"))
            size_s = f"{size // 1048576} MiB" if size % 1048576 == 0 else f"{size // 1024} KiB"
            md.append(f"| {workload} | {size_s} | {col(0)} | {col(1)} | {huge_col} | {tv} |")
            for fs in MEM_FS:
                if fs in by_fs:
                    csv_mem.append(",".join(str(x) for x in (workload, size, fs, *by_fs[fs])))
    if not md:
        return rows, mem_rows, md, missed
    with open(os.path.join(out, "huge.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    with open(os.path.join(out, "huge.csv"), "w") as f:
        f.write("\n".join(csv) + "\n\n" + "\n".join(csv_mem) + "\n")
    huge_chart(out, table)
    return rows, mem_rows, md, missed


def huge_chart(out, table):
    """rshmem huge=always's time ratio to tmpfs's default and to tmpfs huge=always,
    a bar each per workload and CPU count (median; min-max), on a log scale."""
    lines = []
    for cpus, workload, _, _, ratio, _ in table:
        if ratio["tmpfs"] is None and ratio["tmpfs-huge"] is None:
            continue
        cols = [f"{workload}@{cpus}"]
        for ref in ("tmpfs", "tmpfs-huge"):
            cols += list(ratio[ref] or ("-", "-", "-"))
        lines.append(" ".join(str(x) for x in cols))
    if not lines:
        return
    dat = os.path.join(out, "huge.dat")
    with open(dat, "w") as f:
        f.write("\n".join(lines) + "\n")
    script = f"""
set terminal pngcairo size 1400,600 font ',10' noenhanced
set output '{os.path.join(out, "huge.png")}'
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.6 border -1
set xtics rotate by -35
set logscale y
set yrange [0.5:*]
set grid ytics
set key top right
set title 'rshmem huge=always relative to tmpfs by time (workload@CPUs; median, bars: min-max over repetitions)'
set ylabel 'time ratio, log scale (above 1: rshmem ahead)'
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb 'red'
set arrow 2 from graph 0, first 3 to graph 1, first 3 nohead dt 3 lc rgb 'blue'
set label 2 'pf_shared target against tmpfs huge=never: 3' at graph 0.6, first 3.4 tc rgb 'blue' front
plot '{dat}' using 2:3:4:xtic(1) title 'to tmpfs (huge=never)', '' using 5:6:7 title 'to tmpfs huge=always'
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"report: gnuplot failed, no huge chart: {e}", file=sys.stderr)


def chart(out, rows, counted):
    """A bar per workload and CPU count: the median time ratio, with min-max error
    bars; below it, if counted, the kernel instruction ratio, with the per-repetition
    ratios' min-max."""
    cpu_counts = sorted({r[0] for r in rows})

    # The runs with as many processes as CPUs share a column: "pf_shared_xN".
    def column(cpus, workload):
        return workload[: -len(str(cpus))] + "N" if cpus > 1 and workload.endswith(f"_x{cpus}") else workload

    workloads = []
    for r in rows:
        if column(r[0], r[1]) not in workloads:
            workloads.append(column(r[0], r[1]))
    time = {(r[0], column(r[0], r[1])): (statistics.median(r[5]), min(r[5]), max(r[5])) for r in rows if r[5]}
    insn = {}
    for r in rows:
        ins = r[6]
        if ins["ratio"] is not None:
            xs = ins["ratios"] or [ins["ratio"]]
            insn[(r[0], column(r[0], r[1]))] = (ins["ratio"], min(xs), max(xs))

    def data(name, table):
        dat = os.path.join(out, name)
        with open(dat, "w") as f:
            for w in workloads:
                if not any((c, w) in table for c in cpu_counts):
                    continue
                cols = [w]
                for c in cpu_counts:
                    cols += list(table.get((c, w), ("-", "-", "-")))
                f.write(" ".join(str(x) for x in cols) + "\n")
        return ", ".join(
            f"'{dat}' using {2 + 3 * i}:{3 + 3 * i}:{4 + 3 * i}:xtic(1) title '{c} CPU{'s' if c > 1 else ''}'"
            for i, c in enumerate(cpu_counts)
        )

    panels = []
    if time:
        panels.append(f"""
set title 'rshmem relative to tmpfs by time, same kernel and boot (median; bars: min-max over repetitions)'
set ylabel 'time ratio (above 1: rshmem ahead)'
set arrow 1 from graph 0, first 0.95 to graph 1, first 0.95 nohead dt 2 lc rgb 'red'
set label 1 'target 0.95' at graph 0.01, first 0.9 tc rgb 'red'
plot {data("chart.dat", time)}
""")
    if counted and insn:
        panels.append(f"""
set title 'kernel instructions per operation, rshmem over tmpfs (counting boots; bars: min-max of the repetitions)'
set ylabel 'instruction ratio (below 1: rshmem cheaper)'
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb 'red'
set label 1 'tmpfs' at graph 0.01, first 1.03 tc rgb 'red'
plot {data("chart-insn.dat", insn)}
""")
    if not panels:
        return
    script = f"""
set terminal pngcairo size 1400,{600 * len(panels)} font ',10' noenhanced
set output '{os.path.join(out, "chart.png")}'
set multiplot layout {len(panels)},1
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.6 border -1
set xtics rotate by -35
set yrange [0:*]
# Headroom above the tallest bar for the key.
set offsets 0, 0, graph 0.15, 0
set grid ytics
set key top left
{"".join(panels)}
unset multiplot
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"report: gnuplot failed, no chart: {e}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
