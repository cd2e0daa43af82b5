#!/usr/bin/python3
"""Write compile_commands.json for editors: ask make which compile commands
it would run (a forced dry run) and record each with its source file."""
import json
import os
import shlex
import subprocess
import sys

targets = sys.argv[1:] or ["runtime"]
out = subprocess.run(["make", "-Bn", "--no-print-directory", *targets],
                     capture_output=True, text=True, check=True).stdout
root = os.getcwd()
entries = []
for line in out.splitlines():
    words = shlex.split(line) if line.strip() else []
    if not words or not words[0].endswith(("cc", "gcc", "clang")):
        continue
    for w in words:
        if w.endswith((".c", ".S")) and os.path.exists(w):
            entries.append({"directory": root, "command": line, "file": w})
with open("compile_commands.json", "w") as f:
    json.dump(entries, f, indent=1)
print(f"compile_commands.json: {len(entries)} entries")
