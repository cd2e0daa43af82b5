"""The learner's progress, kept between runs in .grade/state.json at the
top of the repository: which exercises are complete, how many hints each
has shown, and the chapter the learner is on."""
import json
import os

from .chapters import ROOT

PATH = os.environ.get("GRADE_STATE") or os.path.join(ROOT, ".grade", "state.json")


def load():
    try:
        with open(PATH) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {"done": {}, "hints": {}}


def save(state):
    os.makedirs(os.path.dirname(PATH), exist_ok=True)
    tmp = PATH + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f, indent=1)
    os.replace(tmp, PATH)


def current_chapter(state, chapters):
    """The first chapter with an exercise not yet complete."""
    for ch in chapters:
        if any(not state["done"].get(f"{ch.number}/{ex.name}") for ex in ch.exercises):
            return ch
    return chapters[-1] if chapters else None
