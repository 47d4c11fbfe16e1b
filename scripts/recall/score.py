#!/usr/bin/env python3
"""Score `synthlint inventory DIR --format json` against a hand count.

    scripts/recall/score.py NAME INVENTORY.json [-v]

The hand count is scripts/recall/truth/NAME.txt, one generation endpoint a
line: `path:line|kind|miss-groups|what it reaches` (miss groups are the items
of issue 11; NAME.tests.txt lists test code that must not be reported). A
reported endpoint is correct when it is in the same file within 3 lines of a
hand-counted one not matched yet. `-v` lists misses and false positives.
See docs/recall.md.
"""
import json,os,sys,collections
name, inv = sys.argv[1], sys.argv[2]
verbose = len(sys.argv)>3
truth=[]
for l in open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "truth", f"{name}.txt")):
    l=l.strip()
    if not l or l.startswith('#'): continue
    loc,kind,groups,*rest=l.split('|')
    p,ln=loc.rsplit(':',1)
    truth.append(dict(path=p,line=int(ln),kind=kind,groups=groups,note=rest[0] if rest else ''))
d=json.load(open(inv))
eps=[(e['path'],e['line'],e['title'],e['handler']) for e in d['endpoints']]
used=set(); matched={}
for i,t in enumerate(truth):
    best=None
    for j,(p,ln,ti,h) in enumerate(eps):
        if j in used or p!=t['path']: continue
        dd=abs(ln-t['line'])
        if dd<=3 and (best is None or dd<best[0]): best=(dd,j)
    if best: used.add(best[1]); matched[i]=best[1]
tp=len(matched); n=len(truth); rep=len(eps)
fp=[eps[j] for j in range(len(eps)) if j not in used]
rec=tp/n if n else 0; prec=tp/rep if rep else float('nan')
print(f"{name}: hand={n} reported={rep} correct={tp} recall={rec:.0%} precision={prec:.0%}" if rep else f"{name}: hand={n} reported=0 correct=0 recall=0% precision=n/a")
miss=collections.Counter()
for i,t in enumerate(truth):
    if i not in matched:
        for g in t['groups'].split(','): miss[g]+=1
print("  misses by group (an endpoint counts in each of its groups):",dict(sorted(miss.items())))
if verbose:
    for i,t in enumerate(truth):
        if i not in matched: print("  MISS",t['path'],t['line'],t['kind'],t['groups'])
    for f in fp: print("  FP",f)
