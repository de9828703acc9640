//! The chapter claims the compiler refuses a plain `f32` written by a worker thread while
//! the main thread reads it, and quotes the error. The compile_fail doctest in lib.rs proves
//! it does not compile; this test proves it fails for the reason the chapter gives.

use std::process::Command;

#[test]
fn a_plain_f32_shared_with_a_running_thread_is_refused_with_e0502() {
    let snippet = include_str!("../src/refused.rs");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let source = dir.join("refused_main.rs");
    std::fs::write(&source, format!("fn main() {{\n{snippet}}}\n")).unwrap();
    let out = Command::new(rustc())
        .args([
            "--edition",
            "2024",
            "--emit",
            "metadata",
            "--crate-name",
            "refused",
        ])
        .arg("--out-dir")
        .arg(dir)
        .arg(&source)
        .output()
        .expect("rustc runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "it compiled:\n{err}");
    assert!(
        err.contains(
            "error[E0502]: cannot borrow `progress` as immutable because it is also borrowed as mutable"
        ),
        "{err}"
    );
    assert_eq!(
        err.matches("error[").count(),
        1,
        "one error, no other: {err}"
    );
}

/// The compiler of the toolchain running this test: `$RUSTC` if set, else the `rustc` next
/// to the `cargo` that runs the tests (cargo sets `$CARGO`), else `rustc` from `PATH`.
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
