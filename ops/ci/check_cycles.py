#!/usr/bin/env python3
"""No file cycles: within a crate's source tree, no file reaches itself through the items
it uses from other files (`use crate::a::b`, `super::b`, paths in code).

    ops/ci/check_cycles.py CRATE_SRC_DIR [SUBDIR ...]

Each file is a module (`lib.rs` and `mod.rs` are their folder's). An edge goes from a file
to the deepest module file a path names. Paths to an ancestor's module file are left out:
a folder's `mod.rs` is its children's namespace, not a peer. A name a module re-exports
(`pub use child::Name`) resolves to the file that defines it.
Test code (files named `tests.rs`, a trailing `#[cfg(test)] mod tests`) is left out.
With SUBDIRs, only cycles through files under them are reported. Exits 1 on a cycle.
"""
import os
import re
import sys


def module_of(root, path):
    rel = os.path.relpath(path, root)[:-3].split(os.sep)
    if rel[-1] in ("lib", "main", "mod"):
        rel = rel[:-1]
    return tuple(rel)


def non_test_lines(path):
    """The file's lines before a trailing `#[cfg(test)] mod tests` block."""
    lines = open(path, encoding="utf-8").read().split("\n")
    for i, line in enumerate(lines):
        if line.strip() == "#[cfg(test)]" and i + 1 < len(lines) and lines[i + 1].startswith("mod tests"):
            return lines[:i]
    return lines


def code(path, uses_only=False):
    lines = non_test_lines(path)
    text = "\n".join(l for l in lines if not l.strip().startswith("//"))
    # `use a::{b, c::{d, e}}` → one path per leaf, so each names its own module.
    out = []
    pattern = r"\bpub(?:\([^)]*\))?\s+use\s+([^;]+);" if uses_only else r"\buse\s+([^;]+);"
    for m in re.finditer(pattern, text):
        out.extend(expand(m.group(1).replace("\n", " ")))
    if not uses_only:
        out.extend(re.findall(r"\b((?:crate|super|self)(?:::\w+)+)", text))
    return out


def expand(tree):
    tree = tree.strip()
    i = tree.find("{")
    if i < 0:
        return [tree.split(" as ")[0].strip()]
    prefix, inner = tree[:i], tree[i + 1 : tree.rfind("}")]
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    parts.append(cur)
    return [p for part in parts if part.strip() for p in expand(prefix + part.strip())]


def resolve(mods, here, path, exports=None):
    segs = path.split("::")
    if segs[0] == "crate":
        base, segs = (), segs[1:]
    elif segs[0] in ("super", "self"):
        base = here
        while segs and segs[0] in ("super", "self"):
            base = base[:-1] if segs[0] == "super" else base
            segs = segs[1:]
    else:
        return None
    target = base
    for s in segs:
        if target + (s,) in mods:
            target = target + (s,)
        elif exports and (target, s) in exports:
            return exports[(target, s)]
        else:
            break
    return target if target in mods else None


def main():
    root = sys.argv[1]
    only = [os.path.normpath(os.path.join(root, d)) for d in sys.argv[2:]]
    files = {}
    for d, _, fs in os.walk(root):
        for f in fs:
            if f.endswith(".rs") and f != "tests.rs":
                p = os.path.join(d, f)
                files[module_of(root, p)] = p
    mods = set(files)
    # Names each module re-exports (`pub use a::b::Name;`), by the file defining them.
    exports = {}
    for m, p in files.items():
        for path in code(p, uses_only=True):
            name = path.split("::")[-1]
            if path.startswith(("crate::", "super::", "self::")):
                t = resolve(mods, m, path)
            else:
                t = resolve(mods, m, "self::" + path)
            if t is not None and t != m:
                exports[(m, name)] = t
    graph = {m: set() for m in mods}
    for m, p in files.items():
        for path in code(p):
            t = resolve(mods, m, path, exports)
            if t is None or t == m or m[: len(t)] == t:
                continue  # itself, or an ancestor's namespace
            graph[m].add(t)
    cycles = find_cycles(graph)
    if only:
        cycles = [c for c in cycles if any(os.path.normpath(files[x]).startswith(o + os.sep) for x in c for o in only)]
    for c in cycles:
        print("cycle:", " -> ".join(os.path.relpath(files[x], root) for x in c + [c[0]]))
    if cycles:
        sys.exit(1)
    print(f"ok: {root}{' ' + ' '.join(sys.argv[2:]) if only else ''}: no file cycles ({len(files)} files)")


def find_cycles(graph):
    """One cycle per strongly connected component of more than one file (Tarjan)."""
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
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
                out.append(path_in(graph, set(comp)))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def path_in(graph, comp):
    """A cycle through the component's first file."""
    start = min(comp)
    prev, queue = {start: None}, [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v]):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path))
            if w in comp and w not in prev:
                prev[w] = v
                queue.append(w)
    return sorted(comp)


if __name__ == "__main__":
    main()
