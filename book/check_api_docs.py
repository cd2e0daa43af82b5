#!/usr/bin/python3
"""Fail unless the API documentation is complete, from Doxygen's XML of the
headers: every parameter of every function, function-like macro and
function type has a description (@param), every function that returns
something says what (@return), every field of every structure and every
entry has a description, and every entry is in a group (@defgroup ... @{
@}): the book has one page per group, so an entry outside one would be on
none. (Doxygen's own WARN_NO_PARAMDOC cannot do it in
Debian 12's doxygen 1.9.4, which warns about documented parameters too.)

Usage: check_api_docs.py DOXYGEN_XML_DIR"""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET


def text(el):
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def documented_params(member):
    return {text(name).split("[")[0] for item in member.iter("parameteritem")
            for name in item.iter("parametername") if text(item.find("parameterdescription"))}


def params_of(member):
    kind = member.get("kind")
    if kind in ("function", "define"):
        names = [text(p.find("declname")) or text(p.find("defname")) for p in member.findall("param")]
        return [n for n in names if n and n != "..."]
    if kind == "typedef":  # a function type: its parameters are in the argument string
        args = text(member.find("argsstring"))
        m = re.match(r"\)\s*\((.*)\)$", args)
        if not m or m.group(1).strip() in ("", "void"):
            return []
        return [re.findall(r"(\w+)\s*(?:\[\])?$", p.strip())[-1] for p in m.group(1).split(",")
                if re.findall(r"(\w+)\s*(?:\[\])?$", p.strip())]
    return []


def check(xml_dir):
    problems = []
    for path in sorted(glob.glob(os.path.join(xml_dir, "group__*.xml")) +
                       glob.glob(os.path.join(xml_dir, "struct*.xml"))):
        for compound in ET.parse(path).getroot().iter("compounddef"):
            cname = text(compound.find("compoundname"))
            for member in compound.iter("memberdef"):
                name = text(member.find("name"))
                where = f"{member.find('location').get('file')}:{member.find('location').get('line')}"
                what = f"{cname}.{name}" if compound.get("kind") == "struct" else name
                if not (text(member.find("briefdescription")) or text(member.find("detaileddescription"))):
                    problems.append(f"{where}: {what} has no description")
                    continue
                missing = [p for p in params_of(member) if p not in documented_params(member)]
                if missing:
                    problems.append(f"{where}: {what}: no @param for {', '.join(missing)}")
                returns = text(member.find("type"))
                if member.get("kind") == "function" and returns != "void" and \
                        not any(s.get("kind") == "return" for s in member.iter("simplesect")):
                    problems.append(f"{where}: {what} returns {returns} but has no @return")
    return problems + ungrouped(xml_dir)


def ungrouped(xml_dir):
    """Entries of the headers that no group holds: Doxygen gives a grouped
    member an id of its group's and lists a grouped structure as its
    group's innerclass."""
    grouped_structs = {text(inner) for path in glob.glob(os.path.join(xml_dir, "group__*.xml"))
                       for inner in ET.parse(path).getroot().iter("innerclass")}
    problems = []
    for path in sorted(glob.glob(os.path.join(xml_dir, "*_8h.xml"))):
        for member in ET.parse(path).getroot().iter("memberdef"):
            if not member.get("id", "").startswith("group__"):
                where = f"{member.find('location').get('file')}:{member.find('location').get('line')}"
                problems.append(f"{where}: {text(member.find('name'))} is in no @defgroup, so on no API page")
    for path in sorted(glob.glob(os.path.join(xml_dir, "struct*.xml"))):
        compound = ET.parse(path).getroot().find("compounddef")
        if text(compound.find("compoundname")) not in grouped_structs:
            where = f"{compound.find('location').get('file')}:{compound.find('location').get('line')}"
            problems.append(f"{where}: {text(compound.find('compoundname'))} is in no @defgroup, so on no API page")
    return problems


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    found = check(sys.argv[1])
    for p in found:
        print(p, file=sys.stderr)
    if found:
        sys.exit(f"check_api_docs: {len(found)} gaps in the API documentation (see CONTRIBUTING.md)")
