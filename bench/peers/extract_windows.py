#!/usr/bin/env python3
"""Turns what jq cannot read by itself into one JSON document for freeze.jq (--slurpfile).

jq has no registry and no YAML, so the peers benchmark hands it, as data:
  - the freezes of registry.yaml (id, envs, resource globs as regexes, [from, until) as
    fixed-width UTC strings "YYYY-MM-DDTHH:MM:SS.ffffffZ" so jq can compare them as text);
  - the break-glass approvals of registry.yaml, by agent (classes, resource globs, window);
  - the action-class table (rules/action_classes.yaml): verbs lower-cased, tool globs in order,
    so jq can derive `action.class` for events that do not name one, as agentwatch does.

Only the top-level sections `freezes:` and `approvals:` of the registry are parsed (the agents
and credentials sections are megabytes that jq's task never needs); a registry without those
section headers at column 0 is parsed whole.

Usage: extract_windows.py REGISTRY.yaml ACTION_CLASSES.yaml > windows.json
"""
import datetime
import json
import re
import sys

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def glob_regex(pattern):
    """rules/glob.h: '**' any run, '*' any run without '/', '?' one char but '/', '\\c' literal."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "*":
            if pattern[i + 1:i + 2] == "*":
                out.append(".*")
                i += 2
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(c))
        i += 1
    # jq (Oniguruma) understands these escapes; anchor at both ends like Glob::matches.
    return "^" + "".join(out) + "$"


def utc27(value):
    """A registry instant as 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (what the generated events carry)."""
    if isinstance(value, datetime.datetime):
        t = value
    elif isinstance(value, datetime.date):
        t = datetime.datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip().replace("z", "Z")
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        t = datetime.datetime.fromisoformat(text)
    if t.tzinfo is not None:
        t = t.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sections(path, names):
    text = open(path, encoding="utf-8").read()
    starts = {m.group(1): m.start() for m in re.finditer(r"^([A-Za-z_]+):", text, re.M)}
    if not all(n in starts for n in names):
        return yaml.load(text, Loader=Loader) or {}
    order = sorted(starts.values())
    doc = {}
    for n in names:
        begin = starts[n]
        later = [s for s in order if s > begin]
        end = later[0] if later else len(text)
        doc.update(yaml.load(text[begin:end], Loader=Loader) or {})
    return doc


def main():
    registry_path, classes_path = sys.argv[1], sys.argv[2]
    reg = sections(registry_path, ["freezes", "approvals"])
    far_past, far_future = "0000-01-01T00:00:00.000000Z", "9999-12-31T23:59:59.999999Z"

    freezes = []
    for f in reg.get("freezes") or []:
        freezes.append({
            "id": f["id"],
            "envs": list(f.get("envs") or []),
            "res": [glob_regex(g) for g in (f.get("resources") or [])],
            "from": utc27(f["from"]) if f.get("from") is not None else far_past,
            "until": utc27(f["until"]) if f.get("until") is not None else far_future,
        })

    breakglass = {}
    for a in reg.get("approvals") or []:
        if a.get("break_glass") is not True:
            continue
        breakglass.setdefault(a["agent"], []).append({
            "id": a["id"],
            "classes": list(a.get("classes") or []),
            "res": [glob_regex(g) for g in (a.get("resources") or [])],
            "from": utc27(a["from"]) if a.get("from") is not None else far_past,
            "until": utc27(a["until"]) if a.get("until") is not None else far_future,
        })

    table = yaml.load(open(classes_path, encoding="utf-8"), Loader=Loader)
    verbs = {}
    for cls, words in (table.get("verbs") or {}).items():
        for w in words:
            verbs.setdefault(str(w).lower(), cls)
    tools = [[glob_regex(str(r["glob"])), r["class"]] for r in (table.get("tools") or [])]

    json.dump({"freezes": freezes, "breakglass": breakglass, "verbs": verbs, "tools": tools},
              sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
