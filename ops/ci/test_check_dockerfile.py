#!/usr/bin/env python3
"""check_dockerfile.py passes ops/Dockerfile and reports each way a Dockerfile can stop
matching the repository (run by check_ops.sh): a check that cannot fail proves nothing.

  ops/ci/test_check_dockerfile.py
"""
import os
import shutil
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ left in the repository
import check_dockerfile as cd  # noqa: E402

ROOT = cd.ROOT
with open(os.path.join(ROOT, "ops", "Dockerfile"), encoding="utf-8") as f:
    REAL = f.read()

BUILD = "cargo build --release --locked --bin kickoff"


def edit(old, new, count=-1):
    """The real Dockerfile with `old` replaced (and asserted present)."""
    assert old in REAL, old
    return REAL.replace(old, new, count)


def line_of(text, needle):
    return next(n for n, l in enumerate(text.splitlines(), 1) if needle in l)


class CheckDockerfile(unittest.TestCase):
    def errors(self, text, root=ROOT, resolve=False):
        return cd.check(root, text, "Dockerfile", resolve=resolve)

    def assertReported(self, errors, *parts):
        self.assertTrue(any(all(p in e for p in parts) for e in errors),
                        f"no failure with {parts} among {errors}")

    def test_real_dockerfile_passes(self):
        self.assertEqual(self.errors(REAL, resolve=True), [])

    def test_copy_of_a_missing_directory(self):
        text = edit("COPY .cargo/ .cargo/\n", "COPY .cargo/ .cargo/\nCOPY vendor/ vendor/\n")
        self.assertReported(self.errors(text), f"Dockerfile:{line_of(text, 'vendor/')}:",
                            "COPY vendor/", "not in the repository")

    def test_copy_with_flags_and_continuation(self):
        text = edit("COPY data/ data/\n", "COPY --chown=1:1 --chmod=644 \\\n    data/ missing.toml \\\n    ./\n")
        errors = self.errors(text)
        self.assertReported(errors, "COPY missing.toml", "not in the repository")
        self.assertFalse([e for e in errors if "data/" in e], errors)

    def test_copy_from_another_stage_is_not_a_context_path(self):
        self.assertNotIn("/usr/local/bin/kickoff", " ".join(self.errors(REAL)))

    def test_copy_of_a_path_excluded_by_dockerignore(self):
        text = edit("COPY data/ data/\n", "COPY data/ data/\nCOPY docs/ docs/\n")
        self.assertReported(self.errors(text), "COPY docs/", ".dockerignore (docs)")

    def test_dockerignore_exception_reincludes(self):
        text = edit("COPY data/ data/\n", "COPY data/ data/\nCOPY tests/ tests/\n")
        keep = os.path.relpath(next(f for f in cd.repository_files(ROOT) if f.startswith("tests/")), "tests")
        errors = cd.check(ROOT, text, "Dockerfile", "tests/\n!tests/" + keep + "\n", resolve=False)
        self.assertFalse([e for e in errors if "tests/" in e], errors)

    def test_dockerignore_patterns(self):
        rules = cd.read_dockerignore("# comment\n/target/\n**/.env\n*.db\ndocs\n!docs/keep.md\nops/**/*.tmp\n")
        self.assertEqual(cd.ignored_by("target/release/kickoff", rules), "target")
        self.assertEqual(cd.ignored_by(".env", rules), "**/.env")
        self.assertEqual(cd.ignored_by("ops/k8s/.env", rules), "**/.env")
        self.assertEqual(cd.ignored_by("a.db", rules), "*.db")
        self.assertIsNone(cd.ignored_by("data/a.db", rules))  # `*` stays at the root
        self.assertEqual(cd.ignored_by("docs/x.md", rules), "docs")
        self.assertIsNone(cd.ignored_by("docs/keep.md", rules))
        self.assertEqual(cd.ignored_by("ops/a/b/c.tmp", rules), "ops/**/*.tmp")
        self.assertEqual(cd.ignored_by("ops/c.tmp", rules), "ops/**/*.tmp")
        self.assertIsNone(cd.ignored_by("src/main.rs", rules))

    def test_stub_loop_missing_a_member(self):
        text = edit("for crate in entities migration scoring predict sources jobs workers api;",
                    "for crate in entities migration scoring predict sources jobs workers;")
        errors = self.errors(text, resolve=True)
        self.assertReported(errors, "api/src/lib.rs", "no stub")
        self.assertReported(errors, "does not resolve")

    def test_stub_of_a_crate_that_is_not_a_member(self):
        text = edit("for crate in entities migration", "for crate in entities vendor migration")
        self.assertReported(self.errors(text), "vendor/src/lib.rs", "not a workspace member")

    def test_member_manifest_not_copied(self):
        text = edit("COPY api/Cargo.toml api/\n", "")
        errors = self.errors(text, resolve=True)
        self.assertReported(errors, "api/Cargo.toml is not copied")
        self.assertReported(errors, "does not resolve")

    def test_member_sources_not_copied(self):
        text = edit("COPY api/ api/\n", "")
        self.assertReported(self.errors(text), "api/src/lib.rs is not copied after the dependency layer")

    def test_unknown_binary(self):
        text = edit(BUILD, "cargo build --release --locked --bin kickof")
        self.assertReported(self.errors(text), f"Dockerfile:{line_of(text, 'for crate')-1}:", "--bin kickof", "no such binary")

    def test_no_bin(self):
        text = edit(BUILD, "cargo build --release --locked")
        self.assertReported(self.errors(text), "names no --bin")

    def test_without_locked(self):
        text = edit(BUILD, "cargo build --release --bin kickoff", 1)
        errors = self.errors(text)
        self.assertReported(errors, "without --locked")
        self.assertReported(errors, "differs from the dependency layer's")

    def test_unknown_package(self):
        text = edit(BUILD, BUILD + " -p nope")
        self.assertReported(self.errors(text), "-p nope", "not a workspace package")


