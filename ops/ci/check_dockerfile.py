#!/usr/bin/env python3
"""What `docker build -f ops/Dockerfile .` reads, checked without an engine (run by check_ops.sh):

- every COPY/ADD source taken from the build context (not `--from`) is in the repository
  and not excluded by .dockerignore; otherwise the build stops at that line ("not found");
- the builder stage's dependency layer matches the workspace: the RUN that first calls
  `cargo build` writes a stub for every member's crate root and for the binary, every
  member's Cargo.toml is copied before it, its `cargo build` passes `--locked` and a `--bin`
  the workspace has, and the later COPYs bring every member's real sources;
- that layer, rebuilt in a temporary directory from the files its COPYs bring and the stubs
  its RUN writes, resolves with `cargo metadata --locked`: a stale Cargo.lock, a member left
  out or a [patch] path the layer lacks fail here as they would fail the build. Nothing is
  compiled.

  ops/ci/check_dockerfile.py [DOCKERFILE [CONTEXT]]   (defaults: ops/Dockerfile, the repository root)
"""
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from collections import namedtuple

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

Instr = namedtuple("Instr", "line cmd args")  # line: where the instruction starts (1-based)
Stage = namedtuple("Stage", "name instrs")


# --- Dockerfile -----------------------------------------------------------------------

def parse_dockerfile(text):
    """Instructions with their first line; `\\` continues a line, and comment or empty
    lines inside a continued instruction are dropped, as Docker does."""
    instrs, buf, start = [], None, 0
    for n, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if buf is None:
            start, buf = n, ""
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        cmd, _, args = buf.partition(" ")
        instrs.append(Instr(start, cmd.upper(), args.strip()))
        buf = None
    if buf is not None:
        cmd, _, args = buf.strip().partition(" ")
        instrs.append(Instr(start, cmd.upper(), args.strip()))
    return instrs


def stages_of(instrs):
    stages = []
    for ins in instrs:
        if ins.cmd == "FROM":
            w = ins.args.split()
            name = w[-1] if len(w) >= 3 and w[-2].lower() == "as" else None
            stages.append(Stage(name, []))
        elif stages:
            stages[-1].instrs.append(ins)
    return stages


def copy_args(args):
    """(flags, sources, dest) of a COPY or ADD, shell or JSON form."""
    words = args.split()
    flags = {}
    while words and words[0].startswith("--"):
        key, _, value = words.pop(0)[2:].partition("=")
        flags[key] = value
    rest = " ".join(words)
    if rest.startswith("["):
        try:
            words = json.loads(rest)
        except ValueError:
            pass
    return flags, words[:-1], (words[-1] if words else "")


# --- build context and .dockerignore --------------------------------------------------

def glob_regex(pattern):
    """Docker's pattern syntax (moby/patternmatcher) as a regex: `*` and `?` stay within one
    path segment, `**/` spans any number of directories (none included), `[...]` is a class."""
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):
                i += 1
                out += "(.*/)?" if i < len(pattern) else ".*"
            else:
                out += ".*"
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        elif c == "[" and "]" in pattern[i + 1:]:
            j = pattern.index("]", i + 1)
            out += "[" + pattern[i + 1:j] + "]"
            i = j
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out)


def read_dockerignore(text):
    """[(pattern, is_exception, regex)]: patterns are relative to the context root, a leading
    or trailing `/` does not change them, `!` re-includes."""
    rules = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        p = line.strip()
        exception = p.startswith("!")
        if exception:
            p = p[1:].strip()
        if not p:
            continue
        p = posixpath.normpath(p).lstrip("/")
        rules.append((p, exception, glob_regex(p)))
    return rules


def ignored_by(path, rules):
    """The pattern that excludes `path`, or None. As Docker: a pattern matching the path or
    one of its parent directories applies, and the last one that applies wins."""
    parts = path.split("/")
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    excluded_by = None
    for pattern, exception, rx in rules:
        if exception != (excluded_by is not None):
            continue
        if any(rx.fullmatch(c) for c in candidates):
            excluded_by = None if exception else pattern
    return excluded_by


