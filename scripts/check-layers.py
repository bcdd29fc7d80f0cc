#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check the library's architecture from what its object files really call
(docs/architecture.md).

Every object file of the core archive is a node; an edge A -> B means A uses
a symbol B defines (nm: undefined in A, defined in B). Two rules:

  1. No cycle between source files (a file and its helpers form a chain,
     never a loop), so each file can be read, tested and replaced from the
     bottom up.
  2. Layers only call downwards: a file may use its own folder and the
     folders listed below it in LAYERS, never one above or beside it.

Usage: check-layers.py ARCHIVE   (libiamwatch-core.a)
"""
import collections
import subprocess
import sys

# folder -> the folders it may use besides itself (docs/architecture.md)
LAYERS = {
    "common": [],
    "lang": ["common"],
    "match": ["lang", "common"],
    "metrics": ["match", "lang", "common"],
    "alarms": ["metrics", "common"],
    "engine": ["alarms", "metrics", "match", "lang", "common", "formats", "packs"],
    "formats": ["common"],
    "packs": ["common"],
    "analysis": ["engine", "alarms", "metrics", "match", "lang", "common", "formats", "packs"],
}
# generated sources: object name -> the folder of their .re file
GENERATED = {"lexer.c": "lang", "alarm_rule.c": "alarms", "packs_data.c": "packs"}


def source_of(obj: str) -> str:
    base = obj.rsplit("/", 1)[-1]
    if base.endswith(".o"):
        base = base[:-2]
    if base.startswith("meson-generated_"):
        name = base[len("meson-generated_"):].split("_", 1)[-1] if base.startswith(
            "meson-generated_.._") else base[len("meson-generated_"):]
        return GENERATED.get(name, "?") + "/" + name
    folder, _, rest = base.partition("_")
    return folder + "/" + rest


def main() -> int:
    archive = sys.argv[1]
    out = subprocess.run(["nm", "-A", archive], check=True, capture_output=True,
                         text=True).stdout
    defines = {}
    uses = collections.defaultdict(set)
    for line in out.splitlines():
        # archive:object:  [value] type symbol
        parts = line.split(":")
        if len(parts) < 3:
            continue
        src = source_of(parts[1])
        fields = parts[-1].split()
        if len(fields) < 2:
            continue
        kind, sym = fields[-2], fields[-1]
        if kind == "U":
            uses[src].add(sym)
        elif kind in "TDBR":
            defines[sym] = src
    graph = collections.defaultdict(set)
    for src, syms in uses.items():
        for s in syms:
            d = defines.get(s)
            if d and d != src:
                graph[src].add(d)
    problems = []
    for src, deps in sorted(graph.items()):
        folder = src.split("/")[0]
        allowed = set(LAYERS.get(folder, [])) | {folder}
        if folder not in LAYERS:
            problems.append(f"{src}: folder '{folder}' is not in the layer table")
        for d in sorted(deps):
            if d.split("/")[0] not in allowed:
                why = sorted(s for s in uses[src] if defines.get(s) == d)
                problems.append(f"layer: {src} -> {d} ({', '.join(why[:4])})")
    # cycles: Tarjan's strongly connected components
    index, low, stack, on, sccs = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    nodes = set(graph) | {d for ds in graph.values() for d in ds}
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    for comp in sccs:
        edges = [f"{a} -> {b}" for a in comp for b in sorted(graph[a]) if b in comp]
        problems.append("cycle: " + "; ".join(edges))
    for p in problems:
        print(p)
    print(f"{len(nodes)} files, {sum(len(d) for d in graph.values())} dependencies, "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
