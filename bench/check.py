#!/usr/bin/python3
"""Instructions per operation of the single-threaded micro-benchmarks,
counted by callgrind, against a committed baseline (bench/baseline/
instructions.json). Counts do not depend on the machine's load, so CI can
hold them to a bound that a timed figure could never keep.

Usage: check.py BUILD_DIR [--write]

Each benchmark runs twice, at two counts (BENCH_SCALE 200 and 100, so the
second does twice the operations of the first); the difference, divided by
the operations added, is the cost of one operation without the program's
start-up and tear-down. A count more than 10% above the baseline fails; one
more than 10% below asks for a new baseline (--write, `make bench-baseline`),
so that a gain is kept.
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BASELINE = os.path.join(HERE, "baseline", "instructions.json")
TOLERANCE = 0.10

# name: (program, argument, the count the program passes to bench_count(),
# operations per unit of that count), as in bench/c/ac_tasks.c and
# ac_sync.c. The threaded benchmarks (executor_*) are left out: how long a
# worker spins, and so how many instructions it runs, depends on when the
# other thread is scheduled.
BENCHES = {
    "switch": ("ac_tasks", "switch", 5000000, 2),  # two tasks, n switches each
    "switch_compact": ("ac_tasks", "switch_compact", 5000000, 2),  # the same, compact tasks
    "spawn_await": ("ac_tasks", "spawn_await", 200000, 1),
    "create_run_destroy": ("ac_tasks", "create_run_destroy", 1000, 1000),  # batches of 1,000
    "call_soon": ("ac_tasks", "call_soon", 1000000, 1),
    "queue_pingpong": ("ac_sync", "queue_pingpong", 1000000, 1),
    "lock": ("ac_sync", "lock", 10000000, 1),
}
SCALES = (200, 100)


def instructions(build, program, arg, scale):
    """Total instructions callgrind counted for one run of PROGRAM ARG."""
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
           f"{build}/bench/{program}", arg]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                         env=dict(os.environ, BENCH_SCALE=str(scale)))
    m = re.search(r"Collected : (\d+)", out.stderr)
    if out.returncode != 0 or not m:
        raise RuntimeError(f"{' '.join(cmd)} (BENCH_SCALE={scale}) failed:\n{out.stderr[-2000:]}")
    return int(m.group(1))


def measure(build):
    got = {}
    for name, (program, arg, count, per) in BENCHES.items():
        small, large = (instructions(build, program, arg, s) for s in SCALES)
        ops = [count // s * per for s in SCALES]  # bench_count(): count / BENCH_SCALE
        got[name] = round((large - small) / (ops[1] - ops[0]), 1)
    return got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--write", action="store_true", help="make the counts measured now the baseline")
    args = ap.parse_args()
    got = measure(args.build)
    if args.write:
        os.makedirs(os.path.dirname(BASELINE), exist_ok=True)
        with open(BASELINE, "w") as f:
            json.dump(got, f, indent=1, sort_keys=True)
            f.write("\n")
        for name, v in got.items():
            print(f"{name:20} {v:10.1f} instructions/op")
        print(f"written: {os.path.relpath(BASELINE)}")
        return 0
    with open(BASELINE) as f:
        base = json.load(f)
    bad = 0
    for name, v in got.items():
        if name not in base:
            print(f"FAIL {name:20} {v:10.1f} instructions/op: no baseline (make bench-baseline)")
            bad += 1
            continue
        change = v / base[name] - 1
        verdict = "ok  "
        note = ""
        if change > TOLERANCE:
            verdict, bad = "FAIL", bad + 1
            note = f": more than {TOLERANCE:.0%} above the baseline"
        elif change < -TOLERANCE:
            note = ": well below the baseline; keep the gain with make bench-baseline"
        print(f"{verdict} {name:20} {v:10.1f} instructions/op (baseline {base[name]:.1f}, {change:+.1%}){note}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
