"""What the grader tells: a report for people (coloured on a terminal,
plain otherwise, NO_COLOR respected), a Gradescope results.json and a JUnit
XML file for machines."""
import json
import os
import sys
import xml.etree.ElementTree as ET


def _colour():
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


class Style:
    def __init__(self):
        on = _colour()
        self.green = "\033[32m" if on else ""
        self.red = "\033[31m" if on else ""
        self.yellow = "\033[33m" if on else ""
        self.bold = "\033[1m" if on else ""
        self.dim = "\033[2m" if on else ""
        self.reset = "\033[0m" if on else ""


def bar(done, total, width=30):
    filled = int(round(width * done / total)) if total else 0
    return "[" + "#" * filled + "." * (width - filled) + "]"


def print_exercise(style, chapter, ex_result):
    ex = ex_result["exercise"]
    got, most = ex_result["score"], ex_result["max_score"]
    colour = style.green if got == most else style.red if got == 0 else style.yellow
    print(f"\n{style.bold}{chapter.number} {ex.name}{style.reset}  {colour}{got}/{most}{style.reset}"
          f"  {style.dim}{ex.summary}{style.reset}")
    if ex_result.get("error"):
        print(f"  {style.red}{ex_result['error']}{style.reset}")
        return
    for t in ex_result["tests"]:
        test = t["test"]
        if t["status"] == "pass":
            print(f"  {style.green}PASS{style.reset} {test.name} ({test.points} pt)")
        elif t["status"] == "skip":
            print(f"  {style.yellow}SKIP{style.reset} {test.name}: {t['message']}")
        else:
            print(f"  {style.red}FAIL{style.reset} {test.name} (0/{test.points} pt): {test.description}")
            where = f"{t['where']}: " if t.get("where") else ""
            print(f"       {where}{t['message']}")
            if t.get("output", "").strip():
                shown = t["output"].strip().splitlines()[:20]
                for line in shown:
                    print(f"       {style.dim}| {line}{style.reset}")


def progress_line(style, totals):
    """totals: list of (chapter_number, score, max)."""
    done = sum(1 for _, s, m in totals if m and s == m)
    score = sum(s for _, s, _ in totals)
    most = sum(m for _, _, m in totals)
    return (f"{style.bold}Course progress{style.reset}: {done}/{len(totals)} chapters complete, "
            f"{score}/{most} points {bar(score, most)}")


def write_json(path, results):
    tests = []
    for chapter, ex_result in results:
        ex = ex_result["exercise"]
        if ex_result.get("error"):
            tests.append({"name": f"{chapter.number} {ex.name}: build", "score": 0,
                          "max_score": ex_result["max_score"], "output": ex_result["error"],
                          "visibility": "visible"})
            continue
        for t in ex_result["tests"]:
            test = t["test"]
            out = "" if t["status"] == "pass" else (t.get("where", "") + " " + t["message"]).strip()
            if t.get("output"):
                out += ("\n" if out else "") + t["output"]
            tests.append({"name": f"{chapter.number} {ex.name}: {test.name}",
                          "score": test.points if t["status"] == "pass" else 0,
                          "max_score": test.points, "output": out, "status": "passed" if t["status"] == "pass" else "failed",
                          "visibility": "after_published" if test.hidden else "visible"})
    doc = {"score": sum(t["score"] for t in tests), "max_score": sum(t["max_score"] for t in tests),
           "tests": tests}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    return doc


def write_junit(path, results):
    suite = ET.Element("testsuite", name="grade")
    failures = 0

    def case(cls, name, seconds=None, failure=None, text=""):
        el = ET.SubElement(suite, "testcase", classname=cls, name=name)
        if seconds is not None:
            el.set("time", f"{seconds:.3f}")
        if failure is not None:
            ET.SubElement(el, "failure", message=failure).text = text

    for chapter, ex_result in results:
        ex = ex_result["exercise"]
        cls = f"chapter{chapter.number}.{ex.name}"
        if ex_result.get("error"):
            failures += 1
            case(cls, "build", failure="build failed", text=ex_result["error"])
            continue
        for t in ex_result["tests"]:
            passed = t["status"] == "pass"
            failures += not passed
            case(cls, t["test"].name, t.get("seconds", 0.0), None if passed else t["message"], t.get("output", ""))
    suite.set("tests", str(len(suite)))
    suite.set("failures", str(failures))
    ET.indent(suite)
    ET.ElementTree(suite).write(path, encoding="UTF-8", xml_declaration=True)
