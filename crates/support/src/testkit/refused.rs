//! Checking a "the compiler refuses this" claim: stable rustdoc runs a `compile_fail`
//! doctest but does not check which error it fails with, so a lesson's
//! `tests/refused.rs` compiles the snippet itself and checks the error it names.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// Compiles `snippet` as the body of `fn main` (as rustdoc compiles a doctest), with
/// each crate of `externs` (by name, e.g. `"locks"`, `"rayon"`) linked from the
/// libraries cargo built beside this test, and asserts that it fails with exactly one
/// error, which contains `error` (e.g. "error[E0505]: cannot move out of `guard`").
pub fn assert_refused(snippet: &str, externs: &[&str], error: &str) {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("refused-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let source = dir.join("main.rs");
    std::fs::write(&source, format!("fn main() {{\n{snippet}\n}}\n")).unwrap();
    // The test binary's own folder (target/…/deps) holds every library cargo built.
    let exe = std::env::current_exe().expect("the test binary's path");
    let deps = exe.parent().expect("the deps folder");
    let mut command = Command::new(rustc());
    command
        .args([
            "--edition",
            "2024",
            "--emit",
            "metadata",
            "--crate-name",
            "snippet",
        ])
        .arg("--out-dir")
        .arg(&dir)
        .arg("-L")
        .arg(format!("dependency={}", deps.display()));
    for name in externs {
        let lib = newest_lib(deps, name);
        command
            .arg("--extern")
            .arg(format!("{name}={}", lib.display()));
    }
    let out = command.arg(&source).output().expect("rustc runs");
    let _ = std::fs::remove_dir_all(&dir);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the snippet compiled:\n{snippet}");
    assert!(err.contains(error), "expected {error}\n{err}");
    assert_eq!(
        err.matches("error[").count(),
        1,
        "one error, no other: {err}"
    );
}

/// The most recently built `lib<name>-*.rlib` in `deps`: the one cargo built for this
/// test run (older builds of other versions may lie beside it).
fn newest_lib(deps: &Path, name: &str) -> PathBuf {
    let prefix = format!("lib{}-", name.replace('-', "_"));
    std::fs::read_dir(deps)
        .expect("the deps folder")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            let file = path.file_name().unwrap_or_default().to_string_lossy();
            file.starts_with(&prefix) && file.ends_with(".rlib")
        })
        .max_by_key(|path| path.metadata().and_then(|m| m.modified()).ok())
        .unwrap_or_else(|| panic!("no lib{name} built beside this test"))
}

/// The compiler of the toolchain running the tests: `$RUSTC` if set, else the `rustc`
/// beside the `cargo` that runs them (cargo sets `$CARGO`), else `rustc` from `PATH`.
fn rustc() -> PathBuf {
    if let Some(rustc) = std::env::var_os("RUSTC") {
        return rustc.into();
    }
    if let Some(cargo) = std::env::var_os("CARGO") {
        let name = if cfg!(windows) { "rustc.exe" } else { "rustc" };
        let beside = Path::new(&cargo).with_file_name(name);
        if beside.is_file() {
            return beside;
        }
    }
    "rustc".into()
}
