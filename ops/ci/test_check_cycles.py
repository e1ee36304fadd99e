#!/usr/bin/env python3
"""Tests of check_cycles.py on small source trees written for each case."""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def tree(files):
    root = tempfile.mkdtemp()
    for path, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
        with open(os.path.join(root, path), "w", encoding="utf-8") as f:
            f.write(text)
    return root


def check(root, *sub):
    return subprocess.run([sys.executable, os.path.join(HERE, "check_cycles.py"), root, *sub],
                          capture_output=True, text=True)


class CheckCycles(unittest.TestCase):
    def test_two_siblings_using_each_other(self):
        root = tree({"lib.rs": "mod a;\nmod b;\n", "a.rs": "use crate::b::B;\npub struct A;\n",
                     "b.rs": "use super::a::A;\npub struct B;\n"})
        out = check(root)
        self.assertEqual(out.returncode, 1)
        self.assertIn("cycle: a.rs -> b.rs -> a.rs", out.stdout)

    def test_a_cycle_through_a_folder_and_a_grouped_use(self):
        root = tree({"lib.rs": "mod p;\n", "p/mod.rs": "mod x;\nmod y;\nmod z;\n",
                     "p/x.rs": "use super::{y::Y, z};\n", "p/y.rs": "pub struct Y;\nfn f() { crate::p::z::g() }\n",
                     "p/z.rs": "pub fn g() { let _ = crate::p::x::X; }\n"})
        out = check(root, "p")
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertIn("p/x.rs", out.stdout)

    def test_a_parent_namespace_and_test_code_are_not_cycles(self):
        root = tree({"lib.rs": "pub mod a;\npub mod b;\npub struct Root;\n",
                     "a.rs": "pub struct A;\nuse crate::b::B;\n",
                     "b.rs": "pub struct B;\nuse crate::Root;\n#[cfg(test)]\nmod tests {\n    use crate::a::A;\n}\n",
                     "c/tests.rs": "use crate::a::A;\n"})
        out = check(root)
        self.assertEqual(out.returncode, 0, out.stdout)

    def test_a_cycle_through_a_re_export_is_found(self):
        root = tree({"lib.rs": "pub mod a;\npub mod b;\npub use a::A;\n",
                     "a.rs": "pub struct A;\nuse crate::b::B;\n", "b.rs": "pub struct B;\nuse crate::A;\n"})
        out = check(root)
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertIn("a.rs -> b.rs -> a.rs", out.stdout)

    def test_an_item_named_like_a_top_level_module_is_its_own_file(self):
        root = tree({"lib.rs": "pub mod a;\npub mod b;\n", "a.rs": "pub fn b() {}\nfn f() { crate::b::g() }\n",
                     "b.rs": "pub fn g() {}\nfn h() { crate::a::b() }\n"})
        out = check(root)
        self.assertEqual(out.returncode, 1, out.stdout)

    def test_a_cycle_outside_the_subdirs_asked_for_is_not_reported(self):
        root = tree({"lib.rs": "", "a.rs": "use crate::b::B;\n", "b.rs": "use crate::a::A;\n",
                     "q/mod.rs": "", "q/r.rs": ""})
        self.assertEqual(check(root, "q").returncode, 0)


if __name__ == "__main__":
    unittest.main()
