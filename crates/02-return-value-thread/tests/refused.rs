//! The chapter claims the compiler refuses a `thread::spawn` closure that borrows local
//! data, with error E0373. The compile_fail doctest in lib.rs proves the snippet does
//! not compile (stable rustdoc does not check the code it names); this test proves it
//! fails for the reason the chapter gives.

use std::process::Command;

#[test]
fn a_spawned_closure_that_borrows_a_local_is_refused_with_e0373() {
    let snippet = include_str!("../src/refused.rs");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let source = dir.join("refused_spawn_main.rs");
    std::fs::write(&source, format!("fn main() {{\n{snippet}}}\n")).unwrap();
    let out = Command::new(rustc())
        .args(["--edition", "2024", "--emit", "metadata"])
        .args(["--crate-name", "refused_spawn", "--out-dir"])
        .arg(dir)
        .arg(&source)
        .output()
        .expect("rustc runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "it compiled:\n{err}");
    let refusal = "error[E0373]: closure may outlive the current function, \
                   but it borrows `inputs`, which is owned by the current function";
    assert!(err.contains(refusal), "{err}");
    assert_eq!(
        err.matches("error[").count(),
        1,
        "one error, no other: {err}"
    );
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
