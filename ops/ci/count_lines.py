#!/usr/bin/env python3
"""Non-test Rust code lines per source tree, and their total.

    ops/ci/count_lines.py DIR... [--max-first N]

Left out: files named `tests.rs`, a trailing `#[cfg(test)] mod tests` block, blank lines
and lines holding only a comment. With --max-first, exits 1 when the first tree has more
than N lines (CI keeps `workers` the I/O layer, under 10,000).
"""
import os
import sys

from check_cycles import non_test_lines


def count(root):
    n = 0
    for d, _, fs in os.walk(root):
        for f in fs:
            if not f.endswith(".rs") or f == "tests.rs":
                continue
            lines = non_test_lines(os.path.join(d, f))
            n += sum(1 for l in lines if l.strip() and not l.strip().startswith("//"))
    return n


def main():
    args, limit = sys.argv[1:], None
    if "--max-first" in args:
        i = args.index("--max-first")
        limit = int(args[i + 1])
        del args[i : i + 2]
    counts = [(r, count(r)) for r in args]
    for r, c in counts:
        print(f"{r:16} {c:7,}")
    print(f"{'total':16} {sum(c for _, c in counts):7,}")
    if limit is not None and counts and counts[0][1] > limit:
        print(f"{counts[0][0]} has {counts[0][1]:,} lines of code, over {limit:,}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
