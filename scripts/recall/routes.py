#!/usr/bin/env python3
"""Score the HTTP routes of Rust files against a hand count.

    synthlint debug entrypoints /tmp/repos/REPO > eps.json
    scripts/recall/routes.py NAME eps.json [-v]

The hand count is scripts/recall/routes/NAME.txt, one route a line:
`METHOD PATH HANDLER` (HANDLER: the function's name, `-` when a closure
calls no project function, reported as a closure handler). A reported route
(an `http` entry point registered in a `.rs` file) matches a hand-counted one
with the same method and handler name, each used once; it matches with its
path when the paths are equal too. `-v` lists misses and extras.
"""
import json, os, sys

name, inv = sys.argv[1], sys.argv[2]
verbose = len(sys.argv) > 3
truth = []
for l in open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "routes", f"{name}.txt")):
    l = l.strip()
    if l and not l.startswith("#"):
        m, p, h = l.split(" ", 2)
        truth.append((m, p, h))
rep = []
for e in json.load(open(inv)):
    if e["kind"] != "http" or not e["location"]["path"].endswith(".rs"):
        continue
    # A closure that calls no project function is its own handler: `-`.
    h = "-" if e["handler"]["kind"] == "closure" else e["handler"].get("qualname", "").split(".")[-1]
    for m in e["methods"] or ["ANY"]:
        rep.append((m, e.get("route") or "-", h))
used = set()
found = exact = 0
misses = []
# Exact matches first, then method + handler alone.
matched = {}
for pass_ in (0, 1):
    for i, (m, p, h) in enumerate(truth):
        if i in matched:
            continue
        for j, (rm, rp, rh) in enumerate(rep):
            if j in used or rm != m or rh != h:
                continue
            if pass_ == 0 and rp != p:
                continue
            used.add(j)
            matched[i] = pass_ == 0
            break
found = len(matched)
exact = sum(1 for v in matched.values() if v)
n = len(truth)
print(f"{name}: hand={n} reported={len(rep)} found={found} ({exact} with the path) "
      f"recall={found / n:.0%} precision={(found / len(rep)) if rep else float('nan'):.0%}")
if verbose:
    for i, t in enumerate(truth):
        if i not in matched:
            print("  MISS", *t)
        elif not matched[i]:
            print("  PATH", *t)
    for j, r in enumerate(rep):
        if j not in used:
            print("  EXTRA", *r)