def repository_files(root):
    """Files a clean checkout has: tracked or new (not ignored by git). A local vendor/ or
    target/ that git ignores is not there in CI, so it must not count as present."""
    try:
        out = subprocess.run(
            ["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True, check=True).stdout.decode()
        return sorted(f for f in out.split("\0") if f and os.path.lexists(os.path.join(root, f)))
    except (OSError, subprocess.CalledProcessError):
        files = []
        for d, dirs, names in os.walk(root):
            dirs[:] = [x for x in dirs if x != ".git"]
            files += [os.path.relpath(os.path.join(d, n), root).replace(os.sep, "/") for n in names]
        return sorted(files)


def expand_source(src, files):
    """[(base, file)]: the context files a COPY source brings, `base` being the matched file
    or directory (a directory's content is copied, not the directory itself)."""
    s = posixpath.normpath(src.lstrip("/"))
    if s == ".":
        return [(".", f) for f in files]
    if re.search(r"[*?\[]", s):
        rx = glob_regex(s)
        out = []
        for f in files:
            parts = f.split("/")
            for i in range(1, len(parts) + 1):
                base = "/".join(parts[:i])
                if rx.fullmatch(base):
                    out.append((base, f))
                    break
        return out
    return [(s, f) for f in files if f == s or f.startswith(s + "/")]


def destinations(srcs, dest, files, workdir):
    """{path in the image: context file} for one COPY, relative to `workdir` (paths outside it
    are left out)."""
    target = posixpath.normpath(posixpath.join(workdir, dest))
    into_dir = dest.endswith("/") or dest in (".", "./") or len(srcs) > 1
    out = {}
    for src in srcs:
        for base, f in expand_source(src, files):
            if base == f:
                # A file goes into a directory destination, or into one per glob match.
                glob = base != posixpath.normpath(src.lstrip("/"))
                d = posixpath.join(target, posixpath.basename(f)) if into_dir or glob else target
            else:
                d = posixpath.join(target, posixpath.relpath(f, base))
            r = posixpath.relpath(d, workdir)
            if not r.startswith(".."):
                out[r] = f
    return out


# --- the checks -----------------------------------------------------------------------

def cargo_metadata(cwd, *args):
    """(metadata, error text)."""
    try:
        p = subprocess.run(["cargo", "metadata", "--format-version", "1", *args], cwd=cwd,
                           capture_output=True, text=True, env={**os.environ, "CARGO_TERM_COLOR": "never"})
    except OSError as e:
        return None, f"cargo: {e}"
    if p.returncode != 0:
        return None, p.stderr.strip()
    return json.loads(p.stdout), None


def workspace(meta, root):
    """({member dir: [crate root paths]}, {bin names}, {package names}) of a workspace."""
    members, bins, names = {}, set(), set()
    for pkg in meta["packages"]:
        if pkg["id"] not in meta["workspace_members"]:
            continue
        d = os.path.relpath(os.path.dirname(pkg["manifest_path"]), root).replace(os.sep, "/")
        names.add(pkg["name"])
        members[d] = []
        for t in pkg["targets"]:
            if "lib" in t["kind"] or "bin" in t["kind"]:
                members[d].append(os.path.relpath(t["src_path"], root).replace(os.sep, "/"))
            if "bin" in t["kind"]:
                bins.add(t["name"])
    return members, bins, names


def host_triple():
    try:
        out = subprocess.run(["rustc", "-vV"], capture_output=True, text=True).stdout
    except OSError:
        return None
    m = re.search(r"^host: (\S+)", out, re.M)
    return m.group(1) if m else None


def stub_files(script, workdir):
    """Files a RUN writes before its `cargo build` (`> path`, `touch path`), each `for` loop's
    variable expanded with its items."""
    files = set()

    def writes(cmds, env):
        paths = re.findall(r'(?<![0-9&])>\s*"?([^\s;&|"]+)', cmds)
        for m in re.finditer(r"\btouch\s+([^;&|]+)", cmds):
            paths += [w.strip('"\'') for w in m.group(1).split()]
        for p in paths:
            for var, value in env.items():
                p = p.replace("${%s}" % var, value).replace("$" + var, value)
            if p.startswith("/dev/"):
                continue
            r = posixpath.relpath(posixpath.normpath(posixpath.join(workdir, p)), workdir)
            if not r.startswith(".."):
                files.add(r)

    loop = re.compile(r"\bfor\s+(\w+)\s+in\s+([^;]*);\s*do\b(.*?)\bdone\b")
    for m in loop.finditer(script):
        for item in m.group(2).split():
            writes(m.group(3), {m.group(1): item.strip('"\'')})
    writes(loop.sub("", script), {})
    return files


def flag_values(args, flag):
    """Values of `flag X` and `flag=X` in a command's arguments."""
    out = [args[k + 1] for k, a in enumerate(args[:-1]) if a == flag]
    return out + [a.split("=", 1)[1] for a in args if a.startswith(flag + "=")]


def read_text(path):
    """The file's text, or None when it does not exist."""
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return f.read()


def check(root, text, name="ops/Dockerfile", dockerignore=None, resolve=True):
    """Failures, each naming the Dockerfile's line."""
    root = os.path.realpath(root)
    errors = []
    err = lambda line, msg: errors.append(f"{name}:{line}: {msg}")
    if dockerignore is None:
        dockerignore = read_text(os.path.join(root, ".dockerignore")) or ""
    rules = read_dockerignore(dockerignore)
    repo = repository_files(root)
    context = [f for f in repo if ignored_by(f, rules) is None]
    instrs = parse_dockerfile(text)

    # 1. COPY/ADD sources from the build context.
    for ins in instrs:
        if ins.cmd not in ("COPY", "ADD"):
            continue
        flags, srcs, _ = copy_args(ins.args)
        if "from" in flags:
            continue
        for src in srcs:
            if "$" in src or src.startswith("<<") or re.match(r"^[a-z]+://|^git@", src):
                continue  # a build argument, a heredoc or a URL: not a context path
            s = posixpath.normpath(src.lstrip("/"))
            if s == ".." or s.startswith("../"):
                err(ins.line, f"{ins.cmd} {src}: outside the build context")
            elif not expand_source(src, context):
                in_repo = expand_source(src, repo)
                if in_repo:
                    pattern = ignored_by(s, rules) or ignored_by(in_repo[0][1], rules)
                    err(ins.line, f"{ins.cmd} {src}: excluded from the build context by .dockerignore ({pattern})")
                else:
                    err(ins.line, f"{ins.cmd} {src}: not in the repository")

    # 2. The builder stage against the workspace.
    meta, e = cargo_metadata(root, "--no-deps")
    if meta is None:
        errors.append(f"cargo metadata of the workspace: {e}")
        return errors
    members, bins, packages = workspace(meta, root)

    build = re.compile(r"\bcargo\s+build\b([^;&|]*)")
    stage = next((s for s in stages_of(instrs) if any(i.cmd == "RUN" and build.search(i.args) for i in s.instrs)), None)
    if stage is None:
        errors.append(f"{name}: no stage runs `cargo build`")
        return errors
    workdir, copies, dep_run, later = "/", [], None, []
    for ins in stage.instrs:
        if ins.cmd == "WORKDIR" and dep_run is None:
            workdir = posixpath.join(workdir, ins.args)
        elif ins.cmd in ("COPY", "ADD") and "from" not in copy_args(ins.args)[0]:
            (copies if dep_run is None else later).append(ins)
        elif ins.cmd == "RUN" and build.search(ins.args) and dep_run is None:
            dep_run = ins

    commands = [(i.line, build.search(i.args).group(1).split()) for i in stage.instrs
                if i.cmd == "RUN" and build.search(i.args)]
    for line, args in commands:
        if "--locked" not in args and "--frozen" not in args:
            err(line, "cargo build without --locked: the image would not be built from Cargo.lock")
        named = flag_values(args, "--bin")
        if not named:
            err(line, "cargo build names no --bin: the image installs one binary of the workspace")
        for b in named:
            if b not in bins:
                err(line, f"cargo build --bin {b}: the workspace has no such binary (it has {', '.join(sorted(bins))})")
        for p in flag_values(args, "-p") + flag_values(args, "--package"):
            if p not in packages:
                err(line, f"cargo build -p {p}: not a workspace package")
    if len({tuple(sorted(a)) for _, a in commands}) > 1:
        err(commands[-1][0], "cargo build differs from the dependency layer's: that layer caches another build")

    layer = {}
    for ins in copies:
        _, srcs, dest = copy_args(ins.args)
        layer.update(destinations(srcs, dest, context, workdir))
    stubs = stub_files(dep_run.args[:build.search(dep_run.args).start()], workdir)
    for d, roots in sorted(members.items()):
        manifest = posixpath.normpath(posixpath.join(d, "Cargo.toml"))
        if manifest not in layer:
            err(dep_run.line, f"workspace member {d}: {manifest} is not copied into the dependency layer")
        for r in roots:
            if r not in stubs:
                err(dep_run.line, f"workspace member {d}: the dependency layer writes no stub {r}")
    if "Cargo.lock" not in layer:
        err(dep_run.line, "Cargo.lock is not copied into the dependency layer")
    for s in sorted(stubs):
        d = s.split("/src/")[0] if "/src/" in s else "."
        if s.endswith(".rs") and d not in members:
            err(dep_run.line, f"the dependency layer writes a stub {s}: {d} is not a workspace member")

    final = {}
    for ins in later:
        _, srcs, dest = copy_args(ins.args)
        final.update(destinations(srcs, dest, context, workdir))
    for d, roots in sorted(members.items()):
        for r in roots:
            if r not in final:
                err(dep_run.line, f"workspace member {d}: {r} is not copied after the dependency layer (the stub would be built)")

    # 3. The dependency layer resolves from Cargo.lock as it stands in the image.
    if resolve:
        with tempfile.TemporaryDirectory(prefix="kickoff-deps-") as tmp:
            tmp = os.path.realpath(tmp)
            for dest, src in layer.items():
                os.makedirs(os.path.dirname(os.path.join(tmp, dest)), exist_ok=True)
                shutil.copyfile(os.path.join(root, src), os.path.join(tmp, dest))
            for s in stubs:
                os.makedirs(os.path.dirname(os.path.join(tmp, s)), exist_ok=True)
                with open(os.path.join(tmp, s), "w") as f:
                    f.write("fn main() {}\n" if s.endswith("main.rs") else "")
            # Registry crates come from the local cache (CI has built the workspace), and from
            # the network only when missing there. The lock is checked for every platform
            # anyway; --filter-platform only limits the crates cargo must have to list.
            args = ["--locked"] + (["--filter-platform", t] if (t := host_triple()) else [])
            meta, e = cargo_metadata(tmp, *args, "--offline")
            if meta is None and re.search(r"but --offline was specified|using offline mode", e):
                meta, e = cargo_metadata(tmp, *args)
            if meta is None:
                detail = "\n".join("    " + l for l in e.replace(tmp, "<layer>").splitlines() if l.strip())
                err(dep_run.line, f"the dependency layer does not resolve (cargo metadata --locked):\n{detail}")
            else:
                layer_bins = workspace(meta, tmp)[1]
                for line, a in commands[:1]:
                    for b in flag_values(a, "--bin"):
                        if b in bins and b not in layer_bins:
                            err(line, f"cargo build --bin {b}: not a binary of the dependency layer's workspace")
    return errors


def main():
    dockerfile = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "ops", "Dockerfile")
    root = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else ROOT)
    # A Dockerfile-specific ignore file (ops/Dockerfile.dockerignore) takes precedence.
    ignore_text = read_text(dockerfile + ".dockerignore")
    name = os.path.relpath(dockerfile, root) if os.path.abspath(dockerfile).startswith(root + os.sep) else dockerfile
    errors = check(root, read_text(dockerfile), name, ignore_text)
    for e in errors:
        print(f"FAIL {e}", file=sys.stderr)
    if errors:
        sys.exit(1)
    print(f"ok: {name}: COPY sources in the build context, the dependency layer resolves with --locked")


if __name__ == "__main__":
    main()
