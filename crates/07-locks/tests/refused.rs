//! The chapter claims the compiler refuses a reference to the data kept past the
//! unlock, and names the error. The compile_fail doctest in lib.rs proves it does not
//! compile; this test proves it fails for the reason the chapter gives.

use std::process::Command;

#[test]
fn a_reference_kept_past_the_unlock_is_refused_with_e0505() {
    let snippet = include_str!("../src/refused.rs");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let source = dir.join("locks_refused_main.rs");
    std::fs::write(&source, format!("fn main() {{\n{snippet}}}\n")).unwrap();
    let out = Command::new(rustc())
        .args(["--edition", "2024", "--emit", "metadata"])
        .args(["--crate-name", "locks_refused", "--out-dir"])
        .arg(dir)
        .arg(&source)
        .output()
        .expect("rustc runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "it compiled:\n{err}");
    assert!(
        err.contains("error[E0505]: cannot move out of `guard` because it is borrowed"),
        "{err}"
    );
    assert_eq!(err.matches("error[").count(), 1, "one error only: {err}");
}

/// The compiler of the toolchain running this test: `$RUSTC` if set, else the `rustc`
/// next to the `cargo` that runs the tests (cargo sets `$CARGO`), else `rustc` from
/// `PATH`.
fn rustc() -> std::path::PathBuf {
    if let Some(rustc) = std::env::var_os("RUSTC") {
        return rustc.into();
    }
    if let Some(cargo) = std::env::var_os("CARGO") {
        let beside = std::path::Path::new(&cargo).with_file_name("rustc");
        if beside.is_file() {
            return beside;
        }
    }
    "rustc".into()
}
