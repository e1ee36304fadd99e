//! The catalogue's guarantee that every job kind has a handler, checked by the compiler:
//! `tests/ui/kind_without_handler.rs` (a runtime with a handler for every kind but
//! `Probe`) is built as a crate of its own and must fail, naming `Probe`, and for no
//! other reason than missing handlers.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

#[test]
fn a_kind_without_a_handler_does_not_build() {
    let jobs = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let workspace = jobs.parent().unwrap();
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace.join("target"), PathBuf::from);
    // Its own target directory: the one running this test is locked by its build.
    let dir = target.join("compile-fail");
    let krate = dir.join("kind_without_handler");
    std::fs::create_dir_all(krate.join("src")).unwrap();
    std::fs::write(
        krate.join("Cargo.toml"),
        format!(
            "[package]\nname = \"kind_without_handler\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n\
             [dependencies]\njobs = {{ path = {:?} }}\n\n[workspace]\n",
            jobs.display().to_string()
        ),
    )
    .unwrap();
    // The workspace's lock file: the same dependency versions, nothing to fetch.
    std::fs::copy(workspace.join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    std::fs::copy(jobs.join("tests/ui/kind_without_handler.rs"), krate.join("src/main.rs")).unwrap();

    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["check", "--offline", "--quiet", "--message-format", "short", "--manifest-path"])
        .arg(krate.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a runtime without Probe's handler built:\n{stderr}");
    assert!(
        // The kind's path is shortened when its name is unique among the dependencies.
        stderr.lines().any(|l| l.contains("Probe: Handle<Runtime>` is not satisfied")),
        "the error does not name the kind without a handler:\n{stderr}"
    );
    // Nothing else is wrong with the case: every error is a missing handler (kinds added
    // to the catalogue after the case was written are missing too, and that is fine).
    for line in stderr.lines().filter(|l| l.contains("error")) {
        assert!(
            line.contains("Handle<Runtime>` is not satisfied")
                || line.starts_with("error: could not compile"),
            "an error other than a missing handler: {line}\n{stderr}"
        );
    }
}
