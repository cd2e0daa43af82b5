#!/usr/bin/python3
"""Draw a Chrome trace-event file written by the runtime (AC_TRACE=...) as
an SVG timeline: one row per task, a dark block for each step it ran and a
light bar for each wait between two steps.

Usage: trace_svg.py TRACE.json OUT.svg"""
import json
import sys
from xml.sax.saxutils import escape

ROW, LABEL, WIDTH, MIN_BLOCK = 28, 110, 720, 3


def draw(trace, what="the trace"):
    """The SVG text of a trace (the runtime's JSON, already parsed)."""
    events = trace["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in events if e.get("ph") == "M"}
    slices = [e for e in events if e.get("ph") == "X"]
    if not slices:
        raise ValueError(f"{what}: no steps in the trace")
    t0 = min(e["ts"] for e in slices)
    t1 = max(e["ts"] + e["dur"] for e in slices)
    span = max(t1 - t0, 1)
    tids = sorted({e["tid"] for e in slices})
    height = ROW * len(tids) + 86
    scale = (WIDTH - LABEL - 20) / span
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{height}" fill="white"/>']
    for row, tid in enumerate(tids):
        y = 10 + row * ROW
        out.append(f'<text x="4" y="{y + 16}">{escape(names.get(tid, "callbacks"))}</text>')
        out.append(f'<line x1="{LABEL}" y1="{y + 12}" x2="{WIDTH - 20}" y2="{y + 12}" stroke="#ddd"/>')
        steps = sorted((e for e in slices if e["tid"] == tid), key=lambda e: e["ts"])
        for a, b in zip(steps, steps[1:]):  # suspended between two steps
            x = LABEL + (a["ts"] + a["dur"] - t0) * scale
            w = (b["ts"] - a["ts"] - a["dur"]) * scale
            out.append(f'<rect x="{x:.1f}" y="{y + 8}" width="{w:.1f}" height="8" fill="#c6dbef"/>')
        for e in steps:
            x = LABEL + (e["ts"] - t0) * scale
            w = max(MIN_BLOCK, e["dur"] * scale)
            out.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="18" fill="#3b7dd8">'
                       f'<title>{escape(e["name"])}: {e["dur"]} us</title></rect>')
    axis = 10 + len(tids) * ROW + 12
    out.append(f'<text x="{LABEL}" y="{axis}">0 ms</text>')
    out.append(f'<text x="{WIDTH - 20}" y="{axis}" text-anchor="end">{span / 1000:.1f} ms</text>')
    legend = axis + 20  # in the words the lessons use for the marks
    out.append(f'<rect x="{LABEL}" y="{legend - 10}" width="{MIN_BLOCK}" height="12" fill="#3b7dd8"/>')
    out.append(f'<text x="{LABEL + 10}" y="{legend}">ran until it next waited (microseconds, drawn wider)</text>')
    out.append(f'<rect x="{LABEL - 10}" y="{legend + 12}" width="24" height="8" fill="#c6dbef"/>')
    out.append(f'<text x="{LABEL + 20}" y="{legend + 20}">waited (in ac_task_sleep or ac_future_await)</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(src, dst):
    with open(src) as f:
        trace = json.load(f)
    try:
        svg = draw(trace, src)
    except ValueError as e:
        sys.exit(str(e))
    with open(dst, "w") as f:
        f.write(svg)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