class DependencyLayerResolves(unittest.TestCase):
    """The layer is resolved with `cargo metadata --locked` in a copy of the repository
    changed the way a commit could change it."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="kickoff-context-")
        self.addCleanup(shutil.rmtree, self.root)
        for f in cd.repository_files(ROOT):
            os.makedirs(os.path.dirname(os.path.join(self.root, f)), exist_ok=True)
            shutil.copy2(os.path.join(ROOT, f), os.path.join(self.root, f))

    def write(self, path, text, append=False):
        os.makedirs(os.path.dirname(os.path.join(self.root, path)), exist_ok=True)
        with open(os.path.join(self.root, path), "a" if append else "w", encoding="utf-8") as f:
            f.write(text)

    def test_copy_passes(self):
        self.assertEqual(cd.check(self.root, REAL, "Dockerfile"), [])

    def test_patch_to_a_path_the_layer_lacks(self):
        # The repository has the patched crate, the dependency layer does not copy it.
        self.write("Cargo.toml", '\n[patch.crates-io]\nsqlx-core = { path = "vendor/sqlx-core" }\n', append=True)
        self.write("vendor/sqlx-core/Cargo.toml", '[package]\nname = "sqlx-core"\nversion = "0.9.0"\n')
        self.write("vendor/sqlx-core/src/lib.rs", "")
        errors = cd.check(self.root, REAL, "Dockerfile")
        self.assertTrue(any("does not resolve" in e and "vendor/sqlx-core" in e for e in errors), errors)

    def test_stale_lock(self):
        # A dependency added to a member's Cargo.toml without updating Cargo.lock.
        path = os.path.join(self.root, "scoring", "Cargo.toml")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        self.write("scoring/Cargo.toml", text.replace("[dependencies]\n", "[dependencies]\nserde.workspace = true\n"))
        errors = cd.check(self.root, REAL, "Dockerfile")
        self.assertTrue(any("does not resolve" in e and "cannot update the lock file" in e for e in errors), errors)


if __name__ == "__main__":
    unittest.main()
