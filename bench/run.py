#!/usr/bin/python3
"""Run every benchmark for the runtime and its peers in one go, take the
median of several runs, and report ratios against the peers as a table
(build/bench/report.md) and as JSON (build/bench/results.json).

Usage: run.py BUILD_DIR [--runs N] [--only NAME,...]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

PY = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))

# name: (commands per implementation, lower_is_better, target)
# A target is ("faster", peer, factor), ("below", limit) or None (report only).
def benches(build):
    tasks, sync = f"{build}/bench/ac_tasks", f"{build}/bench/ac_sync"
    peers = f"{HERE}/py/peers.py"

    def impls(ac_cmd, name, extra=None):
        out = {"ac": ac_cmd}
        out.update(extra or {})
        out["asyncio"] = [PY, peers, name]
        out["uvloop"] = [PY, peers, "--uvloop", name]
        return out

    return {
        "switch": (impls([tasks, "switch"], "switch", {"swapcontext": [f"{build}/bench/swapcontext"]}),
                   True, ("faster", "swapcontext", 20)),
        "spawn_await": (impls([tasks, "spawn_await"], "spawn_await"), True, ("faster", "asyncio", 20)),
        "create_run_destroy": (impls([tasks, "create_run_destroy"], "create_run_destroy"), True, ("below", 100)),
        "call_soon": (impls([tasks, "call_soon"], "call_soon"), True, ("faster", "asyncio", 20)),
        "sleeping_rss": (impls([tasks, "sleeping_rss"], "sleeping_rss"), True, ("below", 5)),
        "queue_pingpong": (impls([sync, "queue_pingpong"], "queue_pingpong"), True, ("faster", "asyncio", 20)),
        "lock": (impls([sync, "lock"], "lock"), True, None),
        "executor_latency": (impls([sync, "executor_latency"], "executor_latency"), True,
                             ("faster", "asyncio", 10)),
        "executor_throughput": (impls([sync, "executor_throughput"], "executor_throughput"), False, None),
    }


def run_once(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({out.returncode}): {out.stderr.strip()}")
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"{' '.join(cmd)} printed no result")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    results = []
    failed = False
    for name, (impls, lower_better, target) in benches(args.build).items():
        if only and name not in only:
            continue
        row = {"bench": name, "lower_is_better": lower_better, "figures": {}, "unit": None}
        for impl, cmd in impls.items():
            values = []
            for _ in range(args.runs):
                r = run_once(cmd)
                values.append(r["value"])
                row["unit"] = r["unit"]
            row["figures"][impl] = statistics.median(values)
            print(f"{name:22} {impl:12} {row['figures'][impl]:12.4f} {row['unit']}", file=sys.stderr)
        ac = row["figures"]["ac"]
        row["ratios"] = {}
        for impl, v in row["figures"].items():
            if impl != "ac" and ac > 0 and v > 0:
                row["ratios"][impl] = v / ac if lower_better else ac / v
        if target and target[0] == "faster":
            row["target"] = f">= {target[2]}x {target[1]}"
            row["met"] = row["ratios"].get(target[1], 0) >= target[2]
        elif target:
            row["target"] = f"<= {target[1]} {row['unit']}"
            row["met"] = ac <= target[1]
        else:
            row["target"], row["met"] = "report", None
        failed |= row["met"] is False
        results.append(row)

    os.makedirs("build/bench", exist_ok=True)
    with open("build/bench/results.json", "w") as f:
        json.dump(results, f, indent=1)
    peers = ["swapcontext", "asyncio", "uvloop"]
    lines = ["| benchmark | unit | ac | " + " | ".join(peers) + " | ac vs " + " | ac vs ".join(peers)
             + " | target | |", "|" + "---|" * (5 + 2 * len(peers))]
    for r in results:
        figs = [f"{r['figures'][p]:.4g}" if p in r["figures"] else "" for p in peers]
        ratios = [f"{r['ratios'][p]:.1f}x" if p in r["ratios"] else "" for p in peers]
        status = {True: "met", False: "GAP", None: ""}[r["met"]]
        lines.append(f"| {r['bench']} | {r['unit']} | {r['figures']['ac']:.4g} | " + " | ".join(figs)
                     + " | " + " | ".join(ratios) + f" | {r['target']} | {status} |")
    table = "\n".join(lines) + "\n\nRatios say how many times better ac is (time: peer/ac; throughput: ac/peer).\n"
    with open("build/bench/report.md", "w") as f:
        f.write(table)
    print(table)
    return 1 if failed and os.environ.get("BENCH_STRICT") else 0


if __name__ == "__main__":
    sys.exit(main())
