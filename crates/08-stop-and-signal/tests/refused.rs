//! The chapter says the compiler refuses a plain `bool` as a stop flag shared with a
//! running thread. The `compile_fail` doctest in `src/lib.rs` proves the snippet does
//! not compile; this test proves it fails for the reason the chapter gives (E0506),
//! and no other.

use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn a_plain_bool_written_while_a_thread_reads_it_is_refused_with_e0506() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let snippet =
        std::fs::read_to_string(root.join("src/refused/plain_bool.rs")).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("refused_plain_bool");
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("main.rs");
    // As rustdoc does: the snippet is the body of `fn main`.
    std::fs::write(&source, format!("fn main() {{\n{snippet}}}\n")).unwrap();
    let out = Command::new(rustc())
        .args(["--edition", "2024", "--emit", "metadata", "--out-dir"])
        .arg(&dir)
        .arg(&source)
        .output()
        .expect("rustc runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "it compiled:\n{err}");
    let expected = "error[E0506]: cannot assign to `stop` because it is borrowed";
    assert!(err.contains(expected), "expected {expected}\n{err}");
    assert_eq!(
        err.matches("error[").count(),
        1,
        "one error, no other: {err}"
    );
}

/// The compiler of the toolchain running this test: `$RUSTC` if set, else the `rustc`
/// beside the `cargo` that runs the tests (cargo sets `$CARGO`), else `rustc`.
fn rustc() -> PathBuf {
    if let Some(rustc) = std::env::var_os("RUSTC") {
        return rustc.into();
    }
    if let Some(cargo) = std::env::var_os("CARGO") {
        let beside = Path::new(&cargo).with_file_name("rustc");
        if beside.is_file() {
            return beside;
        }
    }
    "rustc".into()
}
